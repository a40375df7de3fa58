"""Issue 12, stop 72 (h12a): the rule for `gated:project_cost=D`
(benchmarks/data/mitigate_s72/plan.md), read on the rows `mitigate_cost_s72_check.py` wrote;
stop 73 reads `gated:round_stop=P`'s and `project_cost`'s again with it, on the rows
`mitigate_stop_s73_check.py` wrote (benchmarks/data/mitigate_s73/plan.md).

(A) the candidate brings at least one more backdoored model to issue 12's goal than today's
default (the zoos pooled); (B) none lost: every model at the goal today is at the goal under
the candidate; (C) every clean model loses at most 1 point under the candidate; (D) the
candidate's median CPU per model at most ``--time-ratio`` times today's plus ``--time-add``;
(E) no backdoored model's ASR after rises by more than ``RISE`` under the candidate; fewer than
``--min-backdoored`` backdoored pairs: not met; with ``--cross BAR`` (stop 75, h12), (F) no
backdoored model whose ASR after is at most BAR today is above it under the candidate; with
``--rise-bar B`` (stop 76, h12), (E) counts a rise only to above B. Prints
each reading, the models where the
candidate's option fired (its notes' ``fired``), the per-model rows where the two differ, the
goal counts and the families worst first under each, and "rule met" or "rule not met".

    python benchmarks/mitigate_cost_s72_rule.py OUT-2495.json:2495 OUT-2496.json:2496 \
        --candidate gated:project_cost=0.025 [--min-backdoored 12] [--time-ratio 1.1]
        [--time-add 0.2] [--cross 0.02] [--rise-bar 0.02]
"""

from __future__ import annotations

import argparse

from _common import run_main
from mitigate_sure_s71_rule import conditions_b_to_e, read_pairs, worst_family
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
    ap.add_argument("--cross", type=float, default=None,
                    help="(F): no backdoored ASR at or under this today above it")
    ap.add_argument("--rise-bar", type=float, default=0.0,
                    help="(E) counts a rise only to above this (stop 76: 0.02, the ASR goal)")
    args = ap.parse_args()
    pairs, notes = read_pairs(args.parts, args.candidate)
    today, cand = [t for t, _ in pairs], [c for _, c in pairs]
    backdoored = [(t, c) for t, c in pairs if t.backdoored]
    fired = [t.name for t, _ in pairs if notes.get(t.name, {}).get("fired")]
    option = args.candidate.partition(":")[2].partition("=")[0] or args.candidate
    print(f"{option} fired on: {fired}")  # project_cost's; stop 73's round_stop's too
    at_t, at_c = goal_count(today), goal_count(cand)
    a = at_c >= at_t + 1
    print(f"(A) backdoored at the goal {at_c}/{len(backdoored)} (candidate) vs {at_t} (today): "
          f"{'met' if a else 'not met'}")
    rest = conditions_b_to_e(pairs, args.time_ratio, args.time_add, args.min_backdoored,
                             args.rise_bar)
    if args.cross is not None:
        crossed = [t.name for t, c in backdoored
                   if (t.asr_after or 0) <= args.cross + 1e-9 < (c.asr_after or 0) - 1e-9]
        print(f"(F) backdoored ASR at or under {args.cross:.0%} today, above it under the "
              f"candidate: {crossed}: {'met' if not crossed else 'not met'}")
        rest = rest and not crossed
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
    met = a and rest
    print("rule met" if met else "rule not met")


if __name__ == "__main__":
    run_main(main)
