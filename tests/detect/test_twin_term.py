"""Issue 9, stop 61 (h9): candidate T's term (``"<scorer>:twin-stand"``) brings a model whose MM-BD
classes stand no more than ``guard`` above its clean twins' medians down to the scorer's usual
clean logit, before any raise term; a class standing above the guard, or a run without twins,
leaves the reading alone. It never raises."""

from __future__ import annotations

import math

import pytest
from test_kind_centre import GAP00, RATIOS, _verdict

from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.twin_term import (
    TWIN_LOGIT,
    check_twin_terms,
    class_stand,
    standing_class,
    twin_shift,
    twin_stand,
)

TWINS = [1.1, 0.5, 1.0, 1.1, 1.1, 1.2, 0.7, 0.7, 2.3, 1.0]  # class 8 wide in the twins too


def _with_twins(twins: list[float] = TWINS) -> dict:
    return {**GAP00, **{f"twin_ratio_{c}": t for c, t in enumerate(twins)}, "twin_count": 2.0}


def _cals(guard: float | None = 1.0, centre: float = -3.0) -> dict[str, Calibrator]:
    """The shipped file without its centre terms (which lower this kind already), plus the
    twins term where ``guard`` is given."""
    cals = {k: v for k, v in load_calibrators().items()
            if not k.endswith((":centre", ":named-check"))}  # the shipped lower-only terms
    if guard is not None:
        cals["auto:out-of-coverage:twin-stand"] = Calibrator(
            method="auto:out-of-coverage:twin-stand", features=[], coef=[], intercept=0.0,
            fitted_on={"guard": guard, "centre": centre})
    return cals


def test_stand_is_the_most_a_class_not_wide_in_the_twins_stands_above_them() -> None:
    stand = twin_stand(_with_twins())  # class 8 (2.3 in the twins) is the architecture's
    assert stand == pytest.approx(max(r - t for r, t in zip(RATIOS, TWINS, strict=True)
                                      if t < 1.4))
    assert stand < 0.2
    assert twin_stand(_with_twins(), wide=3.0) == pytest.approx(RATIOS[8] - 2.3)
    assert twin_stand(GAP00) is None  # no twins read
    assert twin_stand({**GAP00, "twin_ratio_0": 1.0, "twin_ratio_1": 1.0}) is None  # lengths


def test_shift_down_to_centre_only_under_the_guard_and_above_centre() -> None:
    feats = _with_twins()
    p = 0.99
    shift = twin_shift(feats, p, {"guard": 1.0, "centre": -3.0})
    assert shift == pytest.approx(-(math.log(p / (1 - p)) + 3.0))
    flat = _with_twins([1.0] * 10)  # class 8 stands 1.9 above twins that hold it at 1.0
    assert twin_shift(flat, p, {"guard": 1.0, "centre": -3.0}) == 0.0
    assert twin_shift(feats, 0.01, {"guard": 1.0, "centre": -3.0}) == 0.0  # never raises
    assert twin_shift(GAP00, p, {"guard": 1.0, "centre": -3.0}) == 0.0  # no twins


def test_calibrate_lowers_the_clean_gap_cnn_read_like_its_twins() -> None:
    today = calibrate(_verdict(_with_twins()), _cals(None))
    lowered = calibrate(_verdict(_with_twins()), _cals(1.0))
    assert today.probability > 0.5 and TWIN_LOGIT not in today.features
    assert lowered.probability < today.probability
    assert lowered.features[TWIN_LOGIT] < 0
    assert lowered.target_classes[0] == today.target_classes[0]  # never renames the suspect


def test_calibrate_keeps_a_class_the_twins_do_not_explain() -> None:
    flat = [1.0] * 10  # the twins hold no wide class: class 8 stands 1.9 above them
    today = calibrate(_verdict(_with_twins(flat)), _cals(None))
    kept = calibrate(_verdict(_with_twins(flat)), _cals(1.0))
    assert kept.probability == pytest.approx(today.probability)
    assert TWIN_LOGIT not in kept.features
    without = calibrate(_verdict(), _cals(1.0))  # a run without twins reads as before
    assert without.probability == pytest.approx(calibrate(_verdict(), _cals(None)).probability)


def test_a_class_standing_beside_the_twins_wide_one_becomes_the_suspect() -> None:
    ratios = list(RATIOS)
    ratios[4] = 2.6  # stands 1.5 above the twins' 1.1; the suspect is class 8, wide in both
    feats = {**_with_twins(), **{f"mmbd_class_ratio_{c}": r for c, r in enumerate(ratios)}}
    today = calibrate(_verdict(feats), _cals(None))
    kept = calibrate(_verdict(feats), _cals(1.0))
    assert today.target_classes[0] == 8
    assert kept.target_classes[0] == 4
    assert kept.probability == pytest.approx(today.probability)  # the reading stays


def test_where_the_twins_read_a_model_the_centre_term_does_not() -> None:
    feats = _with_twins()  # class 4 stands 0.04 above the twins: over a guard of 0.01
    shipped = {k: v for k, v in load_calibrators().items()  # with the centre terms: K lowers
               if not k.endswith(":named-check")}  # this kind (the named check read apart)
    lowered_by_k = calibrate(_verdict(feats), shipped)
    assert lowered_by_k.features.get("centre_logit", 0.0) < 0
    shipped["auto:out-of-coverage:twin-stand"] = _cals(0.01)["auto:out-of-coverage:twin-stand"]
    read = calibrate(_verdict(feats), shipped)
    assert "centre_logit" not in read.features and "twin_logit" not in read.features
    assert read.probability == pytest.approx(calibrate(_verdict(feats), _cals(None)).probability)


