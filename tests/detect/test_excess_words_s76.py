"""Stop 76 (hcmd's first contact): a user's clean CNN read `BACKDOORED … 0.81` data-free with the
note "probability lowered from 0.937 to 0.809 by the calibration's excess term: … (+0.54), small
enough that the term takes MM-BD's reading back": "takes the reading back" reads as cleared
beside a verdict still flagged. The note now says how many logits the term took off."""

from __future__ import annotations

from trojanscope.detect.class_excess import EXCESS, EXCESS_BEFORE, EXCESS_LOGIT, RATIO, excess_note
from trojanscope.detect.logits import shift_logit


def test_the_note_says_how_much_it_took_off_not_that_it_cleared() -> None:
    features = {f"{RATIO}{c}": r for c, r in enumerate([1.0, 0.9, 1.0, 1.2, 1.0, 1.0, 1.0, 1.62])}
    features.update({EXCESS: 0.54, EXCESS_LOGIT: -1.26, EXCESS_BEFORE: 0.937})
    note = excess_note(features) or ""
    assert shift_logit(0.937, -1.25) > 0.5  # still flagged after the term
    after = shift_logit(0.937, -1.26)
    assert note.startswith(f"probability lowered from 0.937 to {after:.3f} by the "
                           "calibration's excess term: MM-BD's top class 7"), note
    assert note.endswith("(+0.54), so the term takes 1.26 logits off MM-BD's reading"), note
    assert "reading back" not in note
