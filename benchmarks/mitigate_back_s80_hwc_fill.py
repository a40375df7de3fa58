"""Which fresh runs the ``dense_fall=1`` candidate must be scored on, and the candidate's rows
for the others (issue 12, stop 80 hwc).

``dense_fall`` is read only where ``dense_gate`` opened (a dense image model the detector rated
below the gate) and the residual probe ran, so never where ``dense_mask`` or ``mask_black``
replaced the stages (``gated_handback.hand_back``; ``dense_fall.stripe_only``): everywhere else
``gated`` takes today's path with today's seed and images, so the candidate's row is today's
(``tests/mitigate/test_dense_fall_s80_hwc.py`` shows a flagged model and the default
untouched). The same holds for ``dense_back``, which sets its share apart only there.
This script reads today's rows (``mitigate_class_s78_hwc_score.py``, variant
``today``) and

* ``runs``: prints ``NAME=RUN@CLEAN`` for each MLP run today rated below the gate and not
  treated by ``dense_mask`` / ``mask_black`` (a superset: where the stripe gate opened first,
  ``dense_gate`` is not read, and where the trigger fell the probe decides as today: there the
  candidate's real row equals today's);
* ``fill``: prints, as JSON lines, the candidate's rows for every other run: today's row with
  ``variant`` set to the candidate's label and ``"same_as": "today"``.

    python benchmarks/mitigate_back_s80_hwc_fill.py runs TODAY.jsonl FRESH_DIR
    python benchmarks/mitigate_back_s80_hwc_fill.py fill TODAY.jsonl FRESH_DIR [--label df]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

READING = re.compile(r"p=([0-9.]+) \(gate ([0-9.]+)\)")
REPLACED = ("treated with dense_mask", "treated with mask_black")


def under_gate(row: dict) -> bool:
    """Today's ``gated`` rated this run below its gate (the detector's reading in the row)."""
    got = READING.search(str(row.get("detector") or ""))
    return bool(got) and float(got.group(1)) < float(got.group(2))


def reaches(row: dict) -> bool:
    """``dense_back`` may set a share apart on this run: a dense model (``mlp``) rated below
    the gate whose stages ``dense_mask`` / ``mask_black`` did not replace."""
    return (row["rc"] == 0 and row["arch"] == "mlp" and under_gate(row)
            and not str(row.get("action", "")).startswith(REPLACED))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("runs", "fill"))
    parser.add_argument("today", type=Path)
    parser.add_argument("fresh", type=Path, help="the folder holding sSEED/runs/{a,b}")
    parser.add_argument("--label", default="df")
    args = parser.parse_args()
    rows = [json.loads(x) for x in args.today.read_text().splitlines() if x.strip()]
    for row in rows:
        if row["variant"] != "today":
            continue
        if args.what == "runs" and reaches(row):
            seed, run = row["name"][:-1], row["name"][-1]
            folder = args.fresh / f"s{seed}"
            print(f"{row['name']}={folder / 'runs' / run}@{folder / 'clean.npz'}")
        elif args.what == "fill" and not reaches(row):
            print(json.dumps(row | {"variant": args.label, "same_as": "today"}))


if __name__ == "__main__":
    main()
