"""Stored bound-ranked readings with the target named as today's reading of the same file
names it: what ``-p box_rank=bound_lightgbm -p box_target=deficit`` gives, from readings
already taken (issue 16 stop 68, h16; development only).

With ``box_target=deficit`` a tree ranked by bound is scored by its bound reading's features
while its target is named by the most missed leaves' box excess, as today's reading names it
(the search, the mass and the reference are the same on the same file and seed); the tests
check a fresh reading against this. Writes ``--bound``'s rows with each ``predicted_target``
taken from ``--today``'s row of the same zoo, model and draw. ``--check READ.json``: readings
taken with ``-p box_rank=bound_lightgbm -p box_target=deficit`` of the same files, each
compared with its written row (features and target); a difference is an error.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s68_h16_named.py \
        --bound B.json --today T.json --out OUT.json [--check READ.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def named(bound: list[dict], today: list[dict]) -> list[dict]:
    """``bound``'s rows with today's target of the same (zoo, name, draw)."""
    target = {(r["zoo"], r["name"], r["draw"]): r["predicted_target"] for r in today}
    missing = [r["name"] for r in bound if (r["zoo"], r["name"], r["draw"]) not in target]
    if missing:
        raise SystemExit(f"error: no reading of today for {', '.join(missing[:5])}")
    return [{**r, "predicted_target": target[(r["zoo"], r["name"], r["draw"])]} for r in bound]


def check(rows: list[dict], read: list[dict]) -> int:
    """Each reading of ``read`` against the row of ``rows`` for the same (zoo, name, draw):
    the largest feature difference and whether the targets agree, printed; returns how many
    differ."""
    mine = {(r["zoo"], r["name"], r["draw"]): r for r in rows}
    bad = 0
    for r in read:
        w = mine[(r["zoo"], r["name"], r["draw"])]
        diff = max(abs(v - w["features"][f]) for f, v in r["features"].items())
        same = diff <= 1e-9 and r["predicted_target"] == w["predicted_target"]
        bad += not same
        print(f"{r['zoo']}/{r['name']} draw {r['draw']}: target read {r['predicted_target']}, "
              f"written {w['predicted_target']}; largest feature difference {diff:.1e}"
              f"{'' if same else '  DIFFERS'}")
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bound", type=Path, required=True)
    ap.add_argument("--today", type=Path, nargs="+", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--check", type=Path)
    args = ap.parse_args()
    data = json.loads(args.bound.read_text())
    today = [r for p in args.today for r in json.loads(p.read_text())["rows"]]
    data["rows"] = named(data["rows"], today)
    args.out.write_text(json.dumps(data, indent=1))
    print(f"wrote {args.out}: {len(data['rows'])} rows")
    if args.check:
        bad = check(data["rows"], json.loads(args.check.read_text())["rows"])
        if bad:
            raise SystemExit(f"error: {bad} readings differ from the written rows")


if __name__ == "__main__":
    main()
