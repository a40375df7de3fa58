"""Stop 81 (issue 9, h9sig): a share-lead raise past the flag. An entry's ``fitted_on.beyond``
(logits per unit of lead over the bar) takes the probability to the flag's logit plus that
slope times the lead over the bar; without it the raise stops at the flag, as before."""

from __future__ import annotations

import math

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.blend_low import BEYOND, PAST
from trojanscope.detect.calibration import Calibrator, calibrate
from trojanscope.detect.logits import logit, sigmoid
from trojanscope.detect.sig_probe import (
    SIG_LOGIT,
    SIG_PHASE,
    SIG_SHARE,
    check_sig_terms,
    sig_note,
    sig_term,
)

SCORER = "auto:out-of-coverage"
GAP = ["activation:relu", "layer:conv", "norm:batch", "pool:global_avg"]


def _cals(slope: float | None = None, bar: float = 0.5) -> dict:
    def entry(key: str) -> Calibrator:
        fitted = {"lead": bar, "kinds": {}, "min_clean": 8}
        if slope is not None:
            fitted[BEYOND] = slope
        return Calibrator(method=key, features=[], coef=[], intercept=0.0, fitted_on=fitted)

    return {SCORER: Calibrator(method=SCORER, features=[], coef=[], intercept=-3.0),
            f"{SCORER}:sig": entry(f"{SCORER}:sig"),
            f"{SCORER}:sig-share": entry(f"{SCORER}:sig-share")}


def _verdict(phase: tuple[int, float], share: tuple[int, float], p: float = 0.03
             ) -> ModelVerdict:
    f = {f"{SIG_PHASE}{c}": phase[1] if c == phase[0] else 0.0 for c in range(10)}
    f.update({f"{SIG_SHARE}{c}": share[1] if c == share[0] else 0.0 for c in range(10)})
    f.update({"mmbd_input_size": 784.0, **{f"mmbd_class_ratio_{c}": 1.0 for c in range(10)}})
    return ModelVerdict(method="auto", statistic=1.0, per_class=[], features=f, probability=p,
                        target_classes=[8, *(c for c in range(10) if c != 8)], traits=GAP)


def test_without_a_slope_the_raise_stops_at_the_flag() -> None:
    v = _verdict(phase=(4, 0.9), share=(4, 0.9))
    assert sig_term(v, _cals(), SCORER) == pytest.approx(-logit(0.03))
    assert v.probability == 0.5 and SIG_LOGIT + PAST not in v.features
    assert "to the flag" in sig_note(v.features)


def test_a_slope_raises_past_the_flag_by_the_lead_over_the_bar() -> None:
    """Phase lead 0.8 over the bar 0.5: 0.3 x 10 = 3 logits past the flag."""
    v = _verdict(phase=(4, 0.8), share=(6, 0.9))
    lift = sig_term(v, _cals(slope=10.0), SCORER)
    assert v.probability == pytest.approx(sigmoid(3.0)) and v.target_classes[0] == 4
    assert lift == pytest.approx(3.0 - logit(0.03))
    assert v.features[SIG_LOGIT + PAST] == pytest.approx(3.0)
    assert "3.00 of them past the flag" in sig_note(v.features)
    # the share reading past its own bar the same way where the phase does not lead
    w = _verdict(phase=(4, 0.2), share=(6, 0.7))
    sig_term(w, _cals(slope=10.0), SCORER)
    assert w.probability == pytest.approx(sigmoid(2.0)) and w.target_classes[0] == 6


def test_a_slope_lifts_a_flagged_probability_under_its_goal_and_never_lowers() -> None:
    low = _verdict(phase=(4, 0.8), share=(4, 0.0), p=0.7)  # flagged, under sigmoid(3)
    assert sig_term(low, _cals(slope=10.0), SCORER) == pytest.approx(3.0 - logit(0.7))
    assert low.features[SIG_LOGIT + PAST] == pytest.approx(3.0 - logit(0.7))
    high = _verdict(phase=(4, 0.8), share=(4, 0.0), p=0.99)  # above it: left as it was
    assert sig_term(high, _cals(slope=10.0), SCORER) == 0.0 and high.probability == 0.99


def test_a_lead_under_the_bar_is_not_raised_whatever_the_slope() -> None:
    v = _verdict(phase=(4, 0.45), share=(4, 0.45))
    assert sig_term(v, _cals(slope=20.0), SCORER) == 0.0 and v.probability == 0.03


