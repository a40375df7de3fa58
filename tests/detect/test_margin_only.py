"""Issue 9, stop 72 (hnote): the note saying a BACKDOORED verdict rests on MM-BD's margin
statistics alone (``detect/margin_only.py``), and ``margin_only_note_s72_hnote.py``'s counts."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from script_run import run_script
from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.detect.margin_only import margin_only, margin_only_note

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "user_cnn_s72_h9u"
# the file shipped by stop 72's h9u rule (a fixed copy: a later refit does not move these tests)
CAL = DATA / "cal_recipes.json"
# fresh seed 93's clean two-epoch CNN as stop 72 read it: MM-BD's terms alone, class 2
ALONE = {"mmbd_neglog10_p": 0.42, "mmbd_anomaly": 1.48, "mmbd_ratio": 1.33,
         "empty_share_gap": 0.004, "empty_top_class": 5.0, "pixel_share_gap": 0.032,
         "pixel_top_class": 5.0, "frame_share_gap": 0.058, "frame_top_class": 5.0}


def test_the_note_names_the_class_and_the_probes_that_ran() -> None:
    said = margin_only_note(ALONE, "backdoored", 2)
    assert said is not None and said.startswith("flagged on MM-BD's margin statistics alone")
    assert "class 2" in said
    for probe in ("empty-pixel", "few-pixel", "outer-ring"):
        assert probe in said
    assert "unknown-word" not in said
    frame_only = {k: v for k, v in ALONE.items() if not k.startswith(("empty", "pixel"))}
    assert "empty-pixel" not in (margin_only_note(frame_only, "backdoored", 2) or "x")


@pytest.mark.parametrize("why,features,word", [
    ("a raise term lifted it", {**ALONE, "raise_logit": 4.0, "probability_unraised": 0.3},
     "backdoored"),
    ("not flagged", ALONE, "clean"),
    ("flagged, not calibrated: already says review", ALONE, "review"),
    ("no probe ran (mmbd alone, data-free)",
     {k: v for k, v in ALONE.items() if k.startswith("mmbd")}, "backdoored"),
    ("not MM-BD's margins (a tree's search)",
     {k: v for k, v in ALONE.items() if k != "mmbd_ratio"}, "backdoored"),
])
def test_no_note_elsewhere(why, features, word) -> None:
    assert not margin_only(features, word), why
    assert margin_only_note(features, word, 2) is None, why


def _fresh(name: str) -> dict:
    from excess_wide_s72_h9u import user_rows

    return next(r for r in user_rows(f"fresh={DATA / 'fresh_rows.jsonl.gz'}")
                if r["name"] == name)


def test_the_note_never_changes_probability_class_or_verdict() -> None:
    """Calibrating and then asking for the note leaves the verdict as calibration made it."""
    from excess_wide_s72_h9u import verdict

    cal = load_calibrators(CAL)
    for name in ("clean-93", "patch-94", "patch-90"):  # noted, noted, raised
        report = _fresh(name)["report"]
        v = calibrate(verdict(report), cal)
        before = (v.probability, list(v.target_classes), v.verdict, copy.deepcopy(v.features),
                  list(v.coverage_notes))
        margin_only_note(v.features, v.verdict, v.target_classes[0])
        assert (v.probability, v.target_classes, v.verdict, v.features,
                v.coverage_notes) == before


def test_detect_prints_the_note_on_its_own_line(capsys) -> None:
    from excess_wide_s72_h9u import verdict
    from trojanscope.cli.commands.detect import print_table

    v = calibrate(verdict(_fresh("clean-93")["report"]), load_calibrators(CAL))
    v.elapsed_s = 0.0
    assert v.verdict == "backdoored" and v.target_classes[0] == 2
    print_table(v, "m.pt")
    out = " ".join(capsys.readouterr().out.split())
    assert "flagged on MM-BD's margin statistics alone" in out and "class 2" in out
    assert "outside the calibration's coverage" not in out
    raised = calibrate(verdict(_fresh("patch-90")["report"]), load_calibrators(CAL))
    raised.elapsed_s = 0.0
    print_table(raised, "m.pt")
    assert "margin statistics alone" not in capsys.readouterr().out


def test_the_fresh_rows_carry_the_note_as_quoted() -> None:
    """docs/benchmarks.md (issue 9, stop 72: hnote): on h9u's fresh seeds 90-101, the note marks
    the 3 clean flags (class 2) and 3 of 36 backdoored flags (patch 94, 95, 100)."""
    from excess_wide_s72_h9u import user_rows
    from margin_only_note_s72_hnote import counts, noted

    rows = user_rows(f"fresh={DATA / 'fresh_rows.jsonl.gz'}")
    noted(rows, str(CAL))
    lines = {(c["group"], c["label"]): c for c in counts(rows, lambda r: r["family"])}
    clean, bd = lines[("all", "clean")], lines[("all", "backdoored")]
    assert (clean["models"], clean["flagged"], clean["noted"]) == (18, 3, 3)
    assert (bd["models"], bd["flagged"], bd["noted"]) == (36, 36, 3)
    assert sorted(r["name"] for r in rows if r["note"]) == [
        "clean-100", "clean-93", "clean-98", "patch-100", "patch-94", "patch-95"]
    assert all(r["named"] == 2 for r in rows if r["note"] and r["name"].startswith("clean"))


@pytest.mark.parametrize("args,said", [
    ([], "give --user LABEL=ROWS and/or --stored"),
    (["--stored", "--calibration", "/nonexistent.json"], "no such file"),
])
def test_the_script_refuses_bad_options_in_one_line(tmp_path, args, said) -> None:
    proc = run_script("margin_only_note_s72_hnote.py", *args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], proc.stderr
