"""A tree band candidate file whose entry reads an opt-in feature: a reading without it is one
clear error naming the feature, and a reading with it is scored. Shared by stop 73's
(``depth_twins``, T73) and stop 74's (``box_wide``, W74) tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
BAND = {"tab_box": 0.4, "tab_mass_group": 2.4, "tab_major_recur": 3.1, "tab_gap": 0.1}


def check_needs(candidate: str, family: str, feature: str, value: float) -> None:
    """``candidate`` (a path below the repository) refuses a ``family`` reading of today's band
    features alone, naming ``feature``, and scores one that holds ``feature = value``."""
    cals = load_calibrators(ROOT / candidate)

    def verdict(features: dict[str, float]) -> ModelVerdict:
        return ModelVerdict(method="tabular-search", statistic=0.0, target_classes=[0, 1],
                            per_class=[], features=features, family=family)

    with pytest.raises(UserInputError, match=feature):
        calibrate(verdict(dict(BAND)), cals)
    held = verdict({**BAND, feature: value})
    calibrate(held, cals)
    assert 0.0 < held.probability < 1.0
