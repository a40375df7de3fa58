"""The trees' 200-row gap raise term (issue 16 stop 60, ``detect/tabular_gap_raise.py``): a
``"<band entry>:gap"`` entry raises a tree's small-file probability by its linear score on
``tab_gap`` where positive, at most ``most`` logits; never lowers; reads the family's band even
where the range guard hands the reading to another calibrator; said in ``raise_note``; refused
when it could lower or read another feature. ``tabular_user_rule.scored`` (the rule's R) and
``tabular_gap_raise.py``'s fit read it the same way."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators, raise_note
from trojanscope.detect.calibration_range import OUT_OF_RANGE
from trojanscope.detect.tabular_gap_raise import gap_lift, raised_probability
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
KEY = "tabular-search:tree:xgboost:rows200"


def _base(coef: float = 1.0, rng: list[float] | None = None) -> Calibrator:
    fitted = {"n_models": 10} if rng is None else {"n_models": 10, "range": {"tab_box": rng}}
    return Calibrator(KEY, ["tab_box"], [coef], 0.0, fitted_on=fitted)


def _gap(start: float = 0.5, slope: float = 10.0, most: float = 4.0) -> Calibrator:
    return Calibrator(f"{KEY}:gap", ["tab_gap"], [slope], -slope * start,
                      fitted_on={"most": most, "start": start})


def _verdict(box: float, gap: float) -> ModelVerdict:
    return ModelVerdict(method="tabular-search", statistic=0.0, target_classes=[1, 0],
                        per_class=[], features={"tab_box": box, "tab_gap": gap},
                        family="tree:xgboost:rows200")


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_the_lift_is_zero_up_to_the_start_then_linear_and_capped() -> None:
    term = _gap()
    assert gap_lift(term, {"tab_gap": 0.3}) == 0.0
    assert gap_lift(term, {"tab_gap": 0.5}) == 0.0
    assert gap_lift(term, {"tab_gap": 0.6}) == pytest.approx(1.0)
    assert gap_lift(term, {"tab_gap": 0.98}) == 4.0  # 4.8 capped
    assert gap_lift(term, {"tab_gap": math.nan}) == 0.0
    assert gap_lift(term, {}) == 0.0


def test_calibrate_raises_only_a_large_gap_and_says_so() -> None:
    cals = {KEY: _base(), f"{KEY}:gap": _gap()}
    low = calibrate(_verdict(-0.2, 0.1), cals)  # a low gap: the base reading, not lowered
    assert low.probability == pytest.approx(1 / (1 + math.exp(0.2)))
    assert "gap_raise_logit" not in low.features and raise_note(low.features) is None
    high = calibrate(_verdict(-0.2, 0.98), cals)
    assert _logit(high.probability) == pytest.approx(-0.2 + 4.0)
    assert high.features["gap_raise_logit"] == 4.0
    assert high.target_classes == [1, 0]  # the suspect stays the search's
    note = raise_note(high.features)
    assert note is not None and "tab_gap" in note and "0.450" in note
    again = calibrate(high, cals)  # calibrating twice raises once
    assert _logit(again.probability) == pytest.approx(3.8)
    alone = calibrate(_verdict(-0.2, 0.98), {KEY: _base()})  # no term: as before
    assert alone.probability == pytest.approx(1 / (1 + math.exp(0.2)))


def test_the_term_reads_the_family_band_behind_the_range_guard() -> None:
    cals = {KEY: _base(5.0, [0.0, 1.0]), f"{KEY}:{OUT_OF_RANGE}": _base(-1.0),
            f"{KEY}:gap": _gap()}
    far = calibrate(_verdict(2.0, 0.7), cals)  # scored by the out-of-range entry, then raised
    assert _logit(far.probability) == pytest.approx(-2.0 + 2.0)
    assert any("outside the range" in n for n in far.coverage_notes)


def test_a_gap_term_that_could_lower_or_misread_is_refused(tmp_path) -> None:
    good = {KEY: _base(), f"{KEY}:gap": _gap()}
    bad = {"lowers": {f"{KEY}:gap": Calibrator(f"{KEY}:gap", ["tab_gap"], [-1.0], 0.0)},
           "feature": {f"{KEY}:gap": Calibrator(f"{KEY}:gap", ["tab_box"], [1.0], 0.0)},
           "scaled": {f"{KEY}:gap": Calibrator(f"{KEY}:gap", ["tab_gap"], [1.0], 0.0,
                                                mean=[0.5], scale=[1.0])},
           "most": {f"{KEY}:gap": _gap(most=-1.0)}}
    path = tmp_path / "c.json"
    path.write_text(json.dumps({k: asdict(c) for k, c in good.items()}))
    assert set(load_calibrators(path)) == set(good)
    for entry in bad.values():
        path.write_text(json.dumps({k: asdict(c) for k, c in {**good, **entry}.items()}))
        with pytest.raises(UserInputError, match=r"gap term|fitted_on\.most"):
            load_calibrators(path)
    path.write_text(json.dumps({f"{KEY}:gap": asdict(_gap())}))  # nothing to raise
    with pytest.raises(UserInputError, match="no calibrator"):
        load_calibrators(path)


def test_the_fit_starts_over_every_clean_gap_and_the_rule_reads_the_term(tmp_path) -> None:
    import tabular_gap_raise as fit
    import tabular_user_rule as rule

    rows = [{"arch": "xgboost", "backdoored": bad, "features": {"tab_gap": g, "tab_box": b},
             "family": "tree:xgboost:rows200", "zoo": "z", "name": f"m{i}",
             "probability": 0.5, "table": "credit-default"}
            for i, (bad, g, b) in enumerate([(False, 0.2, -1.0), (False, 0.4, -1.0),
                                             (True, 0.9, -1.0), (True, 0.3, 1.0)])]
    terms = fit.gap_terms(rows, 0.05, 10.0, 4.0)
    assert list(terms) == [f"{KEY}:gap"]
    term = terms[f"{KEY}:gap"]
    assert term.fitted_on["start"] == pytest.approx(0.45)
    assert -term.intercept / term.coef[0] == pytest.approx(0.45)
    path = tmp_path / "cand.json"
    path.write_text(json.dumps({k: asdict(c) for k, c in {KEY: _base(), **terms}.items()}))
    out, _ = rule.scored(rows, path)
    base = [1 / (1 + math.exp(-r["features"]["tab_box"])) for r in rows]
    assert [r["probability"] for r in out][:2] == pytest.approx(base[:2])  # clean: not raised
    assert _logit(out[2]["probability"]) == pytest.approx(-1.0 + 4.0)  # 0.9: 4.5 capped at 4
    assert out[3]["probability"] == pytest.approx(base[3])
    assert raised_probability(KEY, load_calibrators(path), rows[1]["features"], 0.3) == 0.3
