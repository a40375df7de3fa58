"""Issue 9, stop 70 (h9): the named-check term records the class it renamed from, so a stored
report re-scores as its run read it; and C6's keys on the blend keep at another class
(``other_gap``, ``other_stand``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_blend_probe import _line
from test_kind_centre import _verdict
from test_named_check_c5 import _c5, _stand, refused

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.named_check import (
    BLEND_CLASS,
    NAMED_LOGIT,
    UNCHECKED_CLASS,
)

KEY = "auto:out-of-coverage:named-check"
AT_0 = [0.87, 0.0, 0.13, 0.07, 0.0, 0.0, 0.0, 0.0, 0.27, 0.0]  # 0 leads 8 by 0.60 (9610 cl04)


def _c6(other_gap: float | None = 0.65, other_stand: float | None = None
        ) -> dict[str, Calibrator]:
    """Stop 69's C5 with the stop-70 keys where given."""
    cals = _c5(2.05, frame_off=True)
    for name, value in (("other_gap", other_gap), ("other_stand", other_stand)):
        if value is not None:
            cals[KEY].fitted_on[name] = value
    return cals


def _stored(verdict: ModelVerdict) -> ModelVerdict:
    """The verdict a stored report rebuilds (``foreign_zoo_detect.verdict_of``): its ranking
    and features as written."""
    return ModelVerdict(method=verdict.method, statistic=verdict.statistic,
                        target_classes=list(verdict.target_classes), per_class=[],
                        features=dict(verdict.features), data_free=verdict.data_free,
                        traits=list(verdict.traits))


def test_a_blend_keep_records_the_class_it_renamed_and_re_scores_as_the_run_read() -> None:
    """9610 ``res_gap-cl00`` (stop 69): kept for blends leading at 0, a class other than
    MM-BD's 8. Its report re-scores to the run's own probability and class; without the
    record (a report stored before stop 70) it re-scored as if 0 were MM-BD's class and the
    reach under ``blend_same`` was vetoed."""
    run = calibrate(_verdict(_stand(AT_0, 1.2)), _c5())
    assert run.features[BLEND_CLASS] == 0 and run.features[UNCHECKED_CLASS] == 8
    assert run.target_classes[0] == 0 and run.probability > 0.5
    again = calibrate(_stored(run), _c5())
    assert again.probability == pytest.approx(run.probability)
    assert again.target_classes == run.target_classes
    old = _stored(run)
    del old.features[UNCHECKED_CLASS]
    slipped = calibrate(old, _c5())
    assert slipped.probability < 0.05 and NAMED_LOGIT in slipped.features


def test_the_rule_script_rebuilds_a_missing_record_from_mmbd_class_ratios() -> None:
    from outside_named_record import REBUILT, RECORDED, UNRENAMED, as_run_read

    ratios = {f"mmbd_class_ratio_{c}": 1.0 for c in range(10)}
    report = {"ranking": [0, 8, 6, 5, 2, 3, 9, 4, 7, 1],
              "features": {**ratios, "mmbd_class_ratio_8": 2.7, "mmbd_class_ratio_0": 1.3,
                           BLEND_CLASS: 0.0}}
    got, how = as_run_read(report)
    assert how == REBUILT and got["features"][UNCHECKED_CLASS] == 8
    assert UNCHECKED_CLASS not in report["features"]  # the stored report is left as it was
    report["features"]["mmbd_class_ratio_0"] = 3.0  # 0 was MM-BD's own first: not renamed
    assert as_run_read(report)[0]["features"][UNCHECKED_CLASS] == 0
    report["features"]["unraised_top_class"] = 0.0  # a raise named 0 after the blends did
    report["ranking"] = [6, 0, 8, 5, 2, 3, 9, 4, 7, 1]
    assert as_run_read(report)[0]["features"][UNCHECKED_CLASS] == 0
    assert as_run_read({"ranking": [8], "features": {UNCHECKED_CLASS: 8.0}})[1] == RECORDED
    assert as_run_read({"ranking": [8], "features": {}})[1] == UNRENAMED


