"""Time and peak memory of ``label-groups`` on a wide random table (review of issue 16 stop
47: pairs of values are tried for every two columns of at most 30 values).

    python benchmarks/label_groups_wide_time.py --rows 5000 --cols 60 --pairs 1 --save s.npy

Wall and CPU seconds (compare CPU: other processes slow the wall clock). Random categorical
codes (``--values`` each), label 1 on 30% of rows, seed 0; ``--save`` writes the per-row
scores, to compare two source trees (run with another PYTHONPATH).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from trojanscope.detect.data.label_groups import LabelGroups, group_scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--cols", type=int, default=60)
    ap.add_argument("--values", type=int, default=5)
    ap.add_argument("--pairs", type=int, default=1)
    ap.add_argument("--save", default=None)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    codes = rng.integers(0, a.values, (a.rows, a.cols))
    labels = (rng.random(a.rows) < 0.3).astype(np.int64)
    start, cpu = time.perf_counter(), time.process_time()
    scores, groups = group_scores(codes, labels, LabelGroups(pairs=a.pairs))
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows={a.rows} cols={a.cols} values={a.values} pairs={a.pairs}: {took:.1f} s "
          f"({cpu:.1f} s CPU; the machine is shared), {len(groups)} groups, "
          f"peak RSS {peak:.0f} MiB")
    if a.save:
        np.save(a.save, scores)


if __name__ == "__main__":
    main()
