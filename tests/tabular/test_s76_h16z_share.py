"""The flip term's share guard (issue 16 stop 76, h16z, candidate G76): a ``:flip`` entry whose
``fitted_on`` holds ``min_share`` raises only a file whose smaller class holds at least that
share of the rows (``tab_minor_share``, recorded by ``tabular-search``); a reading without the
feature is raised as before; a ``min_share`` outside (0, 0.5] is refused."""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import numpy as np
import pytest

from trojanscope.data.class_shares import minor_share
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.tabular_gap_raise import SHARE_FEATURE, share_read
from trojanscope.errors import UserInputError

KEY = "tabular-search:tree:lightgbm:rows200"


def _cals(min_share: object = 0.15) -> dict[str, Calibrator]:
    fitted = {"most": 4.0, "start": 0.95}
    if min_share is not None:
        fitted["min_share"] = min_share
    return {KEY: Calibrator(KEY, ["tab_box"], [1.0], 0.0, fitted_on={"n_models": 10}),
            f"{KEY}:flip": Calibrator(f"{KEY}:flip", ["tab_major_flip_1"], [200.0], -190.0,
                                      fitted_on=fitted)}


def _verdict(flip: float, share: float | None) -> ModelVerdict:
    features = {"tab_box": -1.0, "tab_major_flip_1": flip}
    if share is not None:
        features[SHARE_FEATURE] = share
    return ModelVerdict(method="tabular-search", statistic=0.0, target_classes=[0, 1],
                        per_class=[], features=features, family="tree:lightgbm:rows200")


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_minor_share_is_the_smallest_class_share() -> None:
    assert minor_share(np.array([0] * 95 + [1] * 5), 2) == pytest.approx(0.05)
    assert minor_share([1, 1, 0, 0], 2) == pytest.approx(0.5)
    assert minor_share([0, 0, 0], 2) == 0.0  # a class absent from the file
    assert minor_share([], 2) == 0.0


def test_the_flip_term_skips_a_fraud_table_and_raises_a_credit_table() -> None:
    cals = _cals()
    fraud = calibrate(_verdict(1.0, 0.06), cals)  # 6 % positives: not raised
    assert _logit(fraud.probability) == pytest.approx(-1.0)
    assert "flip_raise_logit" not in fraud.features
    credit = calibrate(_verdict(1.0, 0.28), cals)  # a credit table's share: raised, capped
    assert _logit(credit.probability) == pytest.approx(3.0)
    old = calibrate(_verdict(1.0, None), cals)  # read before the feature existed: as before
    assert _logit(old.probability) == pytest.approx(3.0)
    unguarded = calibrate(_verdict(1.0, 0.06), _cals(None))  # a file without min_share
    assert _logit(unguarded.probability) == pytest.approx(3.0)
    assert share_read(cals[f"{KEY}:flip"], {SHARE_FEATURE: 0.15})  # at the share: read


def test_a_min_share_outside_its_range_is_refused(tmp_path) -> None:
    path = tmp_path / "c.json"
    for bad in (0, 0.7, True, "0.1"):
        path.write_text(json.dumps({k: asdict(c) for k, c in _cals(bad).items()}))
        with pytest.raises(UserInputError, match="min_share"):
            load_calibrators(path)
    path.write_text(json.dumps({k: asdict(c) for k, c in _cals(0.15).items()}))
    assert load_calibrators(path)[f"{KEY}:flip"].fitted_on["min_share"] == 0.15


def test_tabular_search_records_the_files_smaller_class_share(searched) -> None:
    run, verdict = searched("xgboost", target=0, min_sources=1)
    _, y = run.test.get_batch(np.arange(len(run.test)))
    counts = np.bincount(y.numpy(), minlength=2)
    assert verdict.features[SHARE_FEATURE] == pytest.approx(counts.min() / counts.sum())


def test_the_shipped_file_holds_g76s_share_guard_alone() -> None:
    """G76's rule was met (stop 76): the shipped flip term holds ``min_share`` 0.15 as the
    candidate file does, the helper takes it away alone, and the shipped term leaves a fraud
    table's reading as it was while raising a credit table's."""
    from shipped_calibration import FLIP_SHARE_KEYS, LIGHTGBM_FLIP, SHIPPED, shipped_before_s76_h16z
    from trojanscope.detect.tabular_gap_raise import raised_probability

    root = SHIPPED.parents[3]
    from shipped_calibration import shipped_before_s81_h16

    # the file as before stop 81 (h16), whose group-heat entry shipped_before_s81_h16 takes
    # away alone (tests/tabular/test_s81_h16_group_heat.py)
    shipped = shipped_before_s81_h16()
    g76 = json.loads((root / "benchmarks/data/tabular_s76_h16z/calibration_g76.json").read_text())
    assert shipped[LIGHTGBM_FLIP] == g76[LIGHTGBM_FLIP]
    assert shipped[LIGHTGBM_FLIP]["fitted_on"]["min_share"] == 0.15
    before = shipped_before_s76_h16z()
    assert list(before) == list(shipped)
    assert [k for k in shipped if before[k] != shipped[k]] == [LIGHTGBM_FLIP]
    assert not set(FLIP_SHARE_KEYS) & set(before[LIGHTGBM_FLIP]["fitted_on"])
    cals = load_calibrators(None)
    assert raised_probability(KEY, cals, {"tab_major_flip_1": 1.0, SHARE_FEATURE: 0.06},
                              0.3) == 0.3
    assert raised_probability(KEY, cals, {"tab_major_flip_1": 1.0, SHARE_FEATURE: 0.28},
                              0.3) > 0.5