@pytest.mark.parametrize("shares, stand, other_stand, kept", [
    (AT_0, 1.2, None, False),  # another class by 0.60 < other_gap 0.65: vetoed (stand 1.2)
    ([0.93] + [0.0] * 7 + [0.2, 0.0], 1.2, None, True),  # by 0.73: kept
    (AT_0, 1.7, 1.6, True),  # under the bar, a stand of at least other_stand keeps it
    (AT_0, 1.5, 1.6, False),  # under both: vetoed
])
def test_other_gap_keeps_a_reach_of_another_class_only_from_its_bar(
        shares: list[float], stand: float, other_stand: float | None, kept: bool) -> None:
    c5 = calibrate(_verdict(_stand(shares, stand)), _c5(2.05, frame_off=True))
    c6 = calibrate(_verdict(_stand(shares, stand)), _c6(0.65, other_stand))
    assert c5.probability > 0.5 and c5.target_classes[0] == 0
    if kept:
        assert c6.probability == pytest.approx(c5.probability)
        assert c6.target_classes == c5.target_classes
    else:
        assert c6.probability < 0.05 and c6.target_classes[0] == 8
        assert BLEND_CLASS not in c6.features and UNCHECKED_CLASS not in c6.features


def test_other_gap_leaves_a_reach_of_the_named_class_as_c5_reads_it() -> None:
    at_8 = [0.0] * 8 + [0.93, 0.13]  # 8, the named class, by 0.80 >= blend_same
    c5 = calibrate(_verdict(_stand(at_8, 1.2)), _c5(2.05, frame_off=True))
    c6 = calibrate(_verdict(_stand(at_8, 1.2)), _c6(0.9))
    assert c5.features[BLEND_CLASS] == 8 and c6.features[BLEND_CLASS] == 8
    assert c6.probability == pytest.approx(c5.probability)


@pytest.mark.parametrize("fitted, word", [
    ({"other_gap": 0.4, "blend_gap": 0.45}, "other_gap"),  # under blend_gap
    ({"other_gap": 1.2, "blend_gap": 0.45}, "other_gap"),
    ({"other_gap": 0.65}, "blend_gap"),
    ({"other_stand": 1.6, "blend_gap": 0.45}, "other_gap"),
    ({"other_gap": 0.65, "other_stand": -1.0, "blend_gap": 0.45}, "other_stand"),
    ({"other_gap": 0.65, "other_stand": "1.6", "blend_gap": 0.45}, "other_stand"),
])
def test_a_c6_key_it_cannot_read_is_refused(fitted: dict, word: str) -> None:
    refused(fitted, word)


def test_the_rule_script_writes_the_c6_keys(tmp_path: Path) -> None:
    from outside_named_rule import main

    out = tmp_path / "cal_C6.json"
    c5 = ["--read", "model", "--guard", "1.6", "--keep-ratio", "6.0", "--blend-gap", "0.45",
          "--blend-same", "0.75", "--blend-raise", "0.85", "--absent-guard", "2.05",
          "--frame-off"]
    main([*c5, "--other-gap", "0.65", "--other-stand", "1.6", "--write", str(out)])
    fitted = json.loads(out.read_text())[KEY]["fitted_on"]
    assert fitted["other_gap"] == 0.65 and fitted["other_stand"] == 1.6
    load_calibrators(out)  # the term reads it
    with pytest.raises(SystemExit) as err:
        main([*c5, "--other-stand", "1.6", "--write", str(tmp_path / "bad.json")])
    assert err.value.code == 2 and not (tmp_path / "bad.json").exists()


def test_the_stop_70_points_need_eight_backdoored_gap_heads() -> None:
    from outside_named_rule import plan70_points

    lines = [_line(f"cl{i}", False, [0.03, 8], [0.03, 8]) for i in range(19)]
    lines += [_line("cl19", False, [0.9, 0], [0.03, 8])]
    lines += [_line(f"bd{i}", True, [0.99, 4], [0.99, 4]) for i in range(8)]
    got = plan70_points(lines)
    assert got["read"] and got["met"], got
    assert not plan70_points(lines[:-1])["read"]  # 7 backdoored GAP heads: not read


