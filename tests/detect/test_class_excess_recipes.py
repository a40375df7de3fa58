"""Issue 9, stop 72 (h9u): ``auto:excess``'s wide-class gate fitted on a second training recipe
(``fitted_on.wide_recipes``): a class the reference's recipe leaves narrow is read where another
recipe's clean models of the kind widen it, and only there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_class_excess import BN00, KIND, RATIOS, _cals, _term, _verdict, _with_ratios

from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.detect.class_excess import EXCESS, EXCESS_LOGIT, class_excess, wide_class
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]


def _gated(recipes: dict | None = None) -> dict:
    """A term whose reference leaves class 8 (BN00's top, 1.708) narrow: 1.05 under wide 1.1."""
    term = _term(start=1.15, median8=1.05)  # the shipped start
    term["fitted_on"]["wide"] = 1.1
    if recipes is not None:
        term["fitted_on"]["wide_recipes"] = recipes
    return term


def _recipe(median8: float, n_clean: int = 12) -> dict:
    return {KIND: [{"recipe": "user", "n_clean": n_clean, "median": [1.0] * 8 + [median8, 1.0]}]}


def test_a_class_another_recipe_widens_is_read_against_the_reference() -> None:
    today = calibrate(_verdict(_with_ratios(BN00)), _cals(_gated()))
    assert EXCESS not in today.features  # class 8's reference 1.05 is under the gate
    got = calibrate(_verdict(_with_ratios(BN00)), _cals(_gated(_recipe(1.3))))
    assert got.features[EXCESS] == pytest.approx(RATIOS[8] - 1.05)  # the reference's median
    assert got.features[EXCESS_LOGIT] < 0 and got.probability < today.probability
    assert got.target_classes == today.target_classes


@pytest.mark.parametrize("recipes", [_recipe(1.09), _recipe(1.3, n_clean=3),
                                     {"784/10:activation:relu": _recipe(1.3)[KIND]}])
def test_a_recipe_that_does_not_widen_the_class_or_is_too_small_changes_nothing(recipes) -> None:
    """Under the gate in that recipe too, fewer clean models than ``min_clean``, or another
    kind's recipe: the class stays unread."""
    today = calibrate(_verdict(_with_ratios(BN00)), _cals(_gated()))
    got = calibrate(_verdict(_with_ratios(BN00)), _cals(_gated(recipes)))
    assert EXCESS not in got.features and got.probability == today.probability


def test_wide_class_reads_any_entry_with_enough_models() -> None:
    narrow, wide = {"n_clean": 10, "median": [1.0, 1.0]}, {"n_clean": 4, "median": [1.0, 1.2]}
    assert not wide_class(1, [narrow], 4, 1.1)
    assert wide_class(1, [narrow, wide], 4, 1.1)
    assert not wide_class(1, [narrow, wide], 5, 1.1)
    assert class_excess(_with_ratios(BN00), ["activation:relu", "layer:conv", "norm:batch",
                                             "pool:max"],
                        {KIND: {"n_clean": 6, "median": [1.0] * 10}}, 4, 1.1,
                        {KIND: [{"n_clean": 4, "median": [1.0] * 8 + [1.2, 1.0]}]}
                        ) == pytest.approx(RATIOS[8] - 1.0)


@pytest.mark.parametrize("recipes", [[1, 2], {KIND: {"n_clean": 4, "median": [1.0]}},
                                     {KIND: [{"n_clean": 4}]},
                                     {KIND: [{"n_clean": "4", "median": [1.0]}]},
                                     {KIND: [{"n_clean": 4, "median": [float("nan")]}]}])
def test_malformed_wide_recipes_are_refused_when_read(tmp_path, recipes) -> None:
    raw = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    entry = _gated()
    entry["fitted_on"]["wide_recipes"] = recipes
    raw[entry["method"]] = entry
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"unreadable calibration file.*wide_recipes"):
        load_calibrators(path)
