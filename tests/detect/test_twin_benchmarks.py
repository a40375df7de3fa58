"""Issue 9, stop 61 (h9): the development rows' twins join stored reports by seed and name
(``benchmarks/twin_wide_class.py``), and the candidate file carries a twins entry per scorer
with that scorer's centre (``benchmarks/twin_term_file.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from trojanscope import detect
from trojanscope.detect.calibration import load_calibrators


def test_twins_join_the_stored_report_of_the_same_seed_and_name(tmp_path, load_benchmark):
    twc = load_benchmark("twin_wide_class")
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps(r) for r in [
        {"pop": "9202", "name": "a", "twins": [[1.0, 2.0], [3.0, 4.0]]},
        {"pop": "9202", "name": "b", "twins": None}]) + "\n")
    stored = [{"seed": 9202, "name": n, "report": {"features": {}}} for n in ("a", "b", "c")]
    stored.append({"seed": 9201, "name": "a", "report": {"features": {}}})
    assert twc.join_twins(stored, rows) == 1
    assert stored[0]["report"]["features"] == {
        "twin_ratio_0": 2.0, "twin_ratio_1": 3.0, "twin_max_0": 3.0, "twin_max_1": 4.0,
        "twin_min_0": 1.0, "twin_min_1": 2.0, "twin_count": 2.0}
    assert stored[1]["report"]["features"] == {"twin_count": 0.0}  # no twins could be made
    assert stored[2]["report"]["features"] == {} and stored[3]["report"]["features"] == {}


def test_a_models_twin_files_join_as_one_row_in_their_first_index_order(tmp_path,
                                                                         load_benchmark):
    """Stop 62: twins added with ``--start`` (a second file) join the first ones, so four
    twins read as one median and spread; the CPU seconds add up."""
    twc = load_benchmark("twin_wide_class")
    later, first = tmp_path / "later.jsonl", tmp_path / "first.jsonl"
    later.write_text(json.dumps({"pop": "9203", "name": "a", "twin_start": 2, "cpu_s": 5.0,
                                 "twins": [[5.0, 1.0], [7.0, 1.0]]}) + "\n")
    first.write_text(json.dumps({"pop": "9203", "name": "a", "cpu_s": 4.0,
                                 "twins": [[1.0, 1.0], [3.0, 1.0]]}) + "\n")
    row = twc.merged_rows([later, first])[("9203", "a")]
    assert row["twins"] == [[1.0, 1.0], [3.0, 1.0], [5.0, 1.0], [7.0, 1.0]]
    assert row["cpu_s"] == 9.0
    stored = [{"seed": 9203, "name": "a", "report": {"features": {}}}]
    assert twc.join_twins(stored, [later, first]) == 1
    feats = stored[0]["report"]["features"]
    assert (feats["twin_ratio_0"], feats["twin_max_0"], feats["twin_min_0"]) == (4.0, 7.0, 1.0)
    assert feats["twin_count"] == 4.0


def test_candidate_file_has_a_readable_twins_entry_per_scorer(tmp_path, load_benchmark):
    tf = load_benchmark("twin_term_file")
    base = json.loads((Path(detect.__file__).parent / "calibration.json").read_text())
    path = tmp_path / "cal_T.json"
    path.write_text(json.dumps(tf.with_twins(base, 0.8)))
    cals = load_calibrators(path)  # the file's checks run here
    for scorer in tf.SCORERS:
        fitted = cals[f"{scorer}:twin-stand"].fitted_on
        assert fitted["guard"] == 0.8
        assert fitted["centre"] == base[f"{scorer}:centre"]["fitted_on"]["centre"]
    assert "auto:twin-stand" not in base  # the shipped file is not changed
    assert "stat" not in fitted  # T's file reads as at stop 61
    path.write_text(json.dumps(tf.with_twins(base, 2.0, stat="z", floor=0.2)))
    fitted = load_calibrators(path)["auto:twin-stand"].fitted_on
    assert (fitted["stat"], fitted["spread_floor"], fitted["guard"]) == ("z", 0.2, 2.0)


def test_twin_wide_class_bad_input_is_one_error_line(tmp_path) -> None:
    """Stop 61 review (hrev): a malformed ``--pop`` or ``--terms`` spec, a missing file or a
    missing option ends in one ``error:`` line and exit 2 before any model is read (a
    ValueError traceback, or exit 1, before)."""
    from script_run import run_script

    cal = tmp_path / "cal.json"
    cal.write_text("{}")
    there = tmp_path / "runs.jsonl"
    there.write_text("")
    for args, said in ((("--pop", "9202=a,b", "--out", tmp_path / "o"), "3 comma-separated"),
                       (("--pop", f"=x,{there},{there}", "--out", tmp_path / "o"), "NAME="),
                       (("--pop", f"p={tmp_path / 'no'},{there},{there}", "--out",
                         tmp_path / "o"), "no such file"),
                       (("--terms", str(there), "--candidate", cal), "2 comma-separated"),
                       (("--terms", f"{there},{there}"), "--candidate"),
                       (("--table", tmp_path / "none.jsonl"), "none.jsonl"),
                       ((), "give --pop and --out")):
        res = run_script("twin_wide_class.py", *args)
        assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
        assert res.stderr.count("\n") == 1 and said in res.stderr, res.stderr
    assert not (tmp_path / "o").exists()


def test_twin_term_file_bad_base_is_one_error_line(tmp_path) -> None:
    """Stop 61 review (hrev): a ``--base`` that is not JSON, not an object, or has no
    ``:centre`` entries to take the centre from ends in one error line, exit 2, nothing
    written (tracebacks before)."""
    from script_run import run_script

    out = tmp_path / "cal_T.json"
    for text, said in (("{", "JSONDecodeError"), ("[]", "not a calibration file"),
                       ("{}", "no auto:centre entry")):
        (tmp_path / "base.json").write_text(text)
        res = run_script("twin_term_file.py", "--base", tmp_path / "base.json", "--guard", "1",
                         "--write", out)
        assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
        assert res.stderr.count("\n") == 1 and said in res.stderr, res.stderr
        assert not out.exists()


def test_twin_spread_table_lists_twinned_models_and_counts_the_others_moved(load_benchmark):
    """Stop 62: the development table shows each model with twins (today, T's stand, T2's
    stand, T2's reading) and says how many models without twins T2 moved (it must move none)."""
    ts = load_benchmark("twin_spread")
    read = {"p": 0.9, "suspect": 8, "stand": [3, 1.52], "twin_logit": 0.0, "raise_logit": 0.0}
    low = {**read, "p": 0.032}
    rows = [{"seed": 9202, "name": "gap-cl00", "backdoored": False, "target": None,
             "trigger_family": None, "twin_count": 4.0, "today": read, "T": read, "T2": low},
            {"seed": 9202, "name": "mlp-cl00", "backdoored": False, "target": None,
             "trigger_family": None, "twin_count": None, "today": read, "T": read, "T2": read},
            {"seed": 9202, "name": "mlp-bd00", "backdoored": True, "target": 3,
             "trigger_family": "sig", "twin_count": 0.0, "today": read, "T": read, "T2": low}]
    text = ts.markdown(rows, {("9202", "gap-cl00"): 93.1})
    assert "`gap-cl00` | clean | 0.900 → 8 | +1.52 (3) | 1.52 (3) | 0.032 → 8 | 4 | 93.1" in text
    assert "mlp-cl00" not in text.split("\n\n")[0]
    assert "Models without twins: 2; T2 moved 1 of them ['mlp-bd00']" in text
