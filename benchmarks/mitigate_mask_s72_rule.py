"""Issue 12, stop 72 (h12): the rule for `gated:dense_mask=E` (benchmarks/data/mitigate_s72_h12/
plan.md), read on the rows `mitigate_mask_s72_check.py` wrote for the fresh zoos.

(A) the sparse family (the dense masks) has at least ``GAIN`` more models at issue 12's goal
under the candidate than under today's default; (B) none lost: every model at the goal under
today's default is at the goal under the candidate; (C) every clean model loses at most 1 point
under the candidate; (D) the candidate's median CPU per model at most ``--time-ratio`` times
today's plus ``--time-add``; (E) no backdoored model's ASR after rises by more than ``RISE``
under the candidate. Fewer than ``--min-backdoored`` backdoored pairs: not met. Prints each
reading, where the mask was unlearnt (by family), the per-model rows where the two differ, the
goal counts and the worst family under each, and "rule met" or "rule not met".

    python benchmarks/mitigate_mask_s72_rule.py OUT-2493.json:2493 OUT-2494.json:2494 \
        --candidate gated:dense_mask=120 [--min-backdoored 12] [--time-ratio 1.1] [--time-add 0.5]
"""

from __future__ import annotations

import argparse
from collections import Counter

from _common import run_main
from mitigate_mask_s72_check import FIRED
from mitigate_sure_s71_rule import conditions_b_to_e, print_pairs, read_pairs
from trojanscope.mitigate.zoo_eval import MitigationRow

GAIN = 3  # (A): the sparse family's gain at the goal, pooled over the fresh zoos
FAMILY = "sparse"


def at_goal(rows: list[MitigationRow], family: str) -> int:
    """How many of ``family``'s models are at issue 12's goal."""
    return sum(r.meets_goal for r in rows if r.attack == family)


def main(argv: list[str] | None = None, doc: str = __doc__, bar: float = 0.0,
         gain: int = GAIN) -> None:
    """The rule read on the rows of ``argv``'s parts; ``bar``: (E)'s, stop 73's 2%; ``gain``:
    (A)'s (stop 74's h12s: 1, more masks at the goal)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("parts", nargs="+", help="OUT.json:LABEL from mitigate_mask_s72_check.py")
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--min-backdoored", type=int, default=12)
    ap.add_argument("--time-ratio", type=float, default=1.1)
    ap.add_argument("--time-add", type=float, default=0.5)
    args = ap.parse_args(argv)
    pairs, notes = read_pairs(args.parts, args.candidate)
    today, cand = [t for t, _ in pairs], [c for _, c in pairs]
    unlearnt = [c for c in cand if str(notes.get(c.name, {}).get("dense_mask", {}).get(
        "action", "")).startswith(FIRED)]
    print(f"mask unlearnt on {len(unlearnt)}: "
          f"{dict(Counter((c.attack or 'clean') for c in unlearnt))} "
          f"{[c.name for c in unlearnt]}")
    n_fam = sum(r.attack == FAMILY for r in today)
    got = at_goal(cand, FAMILY) - at_goal(today, FAMILY)
    a = got >= gain
    print(f"(A) {FAMILY} at the goal: {at_goal(today, FAMILY)}/{n_fam} today, "
          f"{at_goal(cand, FAMILY)}/{n_fam} candidate (gain {got}, needed {gain}): "
          f"{'met' if a else 'not met'}")
    rest = conditions_b_to_e(pairs, args.time_ratio, args.time_add, args.min_backdoored, bar)
    print_pairs(pairs, args.candidate)  # read and printed whatever (A) says
    print("rule met" if a and rest else "rule not met")

if __name__ == "__main__":
    run_main(main)
