"""Issue 16 stop 56 (h16): ``label-groups``' default against several ``deficit_weight``
values on the data-level sets of ``bench_tabular_detect.py`` (``--base``, optionally one
table), every set scored every way in one process. A development sweep (spent seeds only):
prints a row per set (flags TPR/FPR per run) and writes OUT_<run>.json in
``bench_tabular_detect.py --json``'s row format.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_deficit_weight_dev.py --base 9800 \
        --table credit-default --weights 2 3 4 --out D/dev_9800
"""

from __future__ import annotations

import argparse
import json

import torch

torch.set_num_threads(1)

from bench_tabular_detect import scored_sets  # noqa: E402
from tabular_candidate_sets import scored_row  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("--table", default=None, help="only this table's sets")
    parser.add_argument("--attack", default=None, help="only this attack's sets")
    parser.add_argument("--weights", type=float, nargs="+", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    runs = {"default": {}, **{f"w{w:g}": {"deficit_weight": w} for w in args.weights}}
    rows: dict[str, list[dict]] = {k: [] for k in runs}
    print("| data | attack | target | seed | poison | " + " | ".join(runs) + " |")
    for ds, name, target, seed, data, mask in scored_sets(args.base):
        if (args.table and ds != args.table) or (args.attack and name != args.attack):
            continue
        cells = []
        for key, params in runs.items():
            row = scored_row(ds, name, target, seed, data, mask, params)
            rows[key].append(row)
            cells.append(f"{row['tpr']:.2f}/{row['fpr']:.3f}")
        print(f"| {ds} | {name} | {target if mask.any() else '–'} | {seed} | "
              f"{int(mask.sum())} | " + " | ".join(cells) + " |", flush=True)
    for key in runs:
        with open(f"{args.out}_{key}.json", "w") as fh:
            json.dump(rows[key], fh, indent=1)


if __name__ == "__main__":
    main()