def test_calibrating_twice_reads_the_same_past_the_flag() -> None:
    v = _verdict(phase=(4, 0.8), share=(4, 0.0))
    v.features["mmbd_neglog10_p"] = 1.0
    cals = {k.replace(SCORER, "auto"): c for k, c in _cals(slope=10.0).items()}
    cals["auto"] = Calibrator(method="auto", features=["mmbd_neglog10_p"], coef=[0.0],
                              intercept=-3.0)
    calibrate(v, cals)
    first = (v.probability, list(v.target_classes), v.features.get(SIG_LOGIT + PAST))
    calibrate(v, cals)
    assert (v.probability, list(v.target_classes), v.features.get(SIG_LOGIT + PAST)) == first
    assert first[0] == pytest.approx(sigmoid(3.0))
    calibrate(v, {**cals, **{k: c for k, c in _cals().items() if k != SCORER}} | {
        k.replace(SCORER, "auto"): c for k, c in _cals().items() if k != SCORER})
    assert v.probability == 0.5 and SIG_LOGIT + PAST not in v.features  # no stale part


@pytest.mark.parametrize("slope", [-1.0, math.nan, math.inf, True, "10"])
def test_a_slope_it_could_not_read_is_refused(slope: object) -> None:
    cals = _cals()
    cals[f"{SCORER}:sig"].fitted_on[BEYOND] = slope
    with pytest.raises(ValueError, match="beyond"):
        check_sig_terms(cals)


def test_the_committed_candidate_is_todays_file_with_the_slope() -> None:
    """``cal_beyond.json`` is ``outside_sig_beyond.with_beyond`` of ``cal_today.json`` (the
    shipped file at the branch point) with the chosen slope on both terms."""
    import json
    from dataclasses import asdict
    from pathlib import Path

    from outside_sig_beyond import CHOSEN, TERM_SETS, with_beyond
    from trojanscope.detect.calibration import load_calibrators

    here = Path(__file__).resolve().parents[2] / "benchmarks/data/outside_s81_h9sig"
    got = with_beyond(load_calibrators(here / "cal_today.json"), CHOSEN[1], TERM_SETS[CHOSEN[0]])
    assert CHOSEN == ("both terms", 10.0)
    assert json.loads(json.dumps({k: asdict(c) for k, c in got.items()})) == json.loads(
        (here / "cal_beyond.json").read_text())


def test_the_shipped_sig_entries_raise_past_the_flag() -> None:
    """The rule was met (``rule81.txt``): the SIG entries stop 81 shipped are ``cal_beyond.json``'s,
    stop 80's with the slope 10; a head whose phase reading leads 0.15 beyond its kind's bar
    reads p = sigmoid(1.5) under them, the flag under stop 80's."""
    import json
    from pathlib import Path

    from shipped_calibration import SIG_S79, shipped_before_s81_h9sig, shipped_before_s82_h9sig
    from trojanscope.detect.calibration import Calibrator

    here = Path(__file__).resolve().parents[2] / "benchmarks/data/outside_s81_h9sig"
    # the file as stop 81 shipped it (stop 82 refitted the SIG bars: shipped_before_s82_h9sig)
    shipped = shipped_before_s82_h9sig()
    cand = json.loads((here / "cal_beyond.json").read_text())
    before = shipped_before_s81_h9sig()
    assert all(shipped[k] == cand[k] != before[k] for k in SIG_S79)
    assert all(shipped[k]["fitted_on"][BEYOND] == 10.0 for k in SIG_S79)
    assert {k: v for k, v in shipped.items() if k not in SIG_S79} == {
        k: v for k, v in before.items() if k not in SIG_S79}
    now = {k: Calibrator(**v) for k, v in shipped.items() if k in SIG_S79}
    old = {k: Calibrator(**v) for k, v in before.items() if k in SIG_S79}
    kind = next(k for k in now["auto:sig"].fitted_on["kinds"] if "leaky_relu" in k)
    bar = now["auto:sig"].fitted_on["kinds"][kind]["lead"]
    traits = ["activation:leaky_relu", "layer:conv", "norm:batch", "pool:global_avg"]

    def verdict() -> ModelVerdict:
        v = _verdict(phase=(3, bar + 0.15), share=(3, 0.0))
        v.traits = traits
        return v

    past, flag = verdict(), verdict()
    sig_term(past, now, "auto")
    sig_term(flag, old, "auto")
    assert past.probability == pytest.approx(sigmoid(1.5)) and past.target_classes[0] == 3
    assert flag.probability == 0.5 and flag.target_classes[0] == 3
