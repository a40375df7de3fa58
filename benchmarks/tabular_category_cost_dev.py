"""Issue 16 stop 54 (h16b), development: one table's data-level sets of a base
(``bench_tabular_detect.py``'s recipe) scored by ``label-groups`` under the default and under
each given setting (``key=value[,key=value]``), one line per set (flags TPR/FPR, ROC-AUC,
time). ``NODEF=1`` leaves the default out (its rows are stored elsewhere).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_category_cost_dev.py 9600 \
        credit-default category_pair_cost=0.75
"""

from __future__ import annotations

import os
import sys

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import benchmark_sets, poisoned_set, score  # noqa: E402
from trojanscope.detect.data.inputs import materialize  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402


def main() -> None:
    base, table = int(sys.argv[1]), sys.argv[2]
    variants: dict[str, dict] = {} if os.environ.get("NODEF") else {"default": {}}
    for arg in sys.argv[3:]:
        variants[arg] = {k: float(v) for k, v in (x.split("=") for x in arg.split(","))}
    for ds, train, name, target, seed in benchmark_sets(base):
        if ds != table:
            continue
        if name == "(none)":
            data, mask = materialize(train), np.zeros(len(train), bool)
        else:
            data, mask = poisoned_set(name, train, target, seed)
        out = []
        for key, params in variants.items():
            r = score(detect_data(data, method="label-groups", **params), mask)
            out.append(f"{key}: {r['tpr']:.2f}/{r['fpr']:.3f} auc {r['roc_auc']:.3f} "
                       f"{r['time_s']:.1f}s")
        print(seed, name, target, int(mask.sum()), " | ".join(out), flush=True)


if __name__ == "__main__":
    main()
