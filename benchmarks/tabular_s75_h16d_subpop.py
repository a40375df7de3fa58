"""Issue 16 stop 75 (h16d), development only: how many rows ``tabular-subpopulation``'s zoo draw
poisons on each bundled table towards each target (no scoring). The attack poisons
``round(poison_rate × pool)`` rows, the pool being the rows of the sub-population (the most
common value of a categorical column drawn with the seed) not of the target class, and
``poison_rate`` drawn in [0.05, 0.15]; towards ``lending-club``'s 95% class the pool is a slice
of its 5% class-1 rows. Per spent base: the column and value drawn, the pool, the rate, the
rows poisoned; then per table and target how many draws poison fewer than ``--floor`` rows
(``label-groups``' ``min_rows``, 5).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16d_subpop.py --bases 16900 17000
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import benchmark_sets  # noqa: E402
from trojanscope import registry  # noqa: E402

NAME = "tabular-subpopulation"


def drawn(train, target: int, seed: int) -> dict:
    """The draw's column and value, pool, rate and rows poisoned (as ``poisoned_set`` makes
    the attack)."""
    cls = registry.get("attack", NAME)
    params = cls.sample_params(np.random.default_rng(seed))
    trigger = dict(params.pop("trigger"))
    attack = registry.create("attack", NAME, target=target, seed=seed,
                             poison_rate=params["poison_rate"],
                             trigger=registry.create("trigger", trigger.pop("name"), **trigger))
    attack._inside = attack.members(train)
    pool = attack.eligible(train.labels.numpy())
    return {"where": attack.where, "pool": len(pool), "rate": params["poison_rate"],
            "rows": round(params["poison_rate"] * len(pool))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", type=int, nargs="+", required=True)
    parser.add_argument("--floor", type=int, default=5)
    args = parser.parse_args()
    tally: dict[tuple[str, int], list[int]] = defaultdict(list)
    print("| table | target | seed | sub-population | pool | rate | rows poisoned |")
    print("|---|---|---|---|---|---|---|")
    for base in args.bases:
        for ds, train, name, target, seed in benchmark_sets(base, conjunctions=False):
            if name != NAME:
                continue
            d = drawn(train, target, seed)
            tally[(ds, target)].append(d["rows"])
            print(f"| {ds} | {target} | {seed} | {d['where']} | {d['pool']} | {d['rate']:.3f} | "
                  f"{d['rows']} |", flush=True)
    print(f"\n| table | target | draws | rows poisoned (min / median / max) | under {args.floor} |")
    print("|---|---|---|---|---|")
    for (ds, target), rows in tally.items():
        print(f"| {ds} | {target} | {len(rows)} | {min(rows)} / {int(np.median(rows))} / "
              f"{max(rows)} | {sum(r < args.floor for r in rows)} |")


if __name__ == "__main__":
    main()
