"""Issue 9, stop 74 (h9d): a data-free BACKDOORED verdict says which reading carried it and that
data-free readings of models made by other code are less sure (``detect/margin_only.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.margin_only import data_free_note, margin_only_note

ROOT = Path(__file__).resolve().parents[2]
# the first-contact user's clean CNN (seed 143) as `detect --data-free` read it at stop 74
USER = ROOT / "benchmarks" / "data" / "data_free_s74_h9d" / "user143_cnn_data_free.json"


def _features() -> dict:
    return json.loads(USER.read_text())["features"]


def test_a_data_free_flag_names_the_reading_and_the_doubt() -> None:
    said = margin_only_note(_features(), "backdoored", 2, data_free=True)
    assert said is not None and said.startswith("flagged data-free on MM-BD's margin")
    assert "class 2's largest margin is 1.43 times the median class's" in said
    assert "made by other code are less sure" in said and "--data" in said


def test_no_data_free_note_elsewhere() -> None:
    feats = _features()
    assert data_free_note(feats, "clean", 2) is None
    assert data_free_note(feats, "review", 2) is None  # already says it is not calibrated
    assert data_free_note({k: v for k, v in feats.items() if k != "mmbd_ratio"},
                          "backdoored", 2) is None
    # with data the margin-only rule stands: no probe ran, so no note (stop 72's case)
    assert margin_only_note(feats, "backdoored", 2) is None


def test_detect_passes_the_verdicts_data_free() -> None:
    from trojanscope.cli.commands.detect import _margin_note

    v = ModelVerdict(method="auto", statistic=1.4, target_classes=[2, 7], per_class=[],
                     features=_features(), data_free=True, probability=0.69)
    v.threshold = 0.5
    assert v.verdict == "backdoored"
    assert (_margin_note(v) or "").startswith("flagged data-free")
    v.data_free = False
    assert _margin_note(v) is None
