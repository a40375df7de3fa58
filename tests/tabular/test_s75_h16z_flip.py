"""LightGBM's 200-row flip term (issue 16 stop 75, h16z, candidate F75): a
``"<band entry>:flip"`` entry raises a LightGBM small-file reading where the majority class's
best one-feature candidate flips more of the other class than any clean development tree did,
never lowers, is said in ``raise_note``, is refused where it would read another feature, and
``tabular_s75_h16z_flip.py`` starts it above every clean reading it is given."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators, raise_note
from trojanscope.detect.tabular_gap_raise import raised_probability
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
KEY = "tabular-search:tree:lightgbm:rows200"


def _base() -> Calibrator:
    return Calibrator(KEY, ["tab_box"], [1.0], 0.0, fitted_on={"n_models": 10})


def _flip(start: float = 0.95, slope: float = 200.0, most: float = 4.0) -> Calibrator:
    return Calibrator(f"{KEY}:flip", ["tab_major_flip_1"], [slope], -slope * start,
                      fitted_on={"most": most, "start": start})


def _verdict(box: float, flip: float) -> ModelVerdict:
    return ModelVerdict(method="tabular-search", statistic=0.0, target_classes=[0, 1],
                        per_class=[], features={"tab_box": box, "tab_major_flip_1": flip},
                        family="tree:lightgbm:rows200")


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_the_flip_term_raises_only_above_its_start_and_says_so() -> None:
    cals = {KEY: _base(), f"{KEY}:flip": _flip()}
    low = calibrate(_verdict(-1.0, 0.9), cals)  # a clean-like flip: as before
    assert low.probability == pytest.approx(1 / (1 + math.exp(1.0)))
    assert "flip_raise_logit" not in low.features and raise_note(low.features) is None
    high = calibrate(_verdict(-1.0, 0.96), cals)
    assert _logit(high.probability) == pytest.approx(-1.0 + 2.0)
    note = raise_note(high.features)
    assert note is not None and "tab_major_flip_1" in note and "0.960" in note
    again = calibrate(high, cals)  # calibrating twice raises once
    assert _logit(again.probability) == pytest.approx(1.0)
    full = calibrate(_verdict(-1.0, 1.0), cals)  # 10 logits capped at most
    assert _logit(full.probability) == pytest.approx(3.0)
    assert raised_probability(KEY, cals, {"tab_major_flip_1": 0.96}, 0.5) == pytest.approx(
        1 / (1 + math.exp(-2.0)))


def test_a_flip_term_that_reads_another_feature_or_lowers_is_refused(tmp_path) -> None:
    good = {KEY: _base(), f"{KEY}:flip": _flip()}
    path = tmp_path / "c.json"
    path.write_text(json.dumps({k: asdict(c) for k, c in good.items()}))
    assert set(load_calibrators(path)) == set(good)
    for bad in (Calibrator(f"{KEY}:flip", ["tab_gap"], [1.0], 0.0),
                Calibrator(f"{KEY}:flip", ["tab_major_flip_1"], [-1.0], 0.0)):
        path.write_text(json.dumps({KEY: asdict(_base()), f"{KEY}:flip": asdict(bad)}))
        with pytest.raises(UserInputError, match="flip term"):
            load_calibrators(path)


def test_the_fit_starts_above_every_clean_flip_and_leaves_other_kinds_alone() -> None:
    import tabular_s75_h16z_flip as f75

    rows = [{"arch": "lightgbm", "backdoored": bad, "family": fam, "probability": 0.3,
             "features": {"tab_major_flip_1": x}, "zoo": "z", "name": f"m{i}",
             "table": "credit-default"}
            for i, (bad, x, fam) in enumerate([(False, 0.8, "tree:lightgbm:rows200"),
                                               (False, 0.9, "tree:lightgbm:rows200"),
                                               (True, 0.97, "tree:lightgbm:rows200"),
                                               (True, 0.97, "tree:lightgbm")])]
    term = f75.flip_term([r for r in rows if not r["backdoored"]])
    assert term.fitted_on["start"] == pytest.approx(0.95)
    out = f75.raised(rows, term)
    assert [r["probability"] for r in out[:2]] == [0.3, 0.3]  # clean: never raised
    assert out[2]["probability"] > 0.5  # 0.02 above the start: 4 logits
    assert out[3]["probability"] == 0.3  # the whole split's family: not the band's term


def test_the_shipped_file_holds_f75s_term_alone() -> None:
    """F75's rule was met (stop 75): the shipped file holds the candidate file's flip term, the
    helper takes it away alone, and a clean-like LightGBM reading is not raised by it."""
    from shipped_calibration import (
        LIGHTGBM_FLIP,
        shipped_before_s75_h16z,
        shipped_before_s76_h16z,
        shipped_before_s81_h16,
    )

    # the file as before stop 81 (h16), whose group-heat entry shipped_before_s81_h16 takes
    # away alone (tests/tabular/test_s81_h16_group_heat.py)
    shipped = shipped_before_s81_h16()
    assert list(shipped_before_s75_h16z()) == [k for k in shipped if k != LIGHTGBM_FLIP]
    f75 = json.loads((ROOT / "benchmarks/data/tabular_s75_h16z/calibration_f75.json").read_text())
    # stop 76 (h16z) added a share guard to the term's fitted_on: F75's term without it
    assert shipped_before_s76_h16z()[LIGHTGBM_FLIP] == f75[LIGHTGBM_FLIP]
    cals = load_calibrators(None)
    assert cals[LIGHTGBM_FLIP].fitted_on["start"] > cals[LIGHTGBM_FLIP].fitted_on["clean_max"]
    assert raised_probability(KEY, cals, {"tab_major_flip_1": 0.89}, 0.3) == 0.3
    assert raised_probability(KEY, cals, {"tab_major_flip_1": 0.99}, 0.3) > 0.5
