"""LightGBM's 200-row clean-look term (issue 16 stop 76, h16, candidate V76): a
``"<band entry>:clean-look"`` entry lowers a small-file tree reading the band entry flags where
its second score reads clean (under ``start``), at most ``most`` logits, never raises, reads
nothing under ``reads_from``, says so in a note, is refused where it could not be read, and
``tabular_s76_h16_lower.py`` starts it under every flagged backdoored reading it is given."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.tabular_clean_look import look_drop, looked_probability
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
KEY = "tabular-search:tree:lightgbm:rows200"


def _base() -> Calibrator:
    return Calibrator(KEY, ["tab_box"], [1.0], 0.0, fitted_on={"n_models": 10})


def _look(start: float = 0.0, slope: float = 2.0, most: float = 3.0) -> Calibrator:
    """Score = tab_mass (standardised by 0 and 1): lowered where tab_mass < start."""
    return Calibrator(f"{KEY}:clean-look", ["tab_mass"], [1.0], 0.0,
                      fitted_on={"start": start, "slope": slope, "most": most,
                                 "reads_from": 0.5}, mean=[0.0], scale=[1.0])


def _verdict(box: float, mass: float) -> ModelVerdict:
    return ModelVerdict(method="tabular-search", statistic=0.0, target_classes=[0, 1],
                        per_class=[], features={"tab_box": box, "tab_mass": mass},
                        family="tree:lightgbm:rows200")


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_the_term_lowers_only_under_its_start_and_a_flagged_reading_and_says_so() -> None:
    cals = {KEY: _base(), f"{KEY}:clean-look": _look()}
    kept = calibrate(_verdict(1.0, 0.5), cals)  # score above the start: as before
    assert _logit(kept.probability) == pytest.approx(1.0)
    assert "clean_look_logit" not in kept.features
    low = calibrate(_verdict(1.0, -0.25), cals)  # 0.25 under: 2 x 0.25 = 0.5 logits
    assert _logit(low.probability) == pytest.approx(0.5)
    assert low.features["clean_look_logit"] == pytest.approx(-0.5)
    assert any("clean-look term" in n for n in low.term_notes) and not low.coverage_notes
    again = calibrate(low, cals)  # calibrating twice lowers once
    assert _logit(again.probability) == pytest.approx(0.5)
    deep = calibrate(_verdict(1.0, -5.0), cals)  # 10 logits capped at most
    assert _logit(deep.probability) == pytest.approx(-2.0)
    passed = calibrate(_verdict(-1.0, -5.0), cals)  # under reads_from: not read
    assert _logit(passed.probability) == pytest.approx(-1.0)
    assert "clean_look_logit" not in passed.features
    assert look_drop(_look(), {"tab_mass": math.nan}, 0.9) == 0.0
    assert look_drop(_look(), {}, 0.9) == 0.0
    assert looked_probability(KEY, cals, {"tab_mass": -0.25}, 0.5) == pytest.approx(
        1 / (1 + math.exp(0.5)))


@pytest.mark.parametrize("change", [
    {"features": ["mass"]}, {"mean": None}, {"scale": [1.0, 1.0]}, {"transform": "log"},
    {"fitted_on": {"start": math.nan, "slope": 1.0, "most": 1.0, "reads_from": 0.5}},
    {"fitted_on": {"start": 0.0, "slope": 0.0, "most": 1.0, "reads_from": 0.5}},
    {"fitted_on": {"start": 0.0, "slope": 1.0, "most": True, "reads_from": 0.5}},
    {"fitted_on": {"start": 0.0, "slope": 1.0, "most": 1.0}},
])
def test_a_term_it_could_not_read_is_refused(tmp_path, change) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({KEY: asdict(_base()), f"{KEY}:clean-look": asdict(_look())}))
    assert set(load_calibrators(path)) == {KEY, f"{KEY}:clean-look"}
    path.write_text(json.dumps({KEY: asdict(_base()),
                                f"{KEY}:clean-look": {**asdict(_look()), **change}}))
    with pytest.raises(UserInputError, match=r"clean-look term|fitted_on|scale must"):
        load_calibrators(path)
    path.write_text(json.dumps({f"{KEY}:clean-look": asdict(_look())}))  # nothing to lower
    with pytest.raises(UserInputError, match="no calibrator"):
        load_calibrators(path)


def test_the_fit_starts_under_every_flagged_backdoor_and_reads_the_band_alone() -> None:
    import tabular_s76_h16_lower as v76

    def row(i: int, bad: bool, mass: float, p: float, fam: str = "tree:lightgbm:rows200"):
        return {"arch": "lightgbm", "backdoored": bad, "family": fam, "probability": p,
                "features": {"tab_mass": mass, "tab_box": mass}, "zoo": "z", "name": f"m{i}",
                "table": "credit-default", "target": 0 if bad else None, "draw": 0}

    rows = [row(0, False, 0.0, 0.7), row(1, False, 0.2, 0.6), row(2, False, 0.5, 0.3),
            row(3, True, 1.0, 0.8), row(4, True, 1.4, 0.9), row(5, True, -3.0, 0.2),
            row(6, False, 0.0, 0.7, "tree:lightgbm")]
    term = v76.fit_look(rows, ["tab_mass"], margin=0.25)
    flagged_bad = [r for r in rows[:6] if r["backdoored"] and r["probability"] >= 0.5]
    assert all(term.logit(r["features"]) >= term.fitted_on["start"] + 0.25 - 1e-9
               for r in flagged_bad)
    out = v76.lowered(rows, term)
    assert out[0]["probability"] < 0.5 and out[1]["probability"] < 0.6  # clean, flagged
    assert out[2]["probability"] == 0.3  # not flagged: not read
    assert [r["probability"] for r in out[3:6]] == [0.8, 0.9, 0.2]  # backdoors: as before
    assert out[6]["probability"] == 0.7  # the whole split's family: not the band's term
