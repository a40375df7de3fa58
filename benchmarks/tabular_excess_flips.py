"""Each backdoor's flip rate beyond the clean models of its recipe (issue 16, stop 35).

For every backdoor of the zoos given (``zoo.status`` backdoored by CA and ASR; an old zoo's
lending-club target-0 slots included, their flip rate is measured here), the flip rate of
the backdoored model on the rows it does not already give the target, the same trigger's
flip rate on each clean model of its architecture in the same zoo, and the excess
(:func:`trojanscope.zoo_excess.excess_flips`). Prints the excess per table x library x target
and how many backdoors each floor would keep; ``--json`` writes one row per backdoor in the
form ``bench_tabular_target0.py --inert`` reads (``--labels excess``).

    PYTHONPATH=src python benchmarks/tabular_excess_flips.py --zoo ZOO... [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from trojanscope.zoo import read_truth  # noqa: E402
from trojanscope.zoo_excess import excess_flips  # noqa: E402

FLOORS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


def zoo_rows(zoo: str) -> list[dict]:
    dataset, entries = read_truth(zoo)
    figures = excess_flips(zoo, dataset, entries)
    rows = []
    for e in entries:
        f = figures.get(e.name)
        if f is None:
            continue
        rows.append(
            {
                "zoo": Path(zoo).name,
                "dataset": dataset,
                "name": e.name,
                "arch": e.arch,
                "attack": e.attack,
                "target": e.target,
                "backdoored": True,
                "asr": e.metrics.get("attack_success_rate"),
                "already": float("nan"),
                **f,
            }
        )
        r = rows[-1]
        print(
            f"{r['zoo']} {e.name} {e.arch} t{e.target} flip {r['flip_rate']:.3f} "
            f"({r['n_flippable']}) clean {r['clean_flip_rate']:.3f} "
            f"(n {len(r['clean_flip_rates'])}) excess {r['excess_flip_rate']:.3f}",
            flush=True,
        )
    return rows


def summary(rows: list[dict]) -> None:
    groups = defaultdict(list)
    for r in rows:
        groups[(r["dataset"], r["arch"], r["target"])].append(r)
    print(
        "\n| table | library | target | n | flip rate min / median | clean flip rate median "
        "(max) | excess min / median | " + " | ".join(f"≥ {x:.1f}" for x in FLOORS) + " |"
    )
    print("|---|---|---|---|---|---|---|" + "---|" * len(FLOORS))
    for key in [*sorted(groups), ("all", "", "")]:
        rs = rows if key[0] == "all" else groups[key]
        ok = [r for r in rs if r["n_flippable"] >= 10 and r["flip_rate"] >= 0.5]
        ex = np.array([r["excess_flip_rate"] for r in ok], dtype=float)
        cl = np.array([r["clean_flip_rate"] for r in ok], dtype=float)
        fl = np.array([r["flip_rate"] for r in ok], dtype=float)
        inert = len(rs) - len(ok)
        if not len(ok):
            print(
                f"| {' | '.join(map(str, key))} | {len(rs)} (inert {inert}) | – | – | – |"
                + " 0 |" * len(FLOORS)
            )
            continue
        counts = " | ".join(str(int(np.sum(ex >= x))) for x in FLOORS)
        print(
            f"| {' | '.join(map(str, key))} | {len(rs)} (inert {inert}) | "
            f"{fl.min():.2f} / {np.median(fl):.2f} | {np.nanmedian(cl):.2f} "
            f"({np.nanmax(cl):.2f}) | {np.nanmin(ex):.2f} / {np.nanmedian(ex):.2f} | "
            f"{counts} |"
        )


def clean_null(rows: list[dict]) -> None:
    """The excess a *clean* model shows under the same triggers: each clean model's flip rate
    less the mean of the other clean models of its architecture in its zoo (every backdoor's
    trigger, every clean model with a figure). A floor on the backdoors' excess above this
    null's largest value counts no clean model as a backdoor."""
    null = []
    for r in rows:
        c = [v for v in r["clean_flip_rates"] if v == v]
        for i, v in enumerate(c):
            if len(c) >= 2:
                null.append(
                    (v - float(np.mean(c[:i] + c[i + 1 :])), r["zoo"], r["name"], r["arch"])
                )
    if not null:
        return
    a = np.array([n[0] for n in null])
    top = max(null)
    print(
        f"\nclean models against their siblings ({len(a)} pairs of a clean model and a "
        f"trigger): median {np.median(a):.3f}, 95th {np.percentile(a, 95):.3f}, 99th "
        f"{np.percentile(a, 99):.3f}, max {a.max():.3f} ({top[1]}/{top[2]}, {top[3]})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", nargs="+", required=True)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    rows = [r for zoo in args.zoo for r in zoo_rows(zoo)]
    summary(rows)
    clean_null(rows)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1, default=float)


if __name__ == "__main__":
    main()
