"""Issue 16 stop 65 (h16d): the table verdict's levels judged again from stored rows
(``tabular_table_verdict.py``'s rows files, each set's or table's three best groups with their
evidence): per population, dirty-label sets at the goal kept by each level and the sets lost,
clean tables judged poisoned (synthetic and real apart), and with ``--alarms`` why each clean
table is judged poisoned. Rows stored before stop 65 hold no ``lift``; ``--no-lift`` reads the
high-score bar of ``verdict=5`` as met there (so it is not judged on them).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s65_h16d_dev.py \\
        --dirty D/dev_10200_default.json … --clean D/dev_real_dev_default.json … --levels 4 5
"""

from __future__ import annotations

import argparse
import json

from tabular_pairs_rule import meets
from trojanscope.detect.data.table_verdict import verdict_at


def load(paths: list[str], no_lift: bool = False) -> list[dict]:
    """Rows of every file; with ``no_lift`` each group without ``lift`` gets one that passes."""
    rows: list[dict] = []
    for path in paths:
        with open(path) as fh:
            rows += json.load(fh)
    if no_lift:
        for r in rows:
            for g in r["top"]:
                g.setdefault("lift", float("inf"))
    return rows


def judged(row: dict, level: int) -> bool:
    return verdict_at(level, row["top"], [""] * len(row["top"])).poisoned


def synthetic(row: dict) -> bool:
    return row["dataset"].startswith("synthetic-")


def report(dirty: list[dict], clean: list[dict], level: int, alarms: bool) -> str:
    """One table row for ``level``: sets kept, lost, clean tables judged poisoned."""
    today = [r for r in dirty if meets(r)]
    kept = [r for r in today if judged(r, level)]
    lost = [f"{r['dataset']} {r['attack']} {r['target']} {r['seed']}" for r in today
            if not judged(r, level)]
    bundled = sum(judged(r, level) for r in dirty if r["poison"] == 0)
    syn = [r for r in clean if synthetic(r)]
    real = [r for r in clean if not synthetic(r)]
    line = (f"| {level} | {len(kept)} of {len(today)} (lost: {', '.join(lost) or 'none'}) | "
            f"{bundled} of {sum(r['poison'] == 0 for r in dirty)} | "
            f"{sum(judged(r, level) for r in syn)} of {len(syn)} | "
            f"{sum(judged(r, level) for r in real)} of {len(real)} |")
    if alarms:
        for r in clean:
            v = verdict_at(level, r["top"], [f"group {i}" for i in range(len(r["top"]))])
            if v.poisoned:
                line += f"\n  - {r['dataset']}: " + "; ".join(v.reasons)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dirty", nargs="*", default=[])
    parser.add_argument("--clean", nargs="*", default=[])
    parser.add_argument("--levels", nargs="+", type=int, default=[4, 5])
    parser.add_argument("--no-lift", action="store_true")
    parser.add_argument("--alarms", action="store_true")
    args = parser.parse_args()
    dirty, clean = load(args.dirty, args.no_lift), load(args.clean, args.no_lift)
    print(f"{sum(r['poison'] > 0 for r in dirty)} dirty-label sets "
          f"({sum(meets(r) for r in dirty)} at the goal today), {len(clean)} clean tables\n")
    print("| verdict | dirty-label sets at the goal kept | bundled clean sets judged poisoned "
          "| synthetic clean tables judged poisoned | real clean tables judged poisoned |")
    print("|---|---|---|---|---|")
    for level in args.levels:
        print(report(dirty, clean, level, args.alarms))


if __name__ == "__main__":
    main()
