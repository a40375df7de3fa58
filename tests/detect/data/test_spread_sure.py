"""``spread_sure_z``: with the all-to-all signature, a sample whose spectral z is above it is
flagged whatever its early agreement (carriers of one all-to-all pair whose triggered copies
are each other's early neighbours agree with their given label; issue 13, stop 39b,
docs/detect-data.md)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from trojanscope.detect.data.auto import AutoData


def _views(all_to_all: bool) -> tuple[np.ndarray, np.ndarray]:
    """Early agreement and spectral z of 40 samples: 0-19 disagree (agreement 0.2), of which
    0-14 (all-to-all) or 0-4 (not) stand out (z 12); 20-23 agree at 0.85 and 24-25 at 1.0
    with z 9-12 (carriers of a pair that agree with their label); 26-39 are plain (z 1)."""
    agree = np.r_[np.full(20, 0.2), np.full(4, 0.85), np.full(2, 1.0), np.full(14, 0.95)]
    spectral = np.r_[
        np.full(15 if all_to_all else 5, 12.0),
        np.full(15 if not all_to_all else 5, 1.0),
        9.0,
        10.0,
        11.0,
        12.0,
        9.5,
        12.0,
        np.full(14, 1.0),
    ]
    return agree, spectral


def test_with_the_signature_agreeing_outliers_are_flagged():
    agree, spectral = _views(True)
    default = AutoData().both_views(agree, spectral)
    sure = AutoData(spread_sure_z=8.0).both_views(agree, spectral)
    assert np.flatnonzero(default).tolist() == list(range(15))
    assert np.flatnonzero(sure).tolist() == list(range(15)) + list(range(20, 26))
    assert np.flatnonzero(AutoData(spread_sure_z=10.5).both_views(agree, spectral)).tolist() == (
        [*range(15), 22, 23, 25]
    )


def test_without_the_signature_nothing_changes():
    """All-to-one sets (no all-to-all signature) keep their flags."""
    agree, spectral = _views(False)
    default = AutoData().both_views(agree, spectral)
    assert np.array_equal(AutoData(spread_sure_z=8.0).both_views(agree, spectral), default)
    assert np.flatnonzero(default).tolist() == list(range(5))


def test_off_by_default():
    assert AutoData().spread_sure_z is None


@pytest.mark.parametrize("value", [-1.0, float("nan"), "high"])
def test_spread_sure_z_is_range_checked(value):
    with pytest.raises(ValueError, match=re.escape("spread_sure_z must be a number >= 0.0")):
        AutoData(spread_sure_z=value)
