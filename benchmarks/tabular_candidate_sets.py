"""Issue 16 stop 51 (h16b): ``label-groups``' default against a candidate setting (``-p
key=value``, repeatable) on the data-level sets of ``bench_tabular_detect.py`` (the same sets,
seeds ``--base`` + …), every set scored both ways in the same process.

Writes PREFIX_default.json and PREFIX_candidate.json in ``bench_tabular_detect.py --json``'s
row format for ``tabular_pairs_rule.py``, and prints one table row per set (each ``wall_s``
is its scoring's time). Unlike ``tabular_pair_values.py`` nothing is pinned: "default" is
whatever label-groups' default is when it runs.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_candidate_sets.py --base 8800 \
        -p mirror=4 --out D/fresh_8800
"""

from __future__ import annotations

import argparse
import json
import time

import torch

torch.set_num_threads(1)

from bench_tabular_detect import score, scored_sets  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("-p", "--param", action="append", required=True,
                        help="the candidate's label-groups parameter NAME=VALUE")
    parser.add_argument("--out", required=True, help="prefix of the two JSON files")
    parser.add_argument("--beside", action="append", default=[],
                        help="a third setting scored in the same process (PREFIX_beside.json), "
                             "NAME=VALUE, repeatable: a candidate's rival (stop 77)")
    args = parser.parse_args()
    compare(args.base, {"default": {}, "candidate": params(args.param),
                        **({"beside": params(args.beside)} if args.beside else {})}, args.out)


def params(pairs: list[str]) -> dict[str, float]:
    """``["key=value", …]`` as ``label-groups`` parameters."""
    return {k: float(v) for k, v in (p.split("=", 1) for p in pairs)}


def compare(base: int, runs: dict[str, dict], out: str) -> None:
    """Score every set of ``base`` under ``runs["default"]`` and ``runs["candidate"]``
    (label-groups parameters; any other run too), print a row per set (the two), write
    OUT_<run>.json per run."""
    rows: dict[str, list[dict]] = {k: [] for k in runs}
    print("| data | attack | target | poison | ROC-AUC default / candidate | TPR@FPR≤5% | "
          "flags TPR/FPR default | candidate | time default / candidate |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ds, name, target, seed, data, mask in scored_sets(base):
        for key, params in runs.items():
            rows[key].append(scored_row(ds, name, target, seed, data, mask, params))
        d, c = rows["default"][-1], rows["candidate"][-1]
        print(f"| {ds} | {name} | {target if mask.any() else '–'} | {d['poison']} | "
              f"{_two(d, c, 'roc_auc', '.3f')} | {_two(d, c, 'tpr_at_5pct_fpr', '.2f')} | "
              f"{d['tpr']:.2f}/{d['fpr']:.3f} | {c['tpr']:.2f}/{c['fpr']:.3f} | "
              f"{d['wall_s']:.1f} / {c['wall_s']:.1f} s |", flush=True)
    for key in runs:
        with open(f"{out}_{key}.json", "w") as fh:
            json.dump(rows[key], fh, indent=2)


def scored_row(ds: str, name: str, target: int, seed: int | None, data, mask,
               params: dict) -> dict:
    """One set scored by ``label-groups`` with ``params``: a row of ``bench_tabular_detect.py
    --json``'s format, ``wall_s`` its scoring's time."""
    t0 = time.perf_counter()
    result = detect_data(data, method="label-groups", **params)
    return {"dataset": ds, "attack": name, "target": target, "seed": seed,
            "poison": int(mask.sum()), "method": "label-groups", **score(result, mask),
            "wall_s": time.perf_counter() - t0}


def _two(d: dict, c: dict, key: str, fmt: str) -> str:
    return f"{d[key]:{fmt}} / {c[key]:{fmt}}"


if __name__ == "__main__":
    main()
