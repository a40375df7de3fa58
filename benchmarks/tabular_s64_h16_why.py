"""What a tree's features lose between the whole clean split and 200-row files (issue 16 stop 64,
h16): per model of one library, each feature at the whole split and its range over the 200-row
files, then the clean and backdoored models' medians at each size.

On fresh 5300 the credit-default XGBoost backdoors read p >= 0.99 with the whole split and
0.07-0.55 on every 200-row file; this prints which of the band entry's features fall to the
clean trees' level when the file holds 200 rows.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s64_h16_why.py --whole W.json \
        --files F0.json F1.json F2.json [--arch xgboost] [--features tab_box,...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

FEATURES = "tab_box,tab_mass_group,tab_major_recur,tab_gap"


def by_name(path: str, arch: str) -> dict[str, dict]:
    rows = json.loads(Path(path).read_text())["rows"]
    return {r["name"]: r for r in rows if r["arch"] == arch}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--whole", required=True)
    ap.add_argument("--files", nargs="+", required=True)
    ap.add_argument("--arch", default="xgboost")
    ap.add_argument("--features", default=FEATURES)
    args = ap.parse_args()
    keys = args.features.split(",")
    whole = by_name(args.whole, args.arch)
    files = [by_name(p, args.arch) for p in args.files]
    names = sorted(n for n in whole if all(n in f for f in files))
    for n in names:
        w = whole[n]
        small = [f[n] for f in files]
        parts = []
        for k in ["probability", *keys]:
            at = [x["probability"] if k == "probability" else x["features"].get(k, 0.0)
                  for x in small]
            top = w["probability"] if k == "probability" else w["features"].get(k, 0.0)
            parts.append(f"{k.removeprefix('tab_')} {top:.2f} -> {min(at):.2f}-{max(at):.2f}")
        print(f"{n} (target {w['target']}): " + "; ".join(parts))
    for bd, what in ((False, "clean"), (True, "backdoored")):
        mine = [n for n in names if whole[n]["backdoored"] == bd]
        if not mine:
            continue
        parts = []
        for k in keys:
            top = np.median([whole[n]["features"].get(k, 0.0) for n in mine])
            at = np.median([f[n]["features"].get(k, 0.0) for n in mine for f in files])
            parts.append(f"{k.removeprefix('tab_')} {top:.2f} -> {at:.2f}")
        print(f"{what} ({len(mine)}) median, whole split -> 200-row files: " + "; ".join(parts))


if __name__ == "__main__":
    main()
