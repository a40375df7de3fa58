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


def test_every_detection_variant_is_described(load_benchmark):
    """Each variant's name is in the module docstring (stop 43 review hR3: ``unmended``, the
    default before stop 42, was not), and none but ``confined`` repeats the defaults' values
    without saying so: ``pairs``, ``outpure`` and ``mended`` are ``confined`` since stop 42."""
    from types import SimpleNamespace

    mod = load_benchmark("bench_detect_data_retrain")
    opts = SimpleNamespace(recall_threshold=0.4, pure_threshold=0.4, typical_agree=0.9,
                           outside_sure=0.99, spread_sure_z=8.0)
    names = [name for name, _ in mod.detection_variants(opts)]
    assert len(names) == len(set(names))
    assert [n for n in names if f"``{n}``" not in mod.__doc__] == []
    for n in ("pairs", "outpure", "mended"):
        assert f"``{n}`` is ``confined`` since stop 42" in " ".join(mod.__doc__.split())
