"""Issue 12, stop 56 (h12): plan.md's rule on the pooled fresh rows (pool_mitigate_rows.py's
output): (A) the candidate has at least one more backdoored model at issue 12's goal than today's
default, (B) at most one model at the goal today misses it under the candidate, (C) every clean
model loses at most 1 point under the candidate, (D) the candidate's median time per model is at
most 60 s or at most 1.2 times today's on the same models (the machine's load slows both).
Prints each reading and "met" or "not met".

    python benchmarks/data/mitigate_s56/read_rule.py POOLED.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from trojanscope.mitigate.zoo_eval import MitigationRow

TODAY, CAND = "gated", "gated:held_pick=0.2"


def main() -> None:
    pooled = json.loads(Path(sys.argv[1]).read_text())
    today = {r["name"]: MitigationRow(**r) for r in pooled[TODAY]["rows"]}
    cand = {r["name"]: MitigationRow(**r) for r in pooled[CAND]["rows"]}
    names = [n for n in today if n in cand]  # the pairs
    bad = [n for n in names if today[n].backdoored]
    good = [n for n in names if not today[n].backdoored]
    t_goal = sum(today[n].meets_goal for n in bad)
    c_goal = sum(cand[n].meets_goal for n in bad)
    lost = [n for n in bad if today[n].meets_goal and not cand[n].meets_goal]
    gained = [n for n in bad if cand[n].meets_goal and not today[n].meets_goal]
    clean_over = [n for n in good if cand[n].ca_before - cand[n].ca_after > 0.01 + 1e-9]
    t_med = statistics.median(today[n].elapsed_s for n in names)
    c_med = statistics.median(cand[n].elapsed_s for n in names)
    checks = {
        "A": (c_goal >= t_goal + 1, f"backdoored at the goal {c_goal}/{len(bad)} (candidate) "
                                    f"vs {t_goal}/{len(bad)} (today); gained {gained}"),
        "B": (len(lost) <= 1, f"at the goal today, not under the candidate: {lost}"),
        "C": (not clean_over, f"clean models ({len(good)}) losing > 1 point: {clean_over}"),
        "D": (c_med <= max(60.0, 1.2 * t_med),
              f"median time {c_med:.1f} s (candidate) vs {t_med:.1f} s (today)"),
    }
    print(f"pairs read: {len(names)} ({len(bad)} backdoored, {len(good)} clean)")
    for key, (ok, text) in checks.items():
        print(f"({key}) {text}: {'met' if ok else 'not met'}")
    print("rule met" if all(ok for ok, _ in checks.values()) else "rule not met")


if __name__ == "__main__":
    main()
