"""Which training seeds ``bench_detect_data_retrain.py`` runs on a set (issue 13, stop 37)."""

from __future__ import annotations


def test_seeds_run_on_every_set(load_benchmark):
    """``--seeds`` trains every set on all its seeds, the first one the row's own, whether
    or not the variants' kept samples differ."""
    mod = load_benchmark("bench_detect_data_retrain")
    assert mod.training_seeds(0, "0,1,2,3,4", "", False) == (0, [1, 2, 3, 4])
    assert mod.training_seeds(7, "3,4", "1,2", True) == (3, [4])


def test_differ_seeds_only_where_kept_samples_differ(load_benchmark):
    """Without ``--seeds``: ``--train-seed``, plus ``--differ-seeds`` only on a set whose
    variants keep different samples (equal kept samples give equal figures)."""
    mod = load_benchmark("bench_detect_data_retrain")
    assert mod.training_seeds(2, "", "1,2", True) == (2, [1, 2])
    assert mod.training_seeds(2, "", "1,2", False) == (2, [])
    assert mod.training_seeds(0, "", "", True) == (0, [])
