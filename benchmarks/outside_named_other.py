"""A named-check candidate read on the stored models it must not move: the foreign seeds' runs
(``wide_class_rows.foreign_rows``) and issue 3's ``zoo/eval`` (``own_rows``), each scored by the
shipped file and by the candidate; one line per set, how many have a GAP head and how many
moved (issue 9, stop 64: h9).

    PYTHONPATH=src:benchmarks python benchmarks/outside_named_other.py \\
        benchmarks/data/outside_s64_h9/cal_C1.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import run_main


def moved_count(rows: list[dict], today: dict, cand: dict) -> tuple[int, int]:
    """(models with a GAP head, models whose probability or named class moved)."""
    from foreign_zoo_detect import verdict_of
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.named_check import GAP_TRAIT

    gap = moved = 0
    for r in rows:
        t, c = (calibrate(verdict_of(r["report"]), cals) for cals in (today, cand))
        gap += GAP_TRAIT in (r["report"].get("traits") or [])
        moved += (abs(t.probability - c.probability) > 1e-9
                  or t.target_classes[:1] != c.target_classes[:1])
    return gap, moved


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("candidate", type=Path, help="the candidate calibration file")
    args = ap.parse_args(argv)
    from trojanscope.detect.calibration import load_calibrators
    from wide_class_rows import foreign_rows, own_rows

    today, cand = load_calibrators(), load_calibrators(args.candidate)
    for label, rows in (("foreign (wide_class_rows.foreign_rows)", foreign_rows()),
                        ("own zoo/eval", own_rows())):
        gap, moved = moved_count(rows, today, cand)
        print(f"{args.candidate.stem}: {label}: {len(rows)} models ({gap} with a GAP head), "
              f"{moved} moved")


if __name__ == "__main__":
    run_main(main)
