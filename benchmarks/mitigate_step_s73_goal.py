"""Issue 12, stop 73 (h12a; development): what one step of `gated` did to issue 12's goal, read
on stored rows of ``mitigate_acc_s72_read.py`` (no run).

For each row of the family: the model at the point before the step and after it (CA change in
points against the input model and ASR on the 800 scored images, read for the diagnosis only),
whether each is at the goal (ASR <= 2%, CA loss <= 2 points), and the counts the step gained and
lost. A row where the step is not marked (it did not run) is counted as unchanged.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_step_s73_goal.py ROWS.jsonl... \
        [--family badnets] [--before teach_last] [--step mixed_last]

A missing file is one error line. Rows named twice are read once (the first).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import fail, read_jsonl, run_main

GOAL_ASR, GOAL_LOSS = 0.02, 0.02  # issue 12's goal
TOL = 1e-9


def at_goal(base: float, point: dict) -> bool:
    """Whether ``point`` (ca, asr) is at issue 12's goal against the input's CA ``base``."""
    return point["asr"] <= GOAL_ASR + TOL and base - point["ca"] <= GOAL_LOSS + TOL


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", nargs="+", type=Path)
    ap.add_argument("--family", default="badnets")
    ap.add_argument("--before", default="teach_last")
    ap.add_argument("--step", default="mixed_last")
    args = ap.parse_args()
    for path in args.rows:
        if not path.is_file():
            fail(f"{path}: no such file")
    seen: set[str] = set()
    gained, lost, n = [], [], 0
    for path in args.rows:
        for row in read_jsonl(path):
            if row["family"] != args.family or row["name"] in seen:
                continue
            seen.add(row["name"])
            marks = {p["at"]: p for p in row["points"]}
            if args.before not in marks:
                continue
            n += 1
            base, before = row["points"][0]["ca"], marks[args.before]
            after = marks.get(args.step, before)
            a, b = at_goal(base, before), at_goal(base, after)
            print(f"{row['name']:22s} {args.before} {100 * (before['ca'] - base):+.1f}/"
                  f"{100 * before['asr']:.1f}% {'ok' if a else 'MISS'} -> {args.step} "
                  f"{100 * (after['ca'] - base):+.1f}/{100 * after['asr']:.1f}% "
                  f"{'ok' if b else 'MISS'}")
            if b and not a:
                gained.append(row["name"])
            if a and not b:
                lost.append(row["name"])
    print(f"{args.family}: {n} rows; {args.step} brought {len(gained)} to the goal {gained} "
          f"and took {len(lost)} from it {lost}")


if __name__ == "__main__":
    run_main(main)
