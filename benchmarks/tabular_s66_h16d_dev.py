"""Issue 16 stop 66 (h16d), development only: ``label-groups``' default against a candidate
(``-p key=value``) on a chosen part of ``bench_tabular_detect.py``'s sets of spent bases
(``--table``, ``--target``: the sets towards one label, with each table's clean set;
``--attack``: one attack's sets only), every
set scored both ways in the same process; prints flags TPR/FPR, TPR at FPR <= 5% and time,
and writes PREFIX_default.json / PREFIX_candidate.json (``--out``).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s66_h16d_dev.py --base 15100 \
        --table lending-club --target 0 -p covers=1 --out D/dev_15100_lc0
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
    parser.add_argument("--target", type=int, default=None, help="only sets towards it")
    parser.add_argument("--attack", default=None, help="only this attack's sets")
    parser.add_argument("-p", "--param", action="append", required=True,
                        help="the candidate's label-groups parameter NAME=VALUE")
    parser.add_argument("--out", default=None, help="prefix of the two JSON files")
    args = parser.parse_args()
    cand = {k: float(v) for k, v in (p.split("=", 1) for p in args.param)}
    rows: dict[str, list[dict]] = {"default": [], "candidate": []}
    print("| data | attack | target | seed | poison | flags TPR/FPR default | candidate | "
          "TPR@FPR≤5% default / candidate | time default / candidate |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ds, name, target, seed, data, mask in scored_sets(args.base):
        if args.table and ds != args.table:
            continue
        if args.target is not None and mask.any() and target != args.target:
            continue
        if args.attack and name != args.attack:
            continue
        d = scored_row(ds, name, target, seed, data, mask, {})
        c = scored_row(ds, name, target, seed, data, mask, cand)
        rows["default"].append(d)
        rows["candidate"].append(c)
        print(f"| {ds} | {name} | {target if mask.any() else '–'} | {seed} | {d['poison']} | "
              f"{d['tpr']:.2f}/{d['fpr']:.3f} | {c['tpr']:.2f}/{c['fpr']:.3f} | "
              f"{d['tpr_at_5pct_fpr']:.2f} / {c['tpr_at_5pct_fpr']:.2f} | "
              f"{d['wall_s']:.1f} / {c['wall_s']:.1f} s |", flush=True)
    if args.out:
        for key, run in rows.items():
            with open(f"{args.out}_{key}.json", "w") as fh:
                json.dump(run, fh, indent=2)


if __name__ == "__main__":
    main()
