"""Stop 79 hwc's rule on fresh user runs 332-343: ``gated`` with ``dense_gate=0`` against today's
``gated`` (issue 12). Reads ``mitigate_class_s78_hwc_score.py``'s rows (variants ``today`` and
``dg0``), prints each run and family (stop 78's rule script's helpers) and each condition of
``benchmarks/data/mitigate_s79_hwc/rule.md`` with met / not met::

    python benchmarks/mitigate_gate_s79_hwc_rule.py ROWS.jsonl [--today today --cand dg0]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from mitigate_class_s78_hwc_rule import EPS, at_goal, family, line

CPU_TIMES, LEAST_BACKDOORED, LEAST_WEAK = 1.5, 16, 10


def conditions(today: dict[str, dict], cand: dict[str, dict]) -> list[tuple[str, bool]]:
    """Each condition of the rule, in words, and whether the candidate meets it."""
    names = [n for n in today if n in cand]
    bad = [n for n in names if today[n]["backdoored"]]
    good = [n for n in names if not today[n]["backdoored"]]
    weak = [n for n in bad if (today[n]["poison_rate"] or 0) <= 0.05]
    out = []
    tg, cg = sum(at_goal(today[n]) for n in bad), sum(at_goal(cand[n]) for n in bad)
    out.append((f"(A) backdoored runs at the goal: {cg} (candidate) vs {tg} (today) of "
                f"{len(bad)}", cg > tg))
    lost = [n for n in bad if at_goal(today[n]) and not at_goal(cand[n])]
    out.append((f"(B) at the goal today, not under the candidate: {lost}", not lost))
    worse = [n for n in good if not at_goal(cand[n]) and (
        cand[n]["rc"] != 0 or today[n]["rc"] != 0
        or cand[n]["after"]["ca"] < today[n]["after"]["ca"] - EPS)]
    out.append((f"(C) clean runs ({len(good)}) losing more than 1 point under the candidate "
                f"(and more than today): {worse}", not worse))
    cpu_t = statistics.median(today[n].get("cpu_s", 0.0) for n in names)
    cpu_c = statistics.median(cand[n].get("cpu_s", 0.0) for n in names)
    out.append((f"(D) median method CPU {cpu_c:.1f} s (candidate) vs {cpu_t:.1f} s (today), "
                f"allowed {CPU_TIMES * cpu_t:.1f} s", cpu_c <= CPU_TIMES * cpu_t + EPS))
    failed = [n for n in names if today[n]["rc"] != 0 or cand[n]["rc"] != 0]
    out.append((f"(E) every run scored under both ({len(names)} runs, {len(bad)} backdoored, "
                f"{len(weak)} weak; at least {LEAST_BACKDOORED} and {LEAST_WEAK}); failed: "
                f"{failed}", not failed and len(bad) >= LEAST_BACKDOORED
                and len(weak) >= LEAST_WEAK))
    fams = sorted({family(today[n]) for n in names})
    fam_lost = [f for f in fams if sum(at_goal(cand[n]) for n in names if family(today[n]) == f)
                < sum(at_goal(today[n]) for n in names if family(today[n]) == f)]
    out.append((f"(F) families with fewer at the goal under the candidate: {fam_lost}",
                not fam_lost))
    return out


def worst_family(today: dict[str, dict], chosen: dict[str, dict]) -> tuple[str | None, float]:
    """The backdoored family with the smallest share at the goal under ``chosen``."""
    bad = [n for n in today if n in chosen and today[n]["backdoored"]]
    fams = sorted({family(today[n]) for n in bad})
    share = {f: sum(at_goal(chosen[n]) for n in bad if family(today[n]) == f)
             / sum(1 for n in bad if family(today[n]) == f) for f in fams}
    worst = min(share, key=lambda f: (share[f], f)) if share else None
    return worst, share.get(worst, 0.0) if worst else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path)
    parser.add_argument("--today", default="today")
    parser.add_argument("--cand", default="dg0")
    args = parser.parse_args()
    rows = [json.loads(x) for x in args.rows.read_text().splitlines() if x.strip()]
    today = {r["name"]: r for r in rows if r["variant"] == args.today}
    cand = {r["name"]: r for r in rows if r["variant"] == args.cand}
    names = [n for n in today if n in cand]
    print(f"{'run':8} {'family':28} target  before ASR | today (p, action) | candidate")
    for n in names:
        t, c = today[n], cand[n]
        asr = f"{100 * t['before']['asr']:.2f}%" if t["rc"] == 0 and "asr" in t["before"] \
            else "-"
        print(f"{n:8} {family(t):28} {t['target']!s:6} {asr:>9} | {line(t)} "
              f"({t.get('detector')}, {str(t.get('action'))[:40]}) | {line(c)} "
              f"({str(c.get('action'))[:40]})")
    print("\nper family (at the goal: today -> candidate):")
    for f in sorted({family(today[n]) for n in names}):
        fn = [n for n in names if family(today[n]) == f]
        print(f"  {f}: {sum(at_goal(today[n]) for n in fn)} -> "
              f"{sum(at_goal(cand[n]) for n in fn)} of {len(fn)}")
    checks = conditions(today, cand)
    print()
    for words, ok in checks:
        print(f"{words}: {'met' if ok else 'not met'}")
    for label, chosen in (("today", today), ("candidate", cand)):
        worst, share = worst_family(today, chosen)
        print(f"worst family ({label}): {worst} ({share:.2f} at the goal)")
    print("rule met" if all(ok for _, ok in checks) else "rule not met")


if __name__ == "__main__":
    main()