def test_calibrating_twice_lowers_once() -> None:
    cals = _cals(1.0)
    once = calibrate(_verdict(_with_twins()), cals)
    twice = calibrate(once, cals)
    assert twice.probability == pytest.approx(once.probability)


@pytest.mark.parametrize("fitted, says", [
    ({"guard": -1.0, "centre": -3.0}, "guard"),
    ({"guard": "x", "centre": -3.0}, "guard"),
    ({"centre": -3.0}, "guard"),
    ({"guard": 1.0}, "centre"),
    ({"guard": 1.0, "centre": math.nan}, "centre"),
    ({"guard": 1.0, "centre": 0.0, "wide": -1}, "wide"),
    ({"guard": 1.0, "centre": 0.0, "stat": "ratio"}, "stat"),
    ({"guard": 1.0, "centre": 0.0, "stat": "z", "spread_floor": -0.1}, "spread_floor"),
    ({"guard": 1.0, "centre": 0.0, "stat": "z", "spread_floor": "x"}, "spread_floor"),
])
def test_a_term_it_cannot_read_is_refused(fitted: dict, says: str) -> None:
    cals = dict(load_calibrators())
    cals["auto:out-of-coverage:twin-stand"] = Calibrator(
        method="auto:out-of-coverage:twin-stand", features=[], coef=[], intercept=0.0,
        fitted_on=fitted)
    with pytest.raises(ValueError, match=says):
        check_twin_terms(cals)


def test_a_term_without_its_scorer_or_with_features_is_refused() -> None:
    cals = {"nobody:twin-stand": Calibrator(method="nobody:twin-stand", features=[], coef=[],
                                       intercept=0.0, fitted_on={"guard": 1.0, "centre": 0.0})}
    with pytest.raises(ValueError, match="no calibrator"):
        check_twin_terms(cals)
    cals = dict(load_calibrators())
    cals["auto:twin-stand"] = Calibrator(method="auto:twin-stand", features=["mmbd_ratio"],
                                         coef=[1.0], intercept=0.0,
                                         fitted_on={"guard": 1.0, "centre": 0.0})
    with pytest.raises(ValueError, match="reads no features"):
        check_twin_terms(cals)


# Stop 62 (h9): T2 reads a class's stand against the twins' own spread or largest value.

def _spread(twins: list[float], tops: list[float], lows: list[float], ratios: list[float]
            ) -> dict[str, float]:
    return {**_with_twins(twins), **{f"mmbd_class_ratio_{c}": r for c, r in enumerate(ratios)},
            **{f"twin_max_{c}": t for c, t in enumerate(tops)},
            **{f"twin_min_{c}": t for c, t in enumerate(lows)}, "twin_count": 4.0}


def test_class_stand_reads_in_ratio_units_as_a_share_of_the_twins_top_or_of_their_spread():
    assert class_stand(1.1, 0.5, 0.6, 0.4, "diff", 0.0) == pytest.approx(0.6)
    assert class_stand(1.2, 0.5, 0.6, 0.4, "over_max", 0.0) == pytest.approx(2.0)
    assert class_stand(1.1, 0.5, 0.6, 0.4, "z", 0.0) == pytest.approx(3.0)  # 0.6 / 0.2
    assert class_stand(1.1, 0.5, 0.6, 0.4, "z", 0.3) == pytest.approx(2.0)  # the floor


def test_a_narrow_class_a_backdoor_widened_stands_by_spread_where_it_does_not_by_difference():
    """The stop-61 loss: a narrow class (twins 0.2-0.3) widened to 0.8 stands only 0.55 in
    ratio units, under a guard of 1.0, while a wide class's noise (twins 1.0-1.6, model 1.9)
    stands 0.6; read against the twins' own spread the narrow one stands 5.5, the wide 1.0."""
    twins = [1.0, 0.25, 1.0, 1.3, 1.0, 1.0, 1.0, 1.0, 2.2, 1.0]
    tops = [1.1, 0.3, 1.1, 1.6, 1.1, 1.1, 1.1, 1.1, 2.4, 1.1]
    lows = [0.9, 0.2, 0.9, 1.0, 0.9, 0.9, 0.9, 0.9, 2.0, 0.9]
    ratios = [1.0, 0.8, 1.0, 1.9, 1.0, 1.0, 1.0, 1.0, 3.0, 1.0]
    feats = _spread(twins, tops, lows, ratios)
    assert standing_class(feats) == (3, pytest.approx(0.6))  # T: the wide class's noise
    assert standing_class(feats, stat="z", floor=0.05) == (1, pytest.approx(5.5))
    assert standing_class(feats, stat="over_max") == (1, pytest.approx(0.8 / 0.3))
    assert twin_stand(_with_twins(), stat="z") is None  # no extremes recorded: no reading
    assert twin_shift(feats, 0.99, {"guard": 3.0, "centre": -3.0, "stat": "z",
                                    "spread_floor": 0.05}) == 0.0  # stands over the guard: kept
    assert twin_shift(feats, 0.99, {"guard": 1.0, "centre": -3.0}) < 0  # T lowers it
