"""Stop 82 h12c's read of today's ``gated`` on fresh user runs 422-433 (issue 12; no candidate).

Reads ``mitigate_class_s78_hwc_score.py``'s rows (variant ``today``) and prints each run, the
families at issue 12's goal, the clean runs losing more than one point, the backdoored runs'
misses by kind (accuracy, ASR, both), the floors of
``benchmarks/data/mitigate_s82_h12c/rule.md`` and the worst family::

    python benchmarks/mitigate_today_s82_h12c_read.py ROWS.jsonl [--today today]
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from _common import LineParser
from mitigate_back_s80_hwc_rule import loss
from mitigate_class_s78_hwc_rule import ASR_BAR, CA_BAR, CLEAN_BAR, EPS, at_goal, family, line
from mitigate_gate_s79_hwc_rule import worst_family

LEAST_BACKDOORED, LEAST_CLEAN, STRONG_ASR, RUNS = 12, 6, 0.5, 24


def floors(today: dict[str, dict]) -> tuple[str, bool]:
    """Every run scored, at least 12 backdoored runs built with ASR >= 0.5 (before, on the
    held-out images) and at least 6 clean runs."""
    failed = [n for n, r in today.items() if r["rc"] != 0]
    strong = [n for n, r in today.items() if r["backdoored"] and r["rc"] == 0
              and r["before"].get("asr", 0.0) >= STRONG_ASR]
    clean = [n for n, r in today.items() if not r["backdoored"]]
    ok = (not failed and len(today) == RUNS and len(strong) >= LEAST_BACKDOORED
          and len(clean) >= LEAST_CLEAN)
    return (f"(floors) {len(today)} runs scored (need {RUNS}), failed {failed}; {len(strong)} "
            f"backdoored runs built with ASR >= {STRONG_ASR} (need {LEAST_BACKDOORED}); "
            f"{len(clean)} clean runs (need {LEAST_CLEAN})", ok)


def miss(row: dict) -> str:
    """Why a backdoored run misses the goal: ``accuracy``, ``ASR`` or ``both`` ("" at it)."""
    if at_goal(row):
        return ""
    ca = loss(row) > CA_BAR + EPS
    asr = row["rc"] != 0 or row["after"].get("asr", 1.0) > ASR_BAR + EPS
    return "both" if ca and asr else "accuracy" if ca else "ASR"


def main() -> None:
    parser = LineParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path)
    parser.add_argument("--today", default="today")
    args = parser.parse_args()
    if not args.rows.is_file():
        parser.error(f"{args.rows}: no such rows file")
    try:
        rows = [json.loads(x) for x in args.rows.read_text().splitlines() if x.strip()]
    except json.JSONDecodeError as exc:
        parser.error(f"{args.rows}: not JSON lines ({exc.msg}, line {exc.lineno})")
    today = {r["name"]: r for r in rows if r.get("variant") == args.today}
    if not today:
        parser.error(f"{args.rows}: no rows of variant {args.today!r}")
    names = sorted(today)
    print(f"{'run':6} {'family':28} target before ASR | today (p, action) | miss")
    for n in names:
        t = today[n]
        asr = f"{100 * t['before']['asr']:.2f}%" if t["rc"] == 0 and "asr" in t["before"] \
            else "-"
        print(f"{n:6} {family(t):28} {t['target']!s:6} {asr:>9} | {line(t)} "
              f"({t.get('detector')}, {str(t.get('action'))[:48]}) | {miss(t) or '-'}")
    print("\nper family (at the goal):")
    for f in sorted({family(today[n]) for n in names}):
        fn = [n for n in names if family(today[n]) == f]
        print(f"  {f}: {sum(at_goal(today[n]) for n in fn)} of {len(fn)}")
    bad = [n for n in names if today[n]["backdoored"]]
    good = [n for n in names if not today[n]["backdoored"]]
    kinds = {k: [n for n in bad if miss(today[n]) == k] for k in ("accuracy", "ASR", "both")}
    costly = [n for n in good if loss(today[n]) > CLEAN_BAR + EPS]
    cpu = [today[n]["cpu_s"] for n in names if today[n]["rc"] == 0]
    print(f"\nbackdoored at the goal: {sum(at_goal(today[n]) for n in bad)} of {len(bad)}; "
          f"misses by accuracy {kinds['accuracy']}, by ASR {kinds['ASR']}, both {kinds['both']}")
    print(f"clean runs ({len(good)}) losing more than 1 point: {costly}")
    print(f"median method CPU {statistics.median(cpu):.1f} s over {len(cpu)} runs")
    words, ok = floors(today)
    print(f"{words}: {'met' if ok else 'not met'}")
    worst, share = worst_family(today, today)
    print(f"worst family: {worst} ({share:.2f} at the goal)")


if __name__ == "__main__":
    main()
