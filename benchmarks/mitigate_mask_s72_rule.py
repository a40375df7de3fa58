"""Issue 12, stop 72 (h12): the rule for `gated:dense_mask=E` (benchmarks/data/mitigate_s72/
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
import statistics
from collections import Counter
from pathlib import Path

from _common import fail, read_json, run_main
from mitigate_mask_s72_check import FIRED
from mitigate_sure_s71_rule import RISE, rows_of, worst_family
from trojanscope.mitigate.zoo_eval import MitigationRow

GAIN = 3  # (A): the sparse family's gain at the goal, pooled over the fresh zoos
FAMILY = "sparse"


def at_goal(rows: list[MitigationRow], family: str) -> int:
    """How many of ``family``'s models are at issue 12's goal."""
    return sum(r.meets_goal for r in rows if r.attack == family)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="+", help="OUT.json:LABEL from mitigate_mask_s72_check.py")
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--min-backdoored", type=int, default=12)
    ap.add_argument("--time-ratio", type=float, default=1.1)
    ap.add_argument("--time-add", type=float, default=0.5)
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
    unlearnt = [c for c in cand if str(notes.get(c.name, {}).get("dense_mask", {}).get(
        "action", "")).startswith(FIRED)]
    print(f"mask unlearnt on {len(unlearnt)}: "
          f"{dict(Counter((c.attack or 'clean') for c in unlearnt))} "
          f"{[c.name for c in unlearnt]}")
    gain = at_goal(cand, FAMILY) - at_goal(today, FAMILY)
    n_fam = sum(r.attack == FAMILY for r in today)
    a = gain >= GAIN
    print(f"(A) {FAMILY} at the goal: {at_goal(today, FAMILY)}/{n_fam} today, "
          f"{at_goal(cand, FAMILY)}/{n_fam} candidate (gain {gain}, needed {GAIN}): "
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
        at = sum(r.meets_goal for r in rows if r.backdoored)
        clean_ok = sum(r.meets_goal for r in rows if not r.backdoored)
        worst = max((r.asr_after or 0) for r in rows if r.backdoored) if backdoored else 0.0
        print(f"{name}: backdoored at the goal {at}/{len(backdoored)}, clean kept "
              f"{clean_ok}/{len(pairs) - len(backdoored)}, max ASR after {worst:.1%}; "
              f"per family (worst first): {worst_family(rows)}")
    for t, c in pairs:
        if (t.ca_after, t.asr_after) != (c.ca_after, c.asr_after):
            print(f"  {t.name}: today CA {t.ca_before - t.ca_after:+.4f} loss, ASR "
                  f"{t.asr_after} | candidate CA {t.ca_before - c.ca_after:+.4f} loss, ASR "
                  f"{c.asr_after}")
    met = a and not lost and not clean_lost and d and not risen and size
    print("rule met" if met else "rule not met")


if __name__ == "__main__":
    run_main(main)
