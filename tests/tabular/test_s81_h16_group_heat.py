"""LightGBM's 200-row group-heat term (issue 16 stop 81, h16, the lower-only G80): a
``"<band entry>:group-heat"`` entry lowers a tree reading by ``beta * max(0, h - h0)`` logits,
``h`` read from the two recorded group features, never raises, skips a file whose smaller class
is under ``min_share``, says so in a note, is refused where it could not be read, and
``tabular_s81_h16_lower.py``'s candidate file and post-hoc shift agree."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.tabular_group_heat import group_heat, heat_drop, heated_probability
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
KEY = "tabular-search:tree:lightgbm:rows200"


def _base() -> Calibrator:
    return Calibrator(KEY, ["tab_box"], [1.0], 0.0, fitted_on={"n_models": 10})


def _heat(beta: float = 0.5, h0: float = -0.5, **more: float) -> Calibrator:
    return Calibrator(f"{KEY}:group-heat", ["tab_group_heat"], [beta], -beta * h0,
                      fitted_on={"min_share": 0.15, **more})


def _features(h: float, share: float = 0.25, box: float = 1.0) -> dict[str, float]:
    """Group features whose ``h`` is ``h``: log1p of ``e^h`` and of 1."""
    return {"tab_box": box, "tab_major_group": math.log1p(math.exp(h)),
            "tab_major_group_rel": math.log1p(1.0), "tab_minor_share": share}


def _verdict(**kw: float) -> ModelVerdict:
    return ModelVerdict(method="tabular-search", statistic=0.0, target_classes=[0, 1],
                        per_class=[], features=_features(**kw), family="tree:lightgbm:rows200")


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_h_is_read_from_the_two_group_features_or_the_recorded_one() -> None:
    assert group_heat(_features(-0.3)) == pytest.approx(-0.3)
    assert group_heat({"tab_group_heat": 0.7, "tab_major_group": 9.0}) == 0.7
    assert group_heat({"tab_major_group": 1.0}) is None
    assert group_heat({"tab_major_group": math.nan, "tab_major_group_rel": 1.0}) is None


def test_the_term_lowers_a_hot_file_only_and_never_raises_and_says_so() -> None:
    cals = {KEY: _base(), f"{KEY}:group-heat": _heat()}
    cool = calibrate(_verdict(h=-2.0), cals)  # under h0: as before, not raised
    assert _logit(cool.probability) == pytest.approx(1.0)
    assert "group_heat_logit" not in cool.features and not cool.term_notes
    hot = calibrate(_verdict(h=0.5), cals)  # 1.0 over h0: 0.5 x 1.0 logits off
    assert _logit(hot.probability) == pytest.approx(0.5)
    assert hot.features["group_heat_logit"] == pytest.approx(-0.5)
    assert hot.features["probability_before_group_heat"] == pytest.approx(1 / (1 + math.e ** -1))
    assert any("group-heat term" in n for n in hot.term_notes)
    again = calibrate(hot, cals)  # calibrating twice lowers once
    assert _logit(again.probability) == pytest.approx(0.5)
    rare = calibrate(_verdict(h=0.5, share=0.05), cals)  # a lending-club-like file: not read
    assert _logit(rare.probability) == pytest.approx(1.0)
    capped = _heat(most=0.2)
    assert heat_drop(capped, _features(3.0)) == pytest.approx(-0.2)
    assert heated_probability(KEY, cals, _features(0.5), 0.5) == pytest.approx(
        1 / (1 + math.exp(0.5)))
    assert heated_probability(KEY, {KEY: _base()}, _features(5.0), 0.7) == 0.7


def test_other_families_are_not_read() -> None:
    xgb = "tabular-search:tree:xgboost:rows200"
    cals = {KEY: _base(), f"{KEY}:group-heat": _heat(),
            xgb: Calibrator(xgb, ["tab_box"], [1.0], 0.0)}
    v = _verdict(h=3.0)
    v.family = "tree:xgboost:rows200"
    assert _logit(calibrate(v, cals).probability) == pytest.approx(1.0)


@pytest.mark.parametrize("change", [
    {"features": ["tab_major_group"]}, {"coef": [-0.5]}, {"mean": [0.0]},
    {"transform": "log"}, {"fitted_on": {"min_share": 0.9}}, {"fitted_on": {"most": -1.0}},
])
def test_a_term_it_could_not_read_is_refused(tmp_path, change) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({KEY: asdict(_base()), f"{KEY}:group-heat": asdict(_heat())}))
    assert set(load_calibrators(path)) == {KEY, f"{KEY}:group-heat"}
    path.write_text(json.dumps({KEY: asdict(_base()),
                                f"{KEY}:group-heat": {**asdict(_heat()), **change}}))
    with pytest.raises(UserInputError, match=r"group-heat term|fitted_on|must be"):
        load_calibrators(path)
    path.write_text(json.dumps({f"{KEY}:group-heat": asdict(_heat())}))  # nothing to lower
    with pytest.raises(UserInputError, match="no calibrator"):
        load_calibrators(path)


def test_the_candidate_file_gives_the_benchmark_shift() -> None:
    import tabular_s81_h16_lower as g81

    cals = load_calibrators(g81.CANDIDATE)
    term = cals[f"{g81.BAND}:group-heat"]
    assert term.coef == [g81.BETA] and term.intercept == pytest.approx(-g81.BETA * g81.H0)
    rows = [{"family": "tree:lightgbm:rows200", "probability": 0.6, "features": _features(h)}
            for h in (-2.0, g81.H0, 0.0, 1.0)]
    rows.append({"family": "tree:xgboost:rows200", "probability": 0.6,
                 "features": _features(1.0)})
    out = g81.lowered(rows, g81.BETA)
    for r, o in zip(rows, out, strict=True):
        want = heated_probability(f"tabular-search:{r['family']}", cals, r["features"], 0.6)
        assert o["probability"] == pytest.approx(want) and o["probability"] <= 0.6
    assert out[0]["probability"] == 0.6 and out[3]["probability"] < out[2]["probability"] < 0.6
    assert out[4]["probability"] == 0.6


def test_the_shipped_file_lowers_a_hot_credit_file_since_stop_81() -> None:
    """The rule was met on fresh zoo 6530: the shipped file holds the term, and a fresh clean
    reading it took under 0.5 (``clean-002`` on file 6537, 0.547 by the file before) reads
    under 0.5 by the shipped file and as before by the file before it."""
    import tabular_s81_h16_lower as g81
    from tabular_user_rule import scored

    cals = load_calibrators()
    term = cals[f"{KEY}:group-heat"]
    assert term.coef == [0.5] and term.intercept == pytest.approx(0.5 * 0.673)
    assert heated_probability(KEY, cals, _features(-1.0), 0.6) == 0.6  # cool: as before
    assert heated_probability(KEY, cals, _features(0.327), 0.6) == pytest.approx(
        1 / (1 + math.exp(-(_logit(0.6) - 0.5))))
    assert f"{KEY}:group-heat" not in load_calibrators(g81.BEFORE)
    from shipped_calibration import GROUP_HEAT_S81, SHIPPED, shipped_before_s81_h16

    raw = json.loads(SHIPPED.read_text())  # older tests' helper takes the entry away alone,
    assert list(shipped_before_s81_h16()) == [k for k in raw if k != GROUP_HEAT_S81]
    assert shipped_before_s81_h16() == json.loads(g81.BEFORE.read_text())  # main's file
    path = ROOT / "benchmarks/data/tabular_s81_h16/fresh_r200_6537_cd_lgbm.json"
    row = next(r for r in g81.cd_lightgbm_raw([str(path)]) if r["name"] == "clean-002")
    before = scored([row], g81.BEFORE)[0][0]["probability"]
    now = scored([row], Path(__file__).resolve().parents[2]
                 / "src/trojanscope/detect/calibration.json")[0][0]["probability"]
    assert before == pytest.approx(0.547, abs=5e-4) and now < 0.5
