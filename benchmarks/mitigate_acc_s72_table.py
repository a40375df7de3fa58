"""Issue 12, stop 72 (h12a; development): where each model's accuracy went, from the rows of
``mitigate_acc_s72_read.py``.

Per model (the first row of a name wins): the CA change in points and the ASR after the first
stage, after the second stage's first and last rounds, at the stages' output, what ``mixed_last``
and ``teach_last`` moved, and the output; the projection's cost reading where a projection was
kept and the projected model handed back (the method's own clean images: the input model's
accuracy less the projected model's);
then, per family, how many are at issue 12's goal and where their losses sit (the median points
each place took).

    python benchmarks/mitigate_acc_s72_table.py ROWS.jsonl [ROWS.jsonl ...]
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from pathlib import Path

from _common import read_jsonl, run_main

GOAL_ASR, GOAL_LOSS = 0.02, 0.02


def at_goal(row: dict) -> bool:
    """Issue 12's goal: ASR at most 2% and at most 2 points of CA lost (1e-9 slack)."""
    asr = row.get("asr_after")
    return row["ca_before"] - row["ca_after"] <= GOAL_LOSS + 1e-9 and (
        asr is None or asr <= GOAL_ASR + 1e-9)


def places(row: dict) -> dict[str, float]:
    """The CA points each place moved (negative: lost): the first stage, the second stage's
    rounds, ``teach_last``, ``mixed_last`` and every other step after the stages."""
    pts = row["points"]
    base = pts[0]["ca"]
    at = {p["at"]: p["ca"] for p in pts}
    moved: dict[str, float] = {}
    first = at.get("first", base)
    moved["first stage"] = 100 * (first - base)
    stages = at.get("stages", first)
    moved["second stage (or the hand-back)"] = 100 * (stages - first)
    before = stages
    for p in pts:
        if p["at"] in ("input", "first", "round", "stages"):
            continue
        moved[p["at"]] = moved.get(p["at"], 0.0) + 100 * (p["ca"] - before)
        before = p["ca"]
    return moved


def line(row: dict) -> str:
    """One model's path: CA change / ASR at each named point, and the projection's cost."""
    pts = row["points"]
    base = pts[0]["ca"]
    rounds = [p for p in pts if p["at"] == "round"]
    shown = [p for p in pts if p["at"] == "first"]
    if rounds:
        shown += [rounds[0], rounds[-1]] if len(rounds) > 1 else rounds
    shown += [p for p in pts if p["at"] in ("stages", "teach_last", "mixed_last")]
    path = " | ".join(f"{p['at']} {100 * (p['ca'] - base):+.1f}/{100 * p['asr']:.1f}%"
                      for p in shown)
    cost = ""
    report = row.get("report", {})
    if "projected model is returned" in str(report.get("action", "")):
        stages = next((p for p in pts if p["at"] == "stages"), None)
        if stages is not None and "fit" in stages:
            cost = f" | projected model handed back, cost {pts[0]['fit'] - stages['fit']:.3f}"
    goal = "ok" if at_goal(row) else "MISS"
    asr = row.get("asr_after")
    return (f"{row['name']} ({row['family']}): {100 * (row['ca_after'] - row['ca_before']):+.1f}"
            f"/{'-' if asr is None else f'{100 * asr:.1f}%'} {goal} <- {path}{cost}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", nargs="+", type=Path)
    args = ap.parse_args()
    seen: dict[str, dict] = {}
    for path in args.rows:
        for row in read_jsonl(path):
            seen.setdefault(row["name"], row)
    by_family: dict[str, list[dict]] = defaultdict(list)
    for name in sorted(seen):
        row = seen[name]
        print(line(row))
        by_family[row["family"]].append(row)
    print()
    for family, rows in sorted(by_family.items()):
        ok = sum(at_goal(r) for r in rows)
        moves: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            for place, points in places(r).items():
                moves[place].append(points)
        where = ", ".join(f"{k} {statistics.median(v):+.1f} (worst {min(v):+.1f}, {len(v)})"
                          for k, v in moves.items())
        print(f"{family}: {ok}/{len(rows)} at the goal; median points moved: {where}")


if __name__ == "__main__":
    run_main(main)
