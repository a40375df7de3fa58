"""Issue 16 stop 50: ``label-groups``' pairs read categorical columns of up to ``pair_values``
distinct values (today 30, ``MANY_VALUES``), on the data-level sets of
``bench_tabular_detect.py`` (the same sets, seeds ``--base`` + …).

Lending-club's trigger columns ``sub_grade`` (35 values) and ``addr_state`` (50) are left out
of pairs today, so a conjunction or ``tabular-values`` trigger on them relabelled towards the
95% class is never read as a pair. Each set is scored twice in the same process, the default
of stop 50 before h16c (``tie_outside=1``, pinned) and ``-p pair_values=N``; writes
PREFIX_default.json and PREFIX_candidate.json in
``bench_tabular_detect.py --json``'s row format for ``tabular_pairs_rule.py``, and prints one
table row per set (each ``wall_s`` is its scoring's time).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_pair_values.py --base 8200 \
        --pair-values 60 --out D/fresh_8200
"""

from __future__ import annotations

import argparse
import time

import torch

torch.set_num_threads(1)

from bench_tabular_detect import score, scored_sets, write_runs  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("--pair-values", type=int, required=True)
    parser.add_argument("--out", required=True, help="prefix of the two JSON files")
    args = parser.parse_args()
    # the label-groups default of when this ran (stop 50 before h16c: tie_outside=1), pinned so
    # that the committed block reproduces whatever today's default is
    base = {"pair_contrast": 1, "tie_outside": 1}
    runs = {"default": base, "candidate": {**base, "pair_values": args.pair_values}}
    rows: dict[str, list[dict]] = {k: [] for k in runs}
    print("| data | attack | target | poison | ROC-AUC default / candidate | TPR@FPR≤5% | "
          "flags TPR/FPR default | candidate | time default / candidate |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ds, name, target, seed, data, mask in scored_sets(args.base):
        for key, params in runs.items():
            t0 = time.perf_counter()
            result = detect_data(data, method="label-groups", **params)
            rows[key].append({"dataset": ds, "attack": name, "target": target, "seed": seed,
                              "poison": int(mask.sum()), "method": "label-groups",
                              **score(result, mask), "wall_s": time.perf_counter() - t0})
        d, c = rows["default"][-1], rows["candidate"][-1]
        print(f"| {ds} | {name} | {target if mask.any() else '–'} | {d['poison']} | "
              f"{_two(d, c, 'roc_auc', '.3f')} | {_two(d, c, 'tpr_at_5pct_fpr', '.2f')} | "
              f"{d['tpr']:.2f}/{d['fpr']:.3f} | {c['tpr']:.2f}/{c['fpr']:.3f} | "
              f"{d['wall_s']:.1f} / {c['wall_s']:.1f} s |", flush=True)
    write_runs(rows, args.out)


def _two(d: dict, c: dict, key: str, fmt: str) -> str:
    return f"{d[key]:{fmt}} / {c[key]:{fmt}}"


if __name__ == "__main__":
    main()
