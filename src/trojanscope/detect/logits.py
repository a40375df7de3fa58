"""A probability moved by a number of logits: the one arithmetic every raise and lower term of
the calibration shares (``auto:raise``, the lower, excess and centre terms, the trees' gap term)."""

from __future__ import annotations

import math


def sigmoid(z: float) -> float:
    """The logistic function, its argument clipped to ±50 so it never overflows."""
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def logit(probability: float) -> float:
    """The log-odds of ``probability``, clipped to [1e-12, 1 - 1e-12] first so that 0 and 1
    stay finite."""
    p = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def shift_logit(probability: float, lift: float) -> float:
    """``probability`` with ``lift`` added to its logit (:func:`logit`: 0 and 1 stay
    finite)."""
    return sigmoid(logit(probability) + lift)
