"""Issue 16 stop 49b: ``label-groups`` with and without a new suspicion signal on the
data-level sets of ``bench_tabular_detect.py`` (the same sets, seeds ``--base`` + …).

Unlike ``tabular_tie_flags.py`` (flags only), the candidate changes the suspicion scores, so
each set is scored twice by ``detect-data``'s ``label-groups``: today's default and today's
default with ``--param NAME=VALUE`` (e.g. ``pair_contrast=1``). Writes two JSON files in
``bench_tabular_detect.py --json``'s row format (ROC-AUC, TPR at FPR ≤ 5%, flags TPR/FPR,
time per set) for ``tabular_pairs_rule.py`` to compare, and prints one table row per set.
Without ``--default-json`` only the candidate is scored (for bases whose default figures
exist already, e.g. stop 48c's ``tabular_s48c/margin_*.json``, today's default).

Since stop 49c (``pair_contrast=1`` and ``tie_outside=1`` the defaults) both runs start from
stop 49b's default (``pair_contrast=0``, ``tie_outside=0``), so its figures reproduce.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_signal_flags.py --base 7800 \
        --param pair_contrast=1 --default-json D.json --candidate-json C.json
"""

from __future__ import annotations

import argparse
import json
import time

import torch

torch.set_num_threads(1)

from bench_tabular_detect import score, scored_sets, summary  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="the candidate's label-groups parameter (repeatable)")
    parser.add_argument("--default-json", help="also score today's default, written here")
    parser.add_argument("--candidate-json", required=True)
    args = parser.parse_args()
    # stop 49b's default (pair_contrast and tie_outside off; both on by default since 49c)
    old = {"pair_contrast": 0.0, "tie_outside": 0.0}
    params = old | {k: float(v) for k, v in (a.split("=", 1) for a in args.param)}
    label = ",".join(args.param) or "default"
    rows: dict[str, list[dict]] = {"default": [], "candidate": []}
    print("| data | attack | target | poison | ROC-AUC default / candidate | TPR@FPR≤5% default"
          f" / candidate | flags TPR/FPR default | flags TPR/FPR {label} | time default /"
          " candidate |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ds, name, target, seed, data, mask in scored_sets(args.base):
        walls = [float("nan")]
        runs = [("candidate", params)]
        if args.default_json:
            walls, runs = [], [("default", old), *runs]
        for key, extra in runs:
            t0 = time.perf_counter()
            result = detect_data(data, method="label-groups", **extra)
            walls.append(time.perf_counter() - t0)
            rows[key].append({"dataset": ds, "attack": name, "target": target, "seed": seed,
                              "poison": int(mask.sum()), "method": "label-groups",
                              **score(result, mask), "wall_s": walls[-1]})
        c = rows["candidate"][-1]
        d = rows["default"][-1] if args.default_json else {k: float("nan") for k in c} | {
            "poison": c["poison"]}
        print(f"| {ds} | {name} | {target if mask.any() else '–'} | {d['poison']} | "
              f"{d['roc_auc']:.3f} / {c['roc_auc']:.3f} | {d['tpr_at_5pct_fpr']:.2f} / "
              f"{c['tpr_at_5pct_fpr']:.2f} | {d['tpr']:.2f}/{d['fpr']:.3f} | "
              f"{c['tpr']:.2f}/{c['fpr']:.3f} | {walls[0]:.1f} / {walls[1]:.1f} s |", flush=True)
    print(f"\ncandidate ({label}):")
    summary(rows["candidate"])
    for key, path in (("default", args.default_json), ("candidate", args.candidate_json)):
        if not path:
            continue
        with open(path, "w") as fh:
            json.dump(rows[key], fh, indent=2)


if __name__ == "__main__":
    main()
