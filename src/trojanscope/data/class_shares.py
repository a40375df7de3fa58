"""A table's class shares, read one way: how many rows each class holds, its smallest class's
share, and the share of rows not of an attack's target.

Why (stop 79 review, hrev; named at stop 78): ``triggers.tabular_lean.fraud_like`` (is the table
a fraud table, its rare class the one the attack sends from?) and
``detect.tabular_gap_raise``'s ``tab_minor_share`` (is the file's smaller class large enough for
the gap term to read?) each counted the classes their own way. Both now read these helpers; every
figure is the same float as before (``tests/data/test_class_shares_s79_hrev.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["class_counts", "minor_share", "others_share"]


def class_counts(labels: Any, num_classes: int = 0) -> np.ndarray:
    """The rows of each class in ``labels`` (class indices), at least ``num_classes`` long."""
    return np.bincount(np.asarray(labels, dtype=np.int64).ravel(), minlength=num_classes)


def minor_share(labels: Any, num_classes: int) -> float:
    """The smallest class's share of ``labels`` (0.0 where a class is absent or none given)."""
    counts = class_counts(labels, num_classes)
    return float(counts.min() / counts.sum()) if counts.sum() else 0.0


def others_share(labels: Any, target: int) -> float:
    """The share of ``labels`` not of class ``target`` (0.0 where none are given)."""
    counts = class_counts(labels, target + 1)
    total = counts.sum()
    return float((total - counts[target]) / total) if total else 0.0
