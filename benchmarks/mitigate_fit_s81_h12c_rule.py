"""Stop 81 h12c's rule on fresh user runs 392-403: ``gated`` with ``fit_back=0.86`` against today's
``gated`` (issue 12). Reads ``mitigate_class_s78_hwc_score.py``'s rows (variants ``today`` and
``fb``; the candidate's rows for runs it cannot reach carry ``same_as``, from
``mitigate_back_s80_hwc_fill.py --label fb``), prints each run and family and each condition
of ``benchmarks/data/mitigate_s81_h12c/rule.md`` with met / not met::

    python benchmarks/mitigate_fit_s81_h12c_rule.py ROWS.jsonl [--today today --cand fb]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from mitigate_back_s80_hwc_rule import loss
from mitigate_class_s78_hwc_rule import CLEAN_BAR, EPS, at_goal, family, line
from mitigate_gate_s79_hwc_rule import worst_family

CPU_TIMES, LEAST_CLEAN_MLP, LEAST_STRONG, STRONG_ASR, RUNS = 1.5, 6, 8, 0.5, 24


def costly_clean(row: dict) -> bool:
    """A clean run losing more than issue 12's one point (a failed run counts)."""
    return loss(row) > CLEAN_BAR + EPS


def floors(today: dict[str, dict], cand: dict[str, dict]) -> tuple[str, bool]:
    """Every run scored under both, at least 6 clean MLPs, 8 backdoored runs built with ASR
    at least 0.5 (before, on the held-out images)."""
    names = [n for n in today if n in cand]
    failed = [n for n in names if today[n]["rc"] != 0 or cand[n]["rc"] != 0]
    clean_mlp = [n for n in names if not today[n]["backdoored"] and today[n]["arch"] == "mlp"]
    strong = [n for n in names if today[n]["backdoored"] and today[n]["rc"] == 0
              and today[n]["before"].get("asr", 0.0) >= STRONG_ASR]
    ok = (not failed and len(names) == RUNS and len(clean_mlp) >= LEAST_CLEAN_MLP
          and len(strong) >= LEAST_STRONG)
    return (f"(floors) {len(names)} runs scored under both (need {RUNS}), failed {failed}; "
            f"{len(clean_mlp)} clean MLPs (need {LEAST_CLEAN_MLP}); {len(strong)} backdoored "
            f"runs built with ASR >= {STRONG_ASR} (need {LEAST_STRONG})", ok)


def conditions(today: dict[str, dict], cand: dict[str, dict]) -> list[tuple[str, bool]]:
    """(A), (B), (C) of the rule, in words, and whether the candidate meets each."""
    names = [n for n in today if n in cand]
    reached = [n for n in names if not cand[n].get("same_as")]
    bad = [n for n in names if today[n]["backdoored"]]
    good = [n for n in names if not today[n]["backdoored"]]
    lost = [n for n in bad if at_goal(today[n]) and not at_goal(cand[n])]
    tg, cg = sum(at_goal(today[n]) for n in bad), sum(at_goal(cand[n]) for n in bad)
    out = [(f"(A) backdoored runs at the goal today, not under the candidate: {lost} ({cg} vs "
            f"{tg} of {len(bad)} at the goal)", not lost)]
    over_t = [n for n in good if costly_clean(today[n])]
    over_c = [n for n in good if costly_clean(cand[n])]
    risen = [n for n in good if costly_clean(cand[n]) and not costly_clean(today[n])]
    out.append((f"(B) clean runs ({len(good)}) losing more than 1 point: today {over_t} "
                f"({len(over_t)}), candidate {over_c} ({len(over_c)}); risen past 1 point: "
                f"{risen}", len(over_c) <= len(over_t) - 1 and not risen))
    cpu_t = statistics.median(today[n].get("cpu_s", 0.0) for n in reached) if reached else 0
    cpu_c = statistics.median(cand[n].get("cpu_s", 0.0) for n in reached) if reached else 0
    out.append((f"(C) median method CPU on the {len(reached)} reached runs {cpu_c:.1f} s "
                f"(candidate) vs {cpu_t:.1f} s (today), allowed {CPU_TIMES * cpu_t:.1f} s",
                cpu_c <= CPU_TIMES * cpu_t + EPS))
    return out


def outcome(today: dict[str, dict], cand: dict[str, dict]) -> tuple[list[tuple[str, bool]], str]:
    """The floors, the conditions and the rule's outcome: "not read: floors" below a floor,
    "not read: no cost to remove" where no clean run loses more than 1 point today, else met
    or not met."""
    floor = floors(today, cand)
    checks = [floor, *conditions(today, cand)]
    good = [n for n in today if n in cand and not today[n]["backdoored"]]
    if not floor[1]:
        return checks, "rule not read: a floor is not met"
    if not any(costly_clean(today[n]) for n in good):
        return checks, ("rule not read: no cost to remove (no clean run loses more than 1 point "
                        "today)")
    return checks, "rule met" if all(ok for _, ok in checks) else "rule not met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path)
    parser.add_argument("--today", default="today")
    parser.add_argument("--cand", default="fb")
    args = parser.parse_args()
    rows = [json.loads(x) for x in args.rows.read_text().splitlines() if x.strip()]
    today = {r["name"]: r for r in rows if r["variant"] == args.today}
    cand = {r["name"]: r for r in rows if r["variant"] == args.cand}
    names = sorted(n for n in today if n in cand)
    print(f"{'run':6} {'family':28} target before ASR | today (p, action) | candidate")
    for n in names:
        t, c = today[n], cand[n]
        asr = f"{100 * t['before']['asr']:.2f}%" if t["rc"] == 0 and "asr" in t["before"] \
            else "-"
        said = "same as today" if c.get("same_as") else str(c.get("action"))[:60]
        print(f"{n:6} {family(t):28} {t['target']!s:6} {asr:>9} | {line(t)} "
              f"({t.get('detector')}, {str(t.get('action'))[:48]}) | {line(c)} ({said})")
    print("\nper family (at the goal: today -> candidate):")
    for f in sorted({family(today[n]) for n in names}):
        fn = [n for n in names if family(today[n]) == f]
        print(f"  {f}: {sum(at_goal(today[n]) for n in fn)} -> "
              f"{sum(at_goal(cand[n]) for n in fn)} of {len(fn)}")
    checks, said = outcome(today, cand)
    print()
    for words, ok in checks:
        print(f"{words}: {'met' if ok else 'not met'}")
    for label, chosen in (("today", today), ("candidate", cand)):
        worst, share = worst_family(today, chosen)
        print(f"worst family ({label}): {worst} ({share:.2f} at the goal)")
    print(said)


if __name__ == "__main__":
    main()
