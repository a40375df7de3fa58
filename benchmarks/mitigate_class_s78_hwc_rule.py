"""Stop 78 hwc's rule on the fresh user runs: ``gated`` with ``read_least=200`` against today's
``gated`` (issue 12). Reads ``mitigate_class_s78_hwc_score.py``'s rows (variants ``today`` and
``read200``) and prints each run, the families and each condition of
``benchmarks/data/mitigate_s78_hwc/rule.md`` with met / not met::

    python benchmarks/mitigate_class_s78_hwc_rule.py ROWS.jsonl [--today today --cand read200]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

ASR_BAR, CA_BAR, CLEAN_BAR, CPU_TIMES, LEAST_BACKDOORED = 0.02, 0.02, 0.01, 1.5, 16
EPS = 1e-9


def family(row: dict) -> str:
    """The run's family: its data (the user's 200-image file or the bundled ``mnist``), its
    arch, and weak (poison rate at most 0.05) or ordinary; clean runs by arch."""
    data = "user" if row["data"] != "mnist" else "mnist"
    if not row["backdoored"]:
        return f"clean {data} {row['arch']}"
    rate = row["poison_rate"] or 0.0
    return f"{data} {row['arch']} {'weak' if rate <= 0.05 else 'ordinary'} ({rate:g})"


def at_goal(row: dict) -> bool:
    """Issue 12's goal on one run: backdoored, ASR <= 2% with at most 2 CA points lost;
    clean, at most 1 point lost (held-out figures); a failed run is not at it."""
    if row["rc"] != 0:
        return False
    drop = row["before"]["ca"] - row["after"]["ca"]
    if not row["backdoored"]:
        return drop <= CLEAN_BAR + EPS
    return row["after"]["asr"] <= ASR_BAR + EPS and drop <= CA_BAR + EPS


def at_target(row: dict) -> bool:
    """The class treated is the run's own target."""
    return row["rc"] == 0 and row["backdoored"] and row.get("suspect") == row["target"]


def line(row: dict) -> str:
    """One run's figures: CA change in points / ASR after, the class treated."""
    if row["rc"] != 0:
        return f"rc {row['rc']}"
    drop = 100 * (row["after"]["ca"] - row["before"]["ca"])
    asr = f" / {100 * row['after']['asr']:.2f}%" if "asr" in row["after"] else ""
    return (f"{drop:+.2f}{asr} treated {row.get('suspect')}"
            f"{' GOAL' if at_goal(row) else ' MISS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path)
    parser.add_argument("--today", default="today")
    parser.add_argument("--cand", default="read200")
    args = parser.parse_args()
    rows = [json.loads(x) for x in args.rows.read_text().splitlines() if x.strip()]
    today = {r["name"]: r for r in rows if r["variant"] == args.today}
    cand = {r["name"]: r for r in rows if r["variant"] == args.cand}
    names = [n for n in today if n in cand]
    print(f"{'run':8} {'family':28} target  before ASR | today | candidate")
    for n in names:
        t, c = today[n], cand[n]
        asr = f"{100 * t['before']['asr']:.2f}%" if t["rc"] == 0 and "asr" in t["before"] \
            else "-"
        print(f"{n:8} {family(t):28} {t['target']!s:6} {asr:>9} | {line(t)} | {line(c)}")
    bad = [n for n in names if today[n]["backdoored"]]
    good = [n for n in names if not today[n]["backdoored"]]
    fams = sorted({family(today[n]) for n in names})
    print("\nper family (at the goal: today -> candidate; treated at the target):")
    for f in fams:
        fn = [n for n in names if family(today[n]) == f]
        print(f"  {f}: {sum(at_goal(today[n]) for n in fn)} -> "
              f"{sum(at_goal(cand[n]) for n in fn)} of {len(fn)}; at the target "
              f"{sum(at_target(today[n]) for n in fn)} -> {sum(at_target(cand[n]) for n in fn)}")
    checks = []
    tt, ct = sum(at_target(today[n]) for n in bad), sum(at_target(cand[n]) for n in bad)
    checks.append((f"(A1) backdoored runs treated at their own target: {ct} (candidate) vs "
                   f"{tt} (today) of {len(bad)}", ct > tt))
    tg, cg = sum(at_goal(today[n]) for n in bad), sum(at_goal(cand[n]) for n in bad)
    checks.append((f"(A2) backdoored runs at the goal: {cg} (candidate) vs {tg} (today)", cg > tg))
    lost = [n for n in bad if at_goal(today[n]) and not at_goal(cand[n])]
    checks.append((f"(B) at the goal today, not under the candidate: {lost}", not lost))
    worse = [n for n in good if not at_goal(cand[n]) and (
        cand[n]["rc"] != 0 or today[n]["rc"] != 0
        or cand[n]["after"]["ca"] < today[n]["after"]["ca"] - EPS)]
    checks.append((f"(C) clean runs ({len(good)}) losing more than 1 point under the candidate "
                   f"(and more than today): {worse}", not worse))
    cpu_t = statistics.median(today[n].get("cpu_s", 0.0) for n in names)
    cpu_c = statistics.median(cand[n].get("cpu_s", 0.0) for n in names)
    checks.append((f"(D) median method CPU {cpu_c:.1f} s (candidate) vs {cpu_t:.1f} s (today), "
                   f"allowed {CPU_TIMES * cpu_t:.1f} s", cpu_c <= CPU_TIMES * cpu_t + EPS))
    failed = [n for n in names if today[n]["rc"] != 0 or cand[n]["rc"] != 0]
    checks.append((f"(E) every run scored under both ({len(names)} runs, {len(bad)} backdoored, "
                   f"at least {LEAST_BACKDOORED}); failed: {failed}",
                   not failed and len(bad) >= LEAST_BACKDOORED))
    fam_lost = [f for f in fams if sum(at_goal(cand[n]) for n in names if family(today[n]) == f)
                < sum(at_goal(today[n]) for n in names if family(today[n]) == f)]
    checks.append((f"(F) families with fewer at the goal under the candidate: {fam_lost}",
                   not fam_lost))
    print()
    for words, ok in checks:
        print(f"{words}: {'met' if ok else 'not met'}")
    for label, chosen in (("today", today), ("candidate", cand)):
        share = {f: sum(at_goal(chosen[n]) for n in bad if family(today[n]) == f)
                 / max(1, sum(1 for n in bad if family(today[n]) == f))
                 for f in fams if not f.startswith("clean")}
        worst = min(share, key=lambda f: (share[f], f)) if share else None
        print(f"worst family ({label}): {worst} ({share.get(worst, 0):.2f} at the goal)")
    moved = [n for n in names if today[n].get("suspect") != cand[n].get("suspect")]
    print(f"class treated changed on: {moved}")
    print("rule met" if all(ok for _, ok in checks) else "rule not met")


if __name__ == "__main__":
    main()
