"""Stop 75 (hcmd): ``detect-data training-set.npz --model runs/clean`` on a user's clean 200
images exited 1 with 15 flags, ``"poisoned": null`` and no note, while the uncalibrated
verdict in ``details`` read no evidence of poisoning. Flags kept because the verdict cannot
decide on a given model's features now carry a note saying so (fast: planted features)."""

from __future__ import annotations

from trojanscope.detect.data import detect_data
from trojanscope.detect.data.run import uncalibrated_note

from .test_methods import planted


def test_flags_a_given_models_features_keep_say_the_verdict_decided_nothing() -> None:
    feats, _ = planted(seed=3)
    feats.info = {"source": "runs/clean"}
    r = detect_data(None, method="auto", features=feats)
    read = r.details["verdict"]["poisoned"]
    assert r.poisoned is None and len(r.flagged) > 0
    assert r.notes[0] == uncalibrated_note("auto", read, len(r.flagged), "runs/clean")
    assert "runs/clean's" in r.notes[0] and "decides nothing" in r.notes[0]
    clean = uncalibrated_note("auto", False, 15, "runs/clean")  # the user's clean 200 images
    assert "read no evidence of poisoning" in clean and "the 15 flags are samples" in clean


def test_the_calibrated_verdict_carries_no_such_note() -> None:
    feats, _ = planted(seed=3)  # features of the model trained here
    r = detect_data(None, method="auto", features=feats)
    assert r.details["verdict"]["calibrated"] is True
    assert not any("decides nothing" in n for n in r.notes)
