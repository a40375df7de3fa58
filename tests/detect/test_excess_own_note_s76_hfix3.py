"""The excess note names the median it read (stop 76 hfix3, h9c's named wording): on a recipe
entry marked ``own_median`` the basis is that recipe's own clean models' lean, not the clean
reference models', which the note had said; an unmarked read keeps the old words."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _user226() -> dict:
    text = (ROOT / "benchmarks/data/first_contact_s76/keep_lines_b/03.txt").read_text()
    return json.loads(text[text.find("{"):text.rfind("}") + 1])


def test_the_note_names_the_recipes_own_median() -> None:
    from excess_wide_s72_h9u import SHIPPED, loaded, verdict
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.class_excess import EXCESS_OWN, excess_note

    shipped = loaded(json.loads(SHIPPED.read_text()))
    once = calibrate(verdict(_user226()), shipped)
    note = excess_note(once.features)
    assert note is not None and "that recipe's own median" in note, note
    assert "clean reference models" not in note and "1.32 in the clean models" in note, note
    again = calibrate(once, shipped)  # calibrated twice: the same record, said once
    assert again.features[EXCESS_OWN] == 1.0 and excess_note(again.features) == note


def test_a_reference_read_keeps_the_reference_words() -> None:
    from excess_wide_s72_h9u import loaded, verdict
    from shipped_calibration import shipped_before_s76_h9c
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.class_excess import EXCESS_OWN, excess_note

    read = calibrate(verdict(_user226()), loaded(shipped_before_s76_h9c()))
    assert EXCESS_OWN not in read.features
    note = excess_note(read.features)
    assert note is not None and "clean reference models of the same kind" in note, note
