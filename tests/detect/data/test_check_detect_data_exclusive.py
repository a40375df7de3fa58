"""``check_detect_data_exclusive.py``'s comparison (stop 43 review hR3): which variants flag
exactly what ``auto`` with both stop-42 defaults off flags, index by index."""

from __future__ import annotations

import numpy as np


def test_compare_is_index_by_index(load_benchmark):
    mod = load_benchmark("check_detect_data_exclusive")
    flags = {"unmended": np.array([1, 2, 3]), "pairs": np.array([1, 2, 4]),
             "outpure": np.array([1, 2, 3]), "default": np.array([1, 2, 3, 5, 6])}
    out = mod.compare(flags)
    assert out == {"pairs_same": False, "outpure_same": True, "default_same": False,
                   "default_added": 2, "default_dropped": 0}
