"""strip-text's bad parameter values are refused naming the parameter and its value (stop 53:
one message used to list every rule of every parameter, whichever was wrong)."""

from __future__ import annotations

import pytest

from trojanscope import registry
from trojanscope.errors import UserInputError

NAMES = ("n", "min_confidence", "mix_len", "calibrate", "measure", "fpr_confidence", "normalise",
         "mates")


@pytest.mark.parametrize(("params", "message"), [
    ({"n": 0}, "n must be a whole number >= 1, got 0"),
    ({"min_confidence": 1.0}, "min_confidence must lie in [0, 1), got 1.0"),
    ({"mix_len": -1}, "mix_len must be a whole number >= 0, got -1"),
    ({"fpr_confidence": 2.0}, "fpr_confidence must lie in (0, 1) or be null, got 2.0"),
    ({"calibrate": "nosuch"}, "calibrate must be one of folds, own, got 'nosuch'"),
    ({"measure": "nosuch"}, "measure must be one of keep, ratio, got 'nosuch'"),
    ({"normalise": "nosuch"}, "normalise must be one of none, class, either, got 'nosuch'"),
    ({"mates": 0}, "mates must be a whole number >= 1 and <= 8, got 0"),
])
def test_a_bad_value_names_its_parameter_only(params, message) -> None:
    with pytest.raises(UserInputError) as err:
        registry.create("input-detector", "strip-text", **params)
    text = str(err.value)
    assert message in text
    bad = next(iter(params))
    others = [n for n in NAMES if n != bad and f"{n} " in text.replace(message, "")]
    assert not others, text


def test_good_values_are_taken() -> None:
    det = registry.create("input-detector", "strip-text", n=4, min_confidence=0.0, mix_len=0,
                          fpr_confidence=None, calibrate="folds", measure="keep",
                          normalise="class")
    assert det.get_params()["fpr_confidence"] is None and det.get_params()["n"] == 4
