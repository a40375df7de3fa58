"""Add a probe's draw-0 reading to ``foreign_zoo_detect.py`` rows that lack it (issue 9, stop
40): what ``detect`` would record on a run that also read that probe, for scoring a calibration
file that reads it with ``--recalibrate`` on development rows recorded before it was read.

The draws are ``raise_gap_draws.py --out`` lines (one per model, probe and seed); the draw with
seed ``--seed`` (0: ``detect``'s default seed, which seeds the probe's generator as ``auto``
does) gives ``<probe>_share_gap`` and ``<probe>_top_class`` in each matching row's report.
Rows that already hold the reading are kept as they are; a row without a draw is kept too and
counted, so a missing draw is said, never filled in.

    PYTHONPATH=src:benchmarks python benchmarks/add_probe_draws.py ROWS.jsonl DRAWS.jsonl \\
        --probe frame --out ROWS_WITH_FRAME.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import read_jsonl, run_main


def add_draws(
    rows: list[dict], draws: list[dict], probe: str, seed: int = 0
) -> tuple[list[dict], int, int]:
    """The rows with the probe's reading added where missing; (rows, added, without a draw)."""
    by_name = {d["name"]: d for d in draws if d["probe"] == probe and int(d["seed"]) == seed}
    gap_key, cls_key = f"{probe}_share_gap", f"{probe}_top_class"
    out, added, missing = [], 0, 0
    for row in rows:
        feats = (row.get("report") or {}).get("features")
        if feats is None or gap_key in feats:
            out.append(row)
            continue
        draw = by_name.get(row["name"])
        if draw is None:
            missing += 1
            out.append(row)
            continue
        report = {**row["report"], "features": {**feats, gap_key: float(draw["gap"]),
                                                cls_key: float(draw["top_class"])}}
        out.append({**row, "report": report})
        added += 1
    return out, added, missing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=Path, help="foreign_zoo_detect.py --out rows (with reports)")
    ap.add_argument("draws", type=Path, help="raise_gap_draws.py --out lines")
    ap.add_argument("--probe", default="frame")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rows, added, missing = add_draws(read_jsonl(args.rows), read_jsonl(args.draws), args.probe,
                                     args.seed)
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"{args.out}: {len(rows)} rows, {args.probe} reading added to {added}, "
          f"{missing} without a draw (kept without it)")


if __name__ == "__main__":
    run_main(main)
