"""Why a flagged backdoored network's target is wrong at 200 rows (issue 16 stop 45).

Reads committed ``tabular_small_clean.py --detect`` rows (networks read with distilled twins:
each searched class's ``excess`` against the linear reference and ``excess_vs_twins``) and,
among the backdoored networks flagged (p >= 0.5), counts the target named right by three
orders read off the same reading: ``linear`` (largest ``excess``: today's default), ``twins``
(largest ``excess_vs_twins``) and ``sum`` (largest sum: ``twin_order=1``), per zoo; with
``--misses`` one line per model the linear order names wrongly (its margin over the true
target, the attack).

    python benchmarks/tabular_target_order.py ROWS.json... [--misses]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

ORDERS = {
    "linear": lambda c: c["excess"],
    "twins": lambda c: c["excess_vs_twins"],
    "sum": lambda c: c["excess"] + c["excess_vs_twins"],
}


def named(classes: dict[str, dict[str, float]], order: str) -> int:
    """The class an order names first (ties: the lower class, as a stable sort would)."""
    key = ORDERS[order]
    return int(max(sorted(classes, key=int), key=lambda c: key(classes[c])))


def flagged_networks(rows: list[dict]) -> list[dict]:
    """Backdoored networks flagged (p >= 0.5) whose every class holds both excesses."""
    return [r for r in rows if r.get("arch") == "mlp" and r.get("backdoored")
            and r.get("probability", 0.0) >= 0.5 and r.get("classes")
            and all("excess_vs_twins" in c for c in r["classes"].values())]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", nargs="+", type=Path)
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for path in args.rows:
        for r in flagged_networks(json.loads(path.read_text())["rows"]):
            key = f"{path.name}:{r['zoo']}:d{r.get('draw', 0)}"
            tally[key]["n"] += 1
            for order in ORDERS:
                tally[key][order] += named(r["classes"], order) == r["target"]
            if args.misses and named(r["classes"], "linear") != r["target"]:
                c = r["classes"]
                t, o = str(r["target"]), str(named(c, "linear"))
                print(f"miss {key} {r['name']} target {t} named {o}: excess {c[t]['excess']:.2f}"
                      f" vs {c[o]['excess']:.2f}, vs_twins {c[t]['excess_vs_twins']:.2f} vs "
                      f"{c[o]['excess_vs_twins']:.2f}, p {r['probability']:.2f}")
    total: dict[str, int] = defaultdict(int)
    print(f"{'reading':60s} flagged " + " ".join(f"{o:>7s}" for o in ORDERS))
    for key in sorted(tally):
        print(f"{key:60s} {tally[key]['n']:7d} "
              + " ".join(f"{tally[key][o]:7d}" for o in ORDERS))
        for k, v in tally[key].items():
            total[k] += v
    n = max(total["n"], 1)
    print(f"{'all':60s} {total['n']:7d} "
          + " ".join(f"{total[o]:3d} {100 * total[o] / n:3.0f}%" for o in ORDERS))


if __name__ == "__main__":
    main()
