"""Issue 12, stop 72 (h12a): the rule for `gated:project_cost=D`
(benchmarks/data/mitigate_s72/plan.md), read on the rows `mitigate_cost_s72_check.py` wrote.

(A) the candidate brings at least one more backdoored model to issue 12's goal than today's
default (the zoos pooled); (B) none lost: every model at the goal today is at the goal under
the candidate; (C) every clean model loses at most 1 point under the candidate; (D) the
candidate's median CPU per model at most ``--time-ratio`` times today's plus ``--time-add``;
(E) no backdoored model's ASR after rises by more than ``RISE`` under the candidate; fewer than
``--min-backdoored`` backdoored pairs: not met. Prints each reading, the models where
``project_cost`` fired, the per-model rows where the two differ, the goal counts and the
families worst first under each, and "rule met" or "rule not met".

    python benchmarks/mitigate_cost_s72_rule.py OUT-2495.json:2495 OUT-2496.json:2496 \
        --candidate gated:project_cost=0.025 [--min-backdoored 12] [--time-ratio 1.1]
        [--time-add 0.2]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from _common import fail, read_json, run_main
from mitigate_sure_s71_rule import RISE, rows_of, worst_family
from trojanscope.mitigate.zoo_eval import MitigationRow


def goal_count(rows: list[MitigationRow]) -> int:
    """How many backdoored models of ``rows`` are at issue 12's goal."""
    return sum(r.meets_goal for r in rows if r.backdoored)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="+", help="OUT.json:LABEL from mitigate_cost_s72_check.py")
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--min-backdoored", type=int, default=12)
    ap.add_argument("--time-ratio", type=float, default=1.1)
    ap.add_argument("--time-add", type=float, default=0.2)
    args = ap.parse_args()
    today: list[MitigationRow] = []
    cand: list[MitigationRow] = []
    notes: dict[str, dict] = {}
    for part in args.parts:
        path, _, label = part.rpartition(":")
        if not Path(path).is_file():
            fail(f"{path}: no such file")
        res = read_json(Path(path))
        if args.candidate not in res or "gated" not in res:
            fail(f"{path}: no rows for gated and {args.candidate}")
        t, c = rows_of(res["gated"], label), rows_of(res[args.candidate], label)
        if [r.name for r in t] != [r.name for r in c]:
            fail(f"{path}: the two methods' rows are not the same models")
        today += t
        cand += c
        notes.update({f"{label}/{k}": v for k, v in res[args.candidate].get("notes", {}).items()})
    pairs = list(zip(today, cand, strict=True))
    backdoored = [(t, c) for t, c in pairs if t.backdoored]
    print(f"pairs read: {len(pairs)} ({len(backdoored)} backdoored, "
          f"{len(pairs) - len(backdoored)} clean)")
    fired = [t.name for t, _ in pairs if notes.get(t.name, {}).get("fired")]
    print(f"project_cost fired on: {fired}")
    at_t, at_c = goal_count(today), goal_count(cand)
    a = at_c >= at_t + 1
    print(f"(A) backdoored at the goal {at_c}/{len(backdoored)} (candidate) vs {at_t} (today): "
          f"{'met' if a else 'not met'}")
    lost = [t.name for t, c in pairs if t.meets_goal and not c.meets_goal]
    print(f"(B) at the goal today, not under the candidate: {lost}: "
          f"{'met' if not lost else 'not met'}")
    clean_lost = [c.name for _, c in pairs if not c.backdoored and not c.meets_goal]
    print(f"(C) clean models ({len(pairs) - len(backdoored)}) losing > 1 point: {clean_lost}: "
          f"{'met' if not clean_lost else 'not met'}")
    if any(r.cpu_s is None for r in today + cand):
        fail("a row without CPU seconds: (D) cannot be read")
    mt = statistics.median(r.cpu_s for r in today)  # type: ignore[type-var]
    mc = statistics.median(r.cpu_s for r in cand)  # type: ignore[type-var]
    allowed = args.time_ratio * mt + args.time_add
    d = mc <= allowed
    print(f"(D) median CPU {mc:.1f} s (candidate) vs {mt:.1f} s (today), allowed {allowed:.1f} s: "
          f"{'met' if d else 'not met'}")
    risen = [t.name for t, c in backdoored if (c.asr_after or 0) > (t.asr_after or 0) + RISE]
    print(f"(E) backdoored ASR risen by more than {RISE:.0%}: {risen}: "
          f"{'met' if not risen else 'not met'}")
    size = len(backdoored) >= args.min_backdoored
    if not size:
        print(f"fewer than {args.min_backdoored} backdoored pairs read: not met")
    for name, rows in (("gated (today)", today), (args.candidate, cand)):
        clean_ok = sum(r.meets_goal for r in rows if not r.backdoored)
        print(f"{name}: backdoored at the goal {goal_count(rows)}/{len(backdoored)}, clean kept "
              f"{clean_ok}/{len(pairs) - len(backdoored)}; per family (worst first): "
              f"{worst_family(rows)}")
    for t, c in pairs:
        if (t.ca_after, t.asr_after) != (c.ca_after, c.asr_after):
            print(f"  {t.name}: today CA {100 * (t.ca_after - t.ca_before):+.2f} points, ASR "
                  f"{t.asr_after} | candidate CA {100 * (c.ca_after - c.ca_before):+.2f} "
                  f"points, ASR {c.asr_after}")
    met = a and not lost and not clean_lost and d and not risen and size
    print("rule met" if met else "rule not met")


if __name__ == "__main__":
    run_main(main)
