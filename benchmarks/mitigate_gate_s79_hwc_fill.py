"""Which fresh runs the ``dense_gate=0`` candidate must be scored on, and the candidate's rows
for the others (issue 12, stop 79 hwc).

``dense_gate`` is read only where the detector rated a model below the gate, the stripe gate
stayed closed, and the model is a dense image model (``gated.Gated._purify``: ``p < gate and
not force and not stripe_opens(...) and not dense_opens(...)``). Everywhere else ``gated``
takes the same path with the same seed, so the candidate's row is today's. This script reads
today's rows (``mitigate_class_s78_hwc_score.py``, variant ``today``) and

* ``runs``: prints ``NAME=RUN@CLEAN`` for each MLP run today handed back as "not treated: the
  detector found no backdoor" (the candidate's runs to score);
* ``fill``: prints, as JSON lines, the candidate's rows for every other run: today's row with
  ``variant`` set to the candidate's label and ``"same_as": "today"``.

    python benchmarks/mitigate_gate_s79_hwc_fill.py runs TODAY.jsonl FRESH_DIR
    python benchmarks/mitigate_gate_s79_hwc_fill.py fill TODAY.jsonl FRESH_DIR [--label dg0]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

GATED_OUT = "not treated: the detector found no backdoor"


def gated_out(row: dict) -> bool:
    """Today's ``gated`` handed this dense model back on the detector's p alone."""
    return (row["rc"] == 0 and row["arch"] == "mlp"
            and str(row.get("action", "")).startswith(GATED_OUT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("runs", "fill"))
    parser.add_argument("today", type=Path)
    parser.add_argument("fresh", type=Path, help="the folder holding sSEED/runs/{a,b}")
    parser.add_argument("--label", default="dg0")
    args = parser.parse_args()
    rows = [json.loads(x) for x in args.today.read_text().splitlines() if x.strip()]
    for row in rows:
        if row["variant"] != "today":
            continue
        if args.what == "runs" and gated_out(row):
            seed, run = row["name"][:-1], row["name"][-1]
            folder = args.fresh / f"s{seed}"
            print(f"{row['name']}={folder / 'runs' / run}@{folder / 'clean.npz'}")
        elif args.what == "fill" and not gated_out(row):
            print(json.dumps(row | {"variant": args.label, "same_as": "today"}))


if __name__ == "__main__":
    main()
