"""Issue 16 stop 67 (h16d), development only: chosen sets of spent data-level bases (by seed,
or a base's sets of one table) scored by ``label-groups`` under named settings, each set under
every setting in the same process; one JSON file of rows per setting (``bench_tabular_detect.py
--json``'s format, plus ``cpu_s``: the scoring's process CPU seconds) and a row per set.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s67_h16d_dev.py --seeds 15357 15156 \
        -r c2:covers=2 -r c1:covers=1 --out D/dev_conj1
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s67_h16d_dev.py --base 15100 \
        --table lending-club -r c2:covers=2 --out D/dev_15100_lc
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import benchmark_sets, materialize, poisoned_set, score  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402


def parse_run(text: str) -> tuple[str, dict]:
    """``NAME:key=value,key=value`` (``NAME:`` alone: today's default) → (name, params)."""
    name, _, rest = text.partition(":")
    params = {k: float(v) for k, v in (p.split("=", 1) for p in rest.split(",") if p)}
    return name, params


def chosen_sets(seeds: list[int] | None, base: int | None, table: str | None, clean: bool):
    """``(table, attack, target, seed, rows, mask)`` of the sets asked for: by seed (their
    bases' sets, the clean sets with ``clean``), or every set of ``base`` (of ``table``)."""
    bases = sorted({s - s % 100 for s in seeds}) if seeds else [base]
    for b in bases:
        for ds, train, name, target, seed in benchmark_sets(b):
            if table and ds != table:
                continue
            if seed is None:
                if clean or not seeds:
                    yield ds, name, target, seed, materialize(train), np.zeros(len(train), bool)
                continue
            if seeds and seed not in seeds:
                continue
            yield ds, name, target, seed, *poisoned_set(name, train, target, seed)


def scored(ds: str, name: str, target: int, seed, data, mask, params: dict) -> dict:
    """One set scored by ``label-groups`` with ``params``: its row, with wall and CPU time."""
    t0, c0 = time.perf_counter(), time.process_time()
    result = detect_data(data, method="label-groups", **params)
    return {"dataset": ds, "attack": name, "target": target, "seed": seed,
            "poison": int(mask.sum()), "method": "label-groups", **score(result, mask),
            "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--base", type=int, default=None)
    parser.add_argument("--table", default=None, help="only this table's sets")
    parser.add_argument("--clean", action="store_true", help="with --seeds: the clean sets too")
    parser.add_argument("-r", "--run", action="append", required=True,
                        help="NAME:key=value,... (NAME: alone is the default)")
    parser.add_argument("--out", required=True, help="prefix of the JSON files")
    args = parser.parse_args()
    if (args.seeds is None) == (args.base is None):
        parser.error("give --seeds or --base")
    runs = dict(parse_run(r) for r in args.run)
    rows: dict[str, list[dict]] = {k: [] for k in runs}
    print("| data | attack | target | seed | poison | " +
          " | ".join(f"{k} TPR/FPR, TPR@5%, cpu" for k in runs) + " |", flush=True)
    for ds, name, target, seed, data, mask in chosen_sets(args.seeds, args.base, args.table,
                                                          args.clean):
        cells = []
        for key, params in runs.items():
            r = scored(ds, name, target, seed, data, mask, params)
            rows[key].append(r)
            cells.append(f"{r['tpr']:.2f}/{r['fpr']:.3f}, {r['tpr_at_5pct_fpr']:.2f}, "
                         f"{r['cpu_s']:.0f} s")
        print(f"| {ds} | {name} | {target} | {seed} | {int(mask.sum())} | " +
              " | ".join(cells) + " |", flush=True)
        for key in runs:
            with open(f"{args.out}_{key}.json", "w") as fh:
                json.dump(rows[key], fh, indent=2)


if __name__ == "__main__":
    main()
