"""Stop 75 (hfix2): an uncalibrated ``detect-data --model`` run said that its verdict decides
nothing and that its flags are samples to look at twice on the console (hfix's stdout lines and
hcmd's stderr note), three times where the verdict read poisoned. The console now says each
once; the JSON ``notes`` keep the note (fast: planted features)."""

from __future__ import annotations

from trojanscope.cli.commands.detect_data import print_console
from trojanscope.detect.data import detect_data
from trojanscope.detect.data.run import uncalibrated_note

from .test_methods import planted


def _console(report: dict, capsys) -> str:
    print_console(report, None)
    got = capsys.readouterr()
    return " ".join((got.out + " " + got.err).split())


def test_an_uncalibrated_run_says_it_decides_nothing_once(capsys) -> None:
    feats, _ = planted(seed=3)
    feats.info = {"source": "runs/clean"}
    report = {"data": "training-set.npz", **detect_data(None, method="auto",
                                                          features=feats).as_dict()}
    n, verdict = report["n_flagged"], report["details"]["verdict"]
    assert n > 0 and verdict["calibrated"] is False
    assert uncalibrated_note("auto", verdict["poisoned"], n, "runs/clean") in report["notes"]
    for poisoned in (verdict["poisoned"], not verdict["poisoned"]):  # both readings
        report["details"]["verdict"]["poisoned"] = poisoned
        report["notes"] = [uncalibrated_note("auto", poisoned, n, "runs/clean"), "other note"]
        out = _console(report, capsys)
        assert out.count("decides nothing") == 1, out
        assert out.count("samples to look at") == 1, out
        assert out.count("leave out --model") == 1, out
        assert "note: other note" in out  # the notes the summary does not say still print


def test_a_calibrated_run_prints_its_notes(capsys) -> None:
    feats, _ = planted(seed=3)  # features of the model trained here
    report = {"data": "x.npz", **detect_data(None, method="auto", features=feats).as_dict()}
    report["notes"] = ["a note"]
    assert "note: a note" in _console(report, capsys)
