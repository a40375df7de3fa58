"""``label_deficit.platt`` with ``damped`` (issue 9, stop 77: hcode): one Newton fit where
``label_leans.damped_platt`` repeated it with halved steps. On log-odds as overconfident as
naive Bayes' (|x| up to 60, the truth's slope 0.05), full steps run away (``a`` about 1e7, every
chance 0 or 1, as on ``lending-club`` set 15110); damped, the fit finds the slope."""

from __future__ import annotations

import numpy as np

from trojanscope.detect.data import label_leans
from trojanscope.detect.data.label_deficit import log_loss, platt


def _overconfident() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.uniform(-60, 60, 400)
    return x, rng.random(400) < 1 / (1 + np.exp(-0.05 * x))


def test_damped_steps_find_the_slope_where_full_steps_run_away() -> None:
    x, y = _overconfident()
    a, b = platt(x, y, damped=True)
    assert abs(a - 0.05) < 0.02 and abs(b) < 0.5
    assert log_loss(x, y.astype(float), a, b) < log_loss(x, y.astype(float), 1.0, 0.0)
    full, _ = platt(x, y)
    assert full > 1e6  # why the leans screen asks for damped steps


def test_the_leans_screen_fits_through_the_damped_platt(monkeypatch) -> None:
    asked: list[bool] = []

    def spy(x, y, damped=False):
        asked.append(damped)
        return 1.0, 0.0

    monkeypatch.setattr(label_leans, "platt", spy)
    full = np.zeros((6, 3))
    label_leans.chances(full, np.zeros((6, 2, 3)), np.array([0, 0, 1, 0, 2, 0]), 0, [0])
    assert asked == [True]
