"""How often each probe's easiest class is the backdoor target, per trigger family, from rows
with probe statistics (``probe_rows.py --probes uap,ts,stripes``); and the median log ratio of
backdoored and clean models. Issue 9's check of the striped universal perturbation.

    python benchmarks/stripe_targets.py benchmarks/out/gen_rows_probe_stripes.json
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

PROBES = {"free": "eps50", "stripes": "stripe_eps50", "trigger search": "ts_norms"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=Path, nargs="+")
    args = ap.parse_args()
    rows = [r for path in args.rows for r in json.loads(path.read_text())]
    by_family: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_family[r["trigger_family"] if r["backdoored"] else "clean"].append(r)
    names = list(PROBES)
    print("| trigger family | models | " + " | ".join(
        f"{n}: target easiest | {n}: median log ratio" for n in names) + " |")
    print("|" + "---|" * (2 + 2 * len(names)))
    for family, members in sorted(by_family.items()):
        cells = []
        for key in PROBES.values():
            sizes = [np.array(r["probe"][key]) for r in members]
            ratios = [float(np.log(np.median(s) / max(s.min(), 1e-3))) for s in sizes]
            if family == "clean":
                cells.append("")
            else:
                pairs = zip(sizes, members, strict=True)
                hits = sum(int(s.argmin()) == r["target"] for s, r in pairs)
                cells.append(f"{hits}/{len(members)}")
            cells.append(f"{np.median(ratios):.2f}")
        print(f"| {family} | {len(members)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
