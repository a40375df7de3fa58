"""Stop 80 hwc's rule on fresh user runs 344-355: ``gated`` with ``dense_fall=1`` against today's
``gated`` (issue 12). Reads ``mitigate_class_s78_hwc_score.py``'s rows (variants ``today`` and
``df``; the candidate's rows for runs it cannot reach carry ``same_as``, from
``mitigate_back_s80_hwc_fill.py``), prints each run and family (stop 78's helpers) and each
condition of ``benchmarks/data/mitigate_s80_hwc/rule.md`` with met / not met::

    python benchmarks/mitigate_back_s80_hwc_rule.py ROWS.jsonl [--today today --cand df]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from mitigate_class_s78_hwc_rule import CA_BAR, CLEAN_BAR, EPS, at_goal, family, line
from mitigate_gate_s79_hwc_rule import worst_family

CPU_TIMES, LEAST_BACKDOORED, LEAST_WEAK, LEAST_CLEAN, LEAST_CLEAN_REACHED = 1.5, 16, 10, 4, 2


def loss(row: dict) -> float:
    """CA points lost on the held-out images (a failed run: infinite)."""
    if row["rc"] != 0:
        return float("inf")
    return row["before"]["ca"] - row["after"]["ca"]


def figures(row: dict) -> tuple:
    """What the run came back with: its exit code, CA and ASR after."""
    after = row.get("after") or {}
    return row["rc"], after.get("ca"), after.get("asr")


def costly(row: dict) -> bool:
    """A run that lost more than the goal allows it: 2 points backdoored, 1 point clean."""
    return loss(row) > (CA_BAR if row["backdoored"] else CLEAN_BAR) + EPS


def conditions(today: dict[str, dict], cand: dict[str, dict]) -> list[tuple[str, bool]]:
    """Each condition of the rule, in words, and whether the candidate meets it."""
    names = [n for n in today if n in cand]
    reached = [n for n in names if not cand[n].get("same_as")]
    bad = [n for n in names if today[n]["backdoored"]]
    good = [n for n in names if not today[n]["backdoored"]]
    weak = [n for n in bad  # a run without a poison rate took the attack's default, 0.1
            if today[n]["poison_rate"] is not None and today[n]["poison_rate"] <= 0.05]
    out = []
    lost = [n for n in bad if at_goal(today[n]) and not at_goal(cand[n])]
    tg, cg = sum(at_goal(today[n]) for n in bad), sum(at_goal(cand[n]) for n in bad)
    out.append((f"(A) at the goal today, not under the candidate: {lost} ({cg} vs {tg} of "
                f"{len(bad)} backdoored at the goal)", not lost))
    over = [n for n in good if n in reached and not at_goal(cand[n])]
    worse = [n for n in good if not at_goal(cand[n]) and loss(cand[n]) > loss(today[n]) + EPS]
    out.append((f"(B1) clean runs ({len(good)}; {sum(n in reached for n in good)} reached) "
                f"losing more than 1 point under the candidate where reached: {over}; "
                f"or more than today: {worse}", not over and not worse))
    cases = [n for n in reached if costly(today[n])]
    if cases:
        worst_t = max(loss(today[n]) for n in cases)
        worst_c = max(loss(cand[n]) for n in cases)
        grown = [n for n in cases if loss(cand[n]) > loss(today[n]) + EPS]
        out.append((f"(B2) costly runs the candidate reached {cases}: worst loss "
                    f"{100 * worst_c:.2f} (candidate) vs {100 * worst_t:.2f} points (today); "
                    f"grown: {grown}", worst_c < worst_t - EPS and not grown))
    else:
        out.append(("(B2) no costly run the candidate reached (none lost more than the goal "
                    "allows today): the gain is not shown; met on no loss (rule.md)", True))
    cpu_t = statistics.median(today[n].get("cpu_s", 0.0) for n in reached) if reached else 0
    cpu_c = statistics.median(cand[n].get("cpu_s", 0.0) for n in reached) if reached else 0
    out.append((f"(C) median method CPU on the {len(reached)} reached runs {cpu_c:.1f} s "
                f"(candidate) vs {cpu_t:.1f} s (today), allowed {CPU_TIMES * cpu_t:.1f} s",
                cpu_c <= CPU_TIMES * cpu_t + EPS))
    failed = [n for n in names if today[n]["rc"] != 0 or cand[n]["rc"] != 0]
    clean_reached = [n for n in good if n in reached and today[n]["arch"] == "mlp"]
    out.append((f"(D) every run scored under both ({len(names)} runs, {len(bad)} backdoored, "
                f"{len(weak)} weak, {len(good)} clean, {len(clean_reached)} clean MLPs "
                f"reached; at least {LEAST_BACKDOORED}, {LEAST_WEAK}, {LEAST_CLEAN}, "
                f"{LEAST_CLEAN_REACHED}); failed: {failed}",
                not failed and len(names) == 24 and len(bad) >= LEAST_BACKDOORED
                and len(weak) >= LEAST_WEAK and len(good) >= LEAST_CLEAN
                and len(clean_reached) >= LEAST_CLEAN_REACHED))
    fams = sorted({family(today[n]) for n in names})
    fam_lost = [f for f in fams if sum(at_goal(cand[n]) for n in names if family(today[n]) == f)
                < sum(at_goal(today[n]) for n in names if family(today[n]) == f)]
    out.append((f"(E) families with fewer at the goal under the candidate: {fam_lost}",
                not fam_lost))
    changed = [n for n in reached if figures(cand[n]) != figures(today[n])]
    lost_t = sum(loss(today[n]) for n in changed)
    lost_c = sum(loss(cand[n]) for n in changed)
    out.append((f"(F) runs the candidate changed: {changed}; CA points lost over them "
                f"{100 * lost_c:.2f} (candidate) vs {100 * lost_t:.2f} (today)",
                bool(changed) and lost_c < lost_t - EPS))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path)
    parser.add_argument("--today", default="today")
    parser.add_argument("--cand", default="df")
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
        said = "same as today" if c.get("same_as") else str(c.get("action"))[:48]
        print(f"{n:8} {family(t):28} {t['target']!s:6} {asr:>9} | {line(t)} "
              f"({t.get('detector')}, {str(t.get('action'))[:40]}) | {line(c)} ({said})")
        for note in c.get("notes", []) if not c.get("same_as") else []:
            if note.startswith("dense_back="):
                print(f"         {note}")
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
