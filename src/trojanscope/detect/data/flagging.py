"""The flagging rule shared by the detectors: a robust outlier test that needs no poison rate.

Scores are put on one scale with the median and the median absolute deviation (MAD) of the
*clean-looking bulk*: every sample's robust z-score is ``(s - median) / (1.4826 * MAD)``, taken
over all samples (poison is a minority of the whole set even when it is the majority of its
target class). A sample is flagged when its z-score exceeds ``z`` (default 3.5, the usual cut
of Iglewicz & Hoaglin for the modified z-score). Detectors whose scores are already calibrated
per class (cluster memberships) override :meth:`DataDetector.flag` instead.
"""

from __future__ import annotations

import numpy as np

DEFAULT_Z = 3.5
MAD_SCALE = 1.4826  # MAD of a normal distribution is 0.6745 sigma


def robust_z(scores: np.ndarray) -> np.ndarray:
    """Modified z-scores of ``scores`` against their own median and MAD."""
    s = np.asarray(scores, dtype=np.float64)
    return (s - np.median(s)) / robust_scale(s)


def robust_scale(scores: np.ndarray) -> float:
    """The scale of :func:`robust_z`: 1.4826 MAD, or the standard deviation where the MAD is 0
    (1 where that is 0 too)."""
    s = np.asarray(scores, dtype=np.float64)
    mad = float(np.median(np.abs(s - np.median(s)))) * MAD_SCALE
    return mad if mad > 0 else (float(np.std(s)) or 1.0)


def robust_flags(scores: np.ndarray, labels: np.ndarray, z: float = DEFAULT_Z) -> np.ndarray:
    """Indices whose robust z-score over all samples exceeds ``z`` (``labels`` is unused by
    this rule but kept so that per-class rules share the signature)."""
    del labels
    return np.flatnonzero(robust_z(scores) > z)
