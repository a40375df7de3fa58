"""Stop 74 (first contact, hcmd): ``detect-data training-set.npz`` on the user's 200 clean
images found no evidence of poisoning and flagged nothing, and its small-set note still ended
"look at the flagged samples before acting on it". The note now sends the user to the
suspicion scores, and to flagged samples only where there are any."""

from __future__ import annotations

from trojanscope.detect.data.base import CALIBRATED_MIN, DataDetector


def test_the_small_set_note_promises_no_flagged_samples() -> None:
    note = DataDetector.verdict_note(None, 200)  # type: ignore[arg-type]
    assert note is not None and note.startswith("the set holds 200 samples")
    assert note.endswith("look at the suspicion scores, and at any flagged samples, before "
                         "acting on the verdict")
    assert DataDetector.verdict_note(None, CALIBRATED_MIN) is None  # type: ignore[arg-type]
