"""Issue 16 stop 47: ``label-groups``' ``pair_cost`` read on development bases only. Per set of
``bench_tabular_detect.py --base B`` (its order and seeds), each row's best single-value group
score and best pair group score (``pairs=1``, ``pair_cost=0``); then, per cost, the suspicion
``max(single, pair - cost)`` flagged as ``label-groups`` flags (above the ``top`` quantile and
positive, or at least ``sure``): sets at the goal (flags TPR ≥ 0.95, FPR ≤ 0.05), worst FPR,
and each set's flags TPR / FPR / TPR at FPR ≤ 5%. Also the best clean single and pair group
per set (the multiplicity the cost stands for).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_pair_cost.py --base 7000 7300
"""

from __future__ import annotations

import argparse

import numpy as np

import bench_tabular_detect as bench
from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.data.inputs import materialize
from trojanscope.detect.data.label_groups import LabelGroups, group_scores
from trojanscope.detect.data.shared_values import value_codes

COSTS = (None, 0.0, 0.5, 0.75, 1.0, 1.25, 1.5)  # None: no pairs (today's default)


def channels(data, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Per row the best single and pair group score; the best clean single and pair group."""
    codes = value_codes(data.x.numpy().reshape(len(mask), -1), schema_of(data))
    labels = data.y.numpy().astype(np.int64)
    p = LabelGroups(pairs=1, pair_cost=0.0)
    _, groups = group_scores(codes, labels, p)
    best = {1: np.zeros(len(mask)), 2: np.zeros(len(mask))}
    clean = {1: 0.0, 2: 0.0}
    for g in groups:
        member = labels == g["label"]
        for c in g["columns"]:
            member &= codes[:, c] == codes[g["row"], c]
        arr = best[len(g["columns"])]
        arr[member] = np.maximum(arr[member], g["score"])
        if mask[member].mean() <= 0.5:
            clean[len(g["columns"])] = max(clean[len(g["columns"])], g["score"])
    return best[1], best[2], clean[1], clean[2]


def flags(s: np.ndarray, p: LabelGroups) -> np.ndarray:
    """``label-groups``' own flags over suspicion ``s``."""
    return ((s > np.quantile(s, p.top)) & (s > 0)) | (s >= p.sure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, nargs="+", required=True)
    args = parser.parse_args()
    p = LabelGroups()
    for base in args.base:
        sets = []
        for ds, train, name, target, seed in bench.benchmark_sets(base):
            data, mask = (materialize(train), np.zeros(len(train), bool)) if seed is None \
                else bench.poisoned_set(name, train, target, seed)
            single, pair, c1, c2 = channels(data, mask)
            sets.append((ds, name, target, mask, single, pair))
            print(f"base {base} {ds} {name} {target}: best clean single group {c1:.2f}, "
                  f"pair group {c2:.2f}", flush=True)
        for cost in COSTS:
            met, worst, cells = 0, 0.0, []
            for ds, name, target, mask, single, pair in sets:
                s = single if cost is None else np.maximum(single, pair - cost)
                f = flags(s, p)
                fpr = float(f[~mask].mean())
                worst = max(worst, fpr)
                if not mask.any():
                    cells.append(f"{ds} clean FPR {fpr:.3f}")
                    continue
                tpr = float(f[mask].mean())
                t5 = float((s[mask] > np.quantile(s[~mask], 0.95)).mean())
                met += tpr >= 0.95 and fpr <= 0.05
                cells.append(f"{ds} {name} {target} {tpr:.2f}/{fpr:.3f}/{t5:.2f}")
            print(f"base {base} pair_cost {'none (no pairs)' if cost is None else cost}: "
                  f"{met} sets at the goal, worst FPR {worst:.3f}")
            print("    " + " | ".join(cells))


if __name__ == "__main__":
    main()