def _runs_file(tmp_path: Path, drop_record: bool = False, off: float = 0.0) -> Path:
    """One stored run, read by the stop-69 file (C5, the shipped one): 9610 ``res_gap-cl00``'s
    shape (blends at 0 while MM-BD names 8), its report with or without the record."""
    from trojanscope.detect.calibration import load_calibrators as load

    run = calibrate(_verdict(_stand(AT_0, 1.2)), load(C5_FILE))
    features = dict(run.features)
    if drop_record:
        del features[UNCHECKED_CLASS]
    report = {"method": run.method, "statistic": run.statistic, "ranking": run.target_classes,
              "features": features, "data_free": False, "traits": run.traits}
    row = {"name": "res_gap-cl00", "probability": run.probability + off,
           "suspected_target": run.target_classes[0], "report": report, "backdoored": False,
           "target": None, "arch_family": "res_gap", "trigger_family": None}
    path = tmp_path / "runs.jsonl"
    path.write_text(json.dumps(row) + "\n")
    return path


C5_FILE = Path(__file__).resolve().parents[2] / "benchmarks/data/outside_s69_h9/cal_C5.json"


@pytest.mark.parametrize("drop_record, off, rebuilt, differ", [
    (False, 0.0, 0, 0),  # recorded: re-scores as stored
    (True, 0.0, 1, 0),  # stored before stop 70: rebuilt, re-scores as stored
    (False, -0.5, 0, 1),  # a stored probability the file does not give: listed
])
def test_the_check_re_scores_each_stored_run_by_the_file_it_read(
        tmp_path: Path, drop_record: bool, off: float, rebuilt: int, differ: int) -> None:
    from outside_named_record import check

    got = check(_runs_file(tmp_path, drop_record, off), C5_FILE)
    assert got[0] == rebuilt and len(got[1]) == differ


def test_the_sweep_names_what_a_candidate_clears(capsys, monkeypatch) -> None:
    """Stop 69's fresh 9610 as its runs read it: today (C5) flags three clean ``res_gap``
    heads kept for blends at 0 (+0.47, +0.53, +0.60); C6 clears the two under 0.55. Read on the
    file before stop 75 (whose blend-sink term clears all three: test_blend_sink_s75.py)."""
    import outside_named_rule
    import trojanscope.detect.calibration as calibration
    from outside_named_sweep import main

    before = (Path(__file__).resolve().parents[2]
              / "benchmarks/data/outside_s75_h9/cal_C9_before.json")
    loader = calibration.load_calibrators
    monkeypatch.setattr(outside_named_rule, "SHIPPED", before)
    monkeypatch.setattr(calibration, "load_calibrators", lambda path=None: loader(path or before))

    data = C5_FILE.parent
    c5 = ("--read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75 "
          "--blend-raise 0.85 --absent-guard 2.05 --frame-off")
    main(["--rows", f"9610={data / 'detect9610_runs.jsonl.gz'},{data / 'zoo-9610_truth.json.gz'}",
          "--cand", f"C6={c5} --other-gap 0.55 --other-stand 1.6"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("today") and "clean flagged 3 of 9" in out[0]
    assert ("clean flagged 1 of 9; cleared 2 (9610 res_gap-cl00, 9610 res_gap-cl01)"
            in out[1]) and "bd lost 0" in out[1]


def test_the_re_read_table_names_each_model_the_two_readings_differ_on(tmp_path: Path,
                                                                        capsys) -> None:
    from outside_named_reread import main

    def union(today: float) -> dict:
        models = [{**_line(f"cl{i}", False, [0.03, 8], [0.03, 8]), "blend": None}
                  for i in range(3)]
        models[0]["today"] = models[0]["candidate"] = [today, 0]
        models += [{**_line("bd0", True, [0.99, 4], [0.99, 4]), "blend": [4, 0.9]}]
        return {"union": {"models": models, "plan69": {"read": False, "met": False}}}

    paths = []
    for name, today in (("stored", 0.03), ("faithful", 0.9)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(union(today)))
    main([f"69={paths[0]},{paths[1]},plan69"])
    out = capsys.readouterr().out
    assert "| 69 | as reported | 1.000 / 0.025, clean 0 of 3, bd 1 of 1 |" in out
    assert "| 69 | as the runs read | 1.000 / 0.593, clean 1 of 3" in out
    assert "69 p cl0" in out and "[0.03, 0] -> [0.9, 0]" in out
