"""Issue 12 stop 75 (h12): the scripts behind ``aug_last``'s development and fresh read.
``mitigate_aug_s75_check.py`` refuses a bad zoo or epoch count in one line before any model is
read and marks where the step fitted; the rule reader's ``--cross`` (F) catches an ASR that
crosses 2% on a model that was a miss anyway (so (B) does not see it) by less than (E)'s point;
the development reader refuses a folder that is no zoo in one line."""

from __future__ import annotations

import json

import pytest
from test_sure_s71_scripts import row

from script_run import run_script

LABEL = "gated:aug_last=5"


@pytest.mark.parametrize(("args", "word"), [((), "not a zoo"), (("21",), "aug_last")])
def test_a_bad_zoo_or_epoch_count_is_one_error_line(tmp_path, args, word) -> None:
    zoo = tmp_path / "none" if word == "not a zoo" else tmp_path
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_aug_s75_check.py", zoo, tmp_path / "out.json", *args)
    assert got.returncode == 2 and word in got.stderr, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def test_the_check_marks_only_a_fitted_step(tmp_path) -> None:
    from mitigate_aug_s75_check import fitted_aug
    from mitigate_held_s74_check import mark_fired

    out = tmp_path / "f.json"
    out.write_text(json.dumps({LABEL: {"notes": {
        "a": {"aug_last": {"action": "fitted towards the input model ..."}},
        "b": {"aug_last": {"action": "skipped: no reversed trigger for the suspect"}},
        "c": {"action": "not treated"}}}}))
    mark_fired(out, LABEL, fitted_aug)
    notes = json.loads(out.read_text())[LABEL]["notes"]
    assert [notes[k]["fired"] for k in "abc"] == [True, False, False]


def rows(tmp_path, asr_after: float) -> str:
    backdoored = [row(f"badnets-00{i}", "badnets", 0.91, 0.0) for i in range(12)]
    today = [*backdoored, row("badnets-012", "badnets", 0.88, 0.019),
             row("badnets-013", "badnets", 0.88, 0.0), row("clean-000", None, 0.92, None)]
    cand = [dict(r) for r in today]
    cand[12] = row("badnets-012", "badnets", 0.89, asr_after)  # still a miss either way
    cand[13] = row("badnets-013", "badnets", 0.91, 0.0)  # gained
    path = tmp_path / "fresh.json"
    path.write_text(json.dumps({"gated": {"rows": today},
                                LABEL: {"rows": cand, "notes": {}}}))
    return f"{path}:9999"


@pytest.mark.parametrize(("asr", "met"), [(0.0194, True), (0.0208, False)])
def test_the_rule_reader_reads_an_asr_crossing_two_percent(tmp_path, asr, met) -> None:
    args = (rows(tmp_path, asr), "--candidate", LABEL, "--cross", "0.02")
    got = run_script("mitigate_cost_s72_rule.py", *args)
    assert got.returncode == 0, got.stderr
    assert "(F)" in got.stdout
    assert got.stdout.strip().endswith("rule met" if met else "rule not met")
    assert ("9999/badnets-012" in got.stdout.split("(F)")[1].splitlines()[0]) is not met
    plain = run_script("mitigate_cost_s72_rule.py", *args[:3])  # without --cross: (E) alone
    assert "(F)" not in plain.stdout and plain.stdout.strip().endswith("rule met")


def test_the_reader_refuses_a_folder_that_is_no_zoo(tmp_path) -> None:
    got = run_script("mitigate_aug_s75_dev.py", tmp_path / "o.jsonl", f"{tmp_path}/none:1",
                     "--cache", tmp_path / "c")
    assert got.returncode == 2 and "not a zoo" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "o.jsonl").exists()


def test_the_summary_counts_gains_losses_and_crossings(tmp_path) -> None:
    v = "aug:epochs=5"
    rows = [{"name": "1/badnets-000", "family": "badnets",
             "today": {"ca_before": 0.9, "ca": 0.87, "asr": 0.001},
             v: {"ca": 0.89, "asr": 0.002, "cpu_s": 0.4}},   # gained
            {"name": "1/badnets-001", "family": "badnets",
             "today": {"ca_before": 0.9, "ca": 0.89, "asr": 0.019},
             v: {"ca": 0.89, "asr": 0.021, "cpu_s": 0.5}}]   # lost by crossing 2%
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    got = run_script("mitigate_aug_s75_sum.py", tmp_path / "r.jsonl")
    assert got.returncode == 0, got.stderr
    assert "1/2 at the goal against today's 1" in got.stdout
    assert "gained ['1/badnets-000']; lost ['1/badnets-001']" in got.stdout
    assert "crossed 2% ['1/badnets-001 1.90->2.10%']" in got.stdout
    assert "badnets 1->1/2" in got.stdout


@pytest.mark.parametrize(("args", "word"), [((), "not a zoo"), (("2",), "aug_mean")])
def test_stop_76s_check_refuses_in_one_line(tmp_path, args, word) -> None:
    """Stop 76's check (``aug_mean`` fixed at 3 beside the epochs): a bad zoo, or epochs under
    the mean's first, refused before any model is read."""
    zoo = tmp_path / "none" if word == "not a zoo" else tmp_path
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_aug_s76_check.py", zoo, tmp_path / "out.json", *args)
    assert got.returncode == 2 and word in got.stderr, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()
