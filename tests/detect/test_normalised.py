"""MM-BD features on the model's own scale: invariant to the logit scale, larger for an
outlying class, and the same numbers ``auto`` reports."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.detect.auto import AutoDetector
from trojanscope.detect.normalised import clean_statistics, normalised_features

FLAT = np.array([10.0, 11.0, 9.5, 10.5, 10.2, 9.8, 10.1, 10.4, 9.9, 10.3])
CLEAN = np.array([3.0, 3.2, 2.8, 3.1, 3.0, 2.9, 3.3, 3.0, 2.7, 3.1])


def test_invariant_to_the_logit_scale() -> None:
    base = normalised_features(FLAT, CLEAN, 2.0, margins_early=FLAT, noise_frac=np.ones(10) / 10)
    scaled = normalised_features(7 * FLAT, 7 * CLEAN, 14.0, margins_early=7 * FLAT,
                                 noise_frac=np.ones(10) / 10)
    assert base == pytest.approx(scaled)


def test_an_outlying_class_stands_out() -> None:
    spiked = FLAT.copy()
    spiked[4] = 40.0
    flat, spike = normalised_features(FLAT, CLEAN, 2.0), normalised_features(spiked, CLEAN, 2.0)
    for name in ("mmbd_top_over_clean", "mmbd_clean_ratio_anomaly", "mmbd_logit_z"):
        assert spike[name] > 2 * flat[name], name


def test_auto_reports_them_with_data_only(backdoored_run, tiny_test) -> None:
    model = backdoored_run.model
    with_data = AutoDetector().inspect(model, tiny_test, seed=1)
    free = AutoDetector().inspect(model, None, input_shape=(1, 16, 16), num_classes=4, seed=1)
    assert "mmbd_logit_z" not in free.features and "mmbd_early_z" in with_data.features
    margins = np.array([r.details["margin"] for r in sorted(with_data.per_class,
                                                            key=lambda r: r.cls)])
    clean, std = clean_statistics(model, tiny_test, 4, torch.Generator().manual_seed(0))
    assert with_data.features["mmbd_logit_z"] == pytest.approx(
        normalised_features(margins, clean, std)["mmbd_logit_z"])
    # The backdoored tiny model's target stands out on its own clean scale too.
    assert with_data.features["mmbd_clean_ratio_anomaly"] > 2
