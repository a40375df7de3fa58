"""Which of `gated`'s later steps still run after ``dense_mask`` replaced the stages (stop 72,
hfix): the flag ``mask_done_`` is read by ``free_unlearn.free_changed`` alone, so the default
path (``free_reach``) skips its steps, but ``dense_repair``, ``bias_refit`` and ``margin`` are
reached through other dispatchers of ``Gated.purify`` that do not read it.

Reads the hand-planted MLP of ``tests/mitigate/test_gated_dense_mask.py`` (a 60-pixel dense
mask driving class 3; the detector's verdict stood in, as that test does) and prints, per
option set, the action and each later step's note. One thread, about 3 CPU s.

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/check_dense_mask_after_s72_hfix.py
"""

from __future__ import annotations

import importlib.util
import json
import resource
from pathlib import Path

import torch

from trojanscope.mitigate import gated

ROOT = Path(__file__).resolve().parents[1]
LATER = ("free_reach", "residual", "repair", "bias_refit", "margin")


def planted_test():
    """The test module (loaded by path: tests are not a package)."""
    spec = importlib.util.spec_from_file_location(
        "test_gated_dense_mask", ROOT / "tests/mitigate/test_gated_dense_mask.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    torch.set_num_threads(1)
    t = planted_test()
    gated.detector_verdict = lambda *a: t.flagged()  # the test's stand-in verdict
    for options in ({}, {"dense_repair": 1}, {"bias_refit": 1}, {"margin": 0.5}):
        method = gated.Gated(dense_mask=8, **options)
        method.apply(t.mlp(True), t.clean_set(), seed=0)
        later = {k: method.report_[k] for k in LATER if k in method.report_}
        print(json.dumps({"options": options, "action": method.report_["action"],
                          "later_steps": later}))
    print(f"cpu_s {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f}")


if __name__ == "__main__":
    main()
