"""``outside_sure``: a confusion flag outside an infected class's poison group stands, whatever
the sample's early agreement, when confusion training left its own label almost sure (BadNets
carriers the split put on the clean side agree with the target label once the early view has
learnt the trigger; issue 13, stop 38, docs/detect-data.md)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from trojanscope.detect.data.auto import AutoData, AutoFeatures


def _outside(det: AutoData) -> list[int]:
    """The confusion flags ``det`` keeps in a ten-sample infected class: group 0 (samples 0-5)
    is the poison group; 6-9 sit on the clean side, all agreeing with their early neighbours
    at 0.8-1.0 (over ``outside_agree``), with own-label probabilities 0.995, 0.999, 0.98, 0.7."""
    index, cluster = np.arange(10), np.r_[np.zeros(6, int), np.ones(4, int)]
    det.infected_groups = [(index, cluster, 0)]
    det.both = np.zeros(10, dtype=bool)
    det.agree = np.r_[np.full(6, 0.3), 0.8, 1.0, 0.85, 0.95]
    confused = np.r_[np.full(6, 0.97), 0.995, 0.999, 0.98, 0.7]
    _, extra = det.orient_by_confusion(confused, np.arange(6), np.arange(10))
    return [int(i) for i in extra if i >= 6]


def test_a_sure_confusion_flag_outside_the_group_stands():
    assert _outside(AutoData(outside_sure=0.99)) == [6, 7]
    assert _outside(AutoData(outside_sure=0.975)) == [6, 7, 8]


def test_on_by_default_at_099():
    """The default since issue 13's stop 38b (its shipping rule met on fresh BadNets sets)."""
    assert AutoData().outside_sure == 0.99
    assert _outside(AutoData()) == [6, 7]


def test_auto_features_has_no_confusion_flags_to_gate():
    assert AutoFeatures().outside_sure is None


def test_off_it_is_the_agreement_gate_alone():
    assert _outside(AutoData(outside_sure=None)) == []


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan"), "high"])
def test_outside_sure_is_range_checked(value):
    with pytest.raises(
        ValueError, match=re.escape("outside_sure must be a number >= 0.0 and <= 1.0")
    ):
        AutoData(outside_sure=value)
