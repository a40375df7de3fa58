"""Issue 16 stop 48: ``label-groups``' flags with and without ``tie_sure`` on the data-level
sets of ``bench_tabular_detect.py`` (the same sets, seeds ``--base`` + …).

``tie_sure`` changes the flags only, never a suspicion score, so each set is scored once by
``detect-data``'s ``label-groups`` (today's default, ``tie_sure`` 0) and its flags are
recomputed with ``label_flags(…, tie_sure)`` on the same scores. Writes two JSON files in
``bench_tabular_detect.py --json``'s row format (ROC-AUC, TPR at FPR ≤ 5%, flags TPR/FPR per
set) for ``tabular_pairs_rule.py`` to compare, and prints per set both rules' flags, the cut
(the ``top`` quantile of the scores), the rows tied at it (poison among them), the three
highest scores with their row counts, and the flags with ``sure`` lowered to ``--low-sure``
instead (the alternative to ``tie_sure`` that was tried).

Issue 16 stop 48c: ``--tie-margin M`` makes the candidate ``label_flags(…, tie_sure,
tie_margin=M)`` (the tied group holding the table's top score and standing ``M`` above the
next distinct score), named ``tie_margin`` in the printed table.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_tie_flags.py --base 7600 \
        --tie-margin 0.1 --default-json D.json --candidate-json C.json

    PYTHONPATH=src:benchmarks python benchmarks/tabular_tie_flags.py --base 7400 \
        --tie-sure 2.2 --default-json D.json --candidate-json C.json
"""

from __future__ import annotations

import argparse
import json
import time
from types import SimpleNamespace

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import score, scored_sets, summary  # noqa: E402
from trojanscope.detect.data.label_groups import LabelGroups, label_flags  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("--tie-sure", type=float, default=0.0)
    parser.add_argument("--tie-margin", type=float, default=0.0)
    parser.add_argument("--default-json", required=True)
    parser.add_argument("--candidate-json", required=True)
    parser.add_argument("--low-sure", type=float, default=2.2,
                        help="the alternative: today's rule with sure lowered to this")
    args = parser.parse_args()
    p = LabelGroups()  # today's top and sure
    rows: dict[str, list[dict]] = {"default": [], "candidate": []}
    label = "tie_margin" if args.tie_margin > 0 else "tie_sure"
    print("| data | attack | target | poison | ROC-AUC | TPR@FPR≤5% | flags TPR/FPR default |"
          f" flags TPR/FPR {label} | cut | tied rows (poison) | top scores × rows |"
          " flags TPR/FPR low sure | time |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for ds, name, target, seed, data, mask in scored_sets(args.base):
        t0 = time.perf_counter()
        result = detect_data(data, method="label-groups", tie_sure=0.0,
                             tie_margin=0.0, pair_contrast=0.0)  # stop 48's scores
        wall = time.perf_counter() - t0
        tied = SimpleNamespace(suspicion=result.suspicion, elapsed_s=result.elapsed_s,
                               flagged=label_flags(result.suspicion, p.top, p.sure,
                                                   args.tie_sure, args.tie_margin))
        for key, res in (("default", result), ("candidate", tied)):
            rows[key].append({"dataset": ds, "attack": name, "target": target, "seed": seed,
                              "poison": int(mask.sum()), "method": "label-groups",
                              **score(res, mask), "wall_s": wall})
        d, c = rows["default"][-1], rows["candidate"][-1]
        s = result.suspicion
        cut = float(np.quantile(s, p.top))
        tied = s == cut
        values, counts = np.unique(s, return_counts=True)
        top = ", ".join(f"{v:.3f} × {n}" for v, n in zip(values[::-1][:3], counts[::-1][:3],
                                                          strict=True))
        low = score(SimpleNamespace(suspicion=s, elapsed_s=0.0, flagged=label_flags(
            s, p.top, args.low_sure)), mask)
        print(f"| {ds} | {name} | {target if mask.any() else '–'} | {d['poison']} | "
              f"{d['roc_auc']:.3f} | {d['tpr_at_5pct_fpr']:.2f} | {d['tpr']:.2f}/{d['fpr']:.3f}"
              f" | {c['tpr']:.2f}/{c['fpr']:.3f} | {cut:.3f} | {int(tied.sum())} "
              f"({int((tied & mask).sum())}) | {top} | {low['tpr']:.2f}/{low['fpr']:.3f} | "
              f"{wall:.1f} s |", flush=True)
    print(f"\ncandidate ({label}):")
    summary(rows["candidate"])
    for key, path in (("default", args.default_json), ("candidate", args.candidate_json)):
        with open(path, "w") as fh:
            json.dump(rows[key], fh, indent=2)


if __name__ == "__main__":
    main()
