"""Issue 12, stop 71 (h12): the rule for `gated:sure=B` (benchmarks/data/mitigate_s71/plan.md),
read on the rows `mitigate_sure_s71_check.py` wrote for the fresh zoos.

(A) at least one fresh backdoored model that today's default hands back untreated (its action
"not treated: ... the original is returned") at an ASR of at least ``UNTREATED`` is one the
candidate's ``sure`` overruled, and every such model's ASR under the candidate is at most half of
today's; (B) none lost: every model at issue 12's goal under today's default is at the goal under
the candidate; (C) every clean model loses at most 1 point under the candidate; (D) the
candidate's median CPU per model at most ``--time-ratio`` times today's plus ``--time-add``;
(E) no backdoored model's ASR after rises by more than ``RISE`` under the candidate. Fewer than
``--min-backdoored`` backdoored pairs: not met. Prints each reading, the per-model rows where the
two differ, the goal counts and the worst family under each, and "rule met" or "rule not met".

    python benchmarks/mitigate_sure_s71_rule.py OUT-2491.json:2491 OUT-2492.json:2492 \
        --candidate gated:sure=0.6 [--min-backdoored 6] [--time-ratio 1.1] [--time-add 0.5]
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from pathlib import Path

from _common import fail, read_json, run_main
from trojanscope.mitigate.zoo_eval import MitigationRow

UNTREATED = 0.5  # an ASR at or above this, handed back untreated: the worst outcome
RISE = 0.01  # (E): an ASR rise above one point is a loss
UNTOUCHED = "not treated"


def rows_of(result: dict, label: str) -> list[MitigationRow]:
    """The method's rows of one zoo, names prefixed with the zoo's label."""
    return [MitigationRow(**{**r, "name": f"{label}/{r['name']}"}) for r in result["rows"]]


def worst_family(rows: list[MitigationRow]) -> str:
    """Each backdoored family's count at the goal, the lowest share first."""
    fam: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        if r.backdoored:
            fam[r.attack or "?"][0] += int(r.meets_goal)
            fam[r.attack or "?"][1] += 1
    order = sorted(fam.items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0]))
    return ", ".join(f"{k} {a}/{n}" for k, (a, n) in order)


def read_parts(parts: list[str], candidate: str) -> tuple[list[MitigationRow],
                                                          list[MitigationRow], dict[str, dict]]:
    """Today's rows, the candidate's and the candidate's notes from ``OUT.json:LABEL`` parts
    (names prefixed with the label), the pair count printed; a missing file, method or model
    ends in one error line."""
    today: list[MitigationRow] = []
    cand: list[MitigationRow] = []
    notes: dict[str, dict] = {}
    for part in parts:
        path, _, label = part.rpartition(":")
        if not Path(path).is_file():
            fail(f"{path}: no such file")
        res = read_json(Path(path))
        if candidate not in res or "gated" not in res:
            fail(f"{path}: no rows for gated and {candidate}")
        t, c = rows_of(res["gated"], label), rows_of(res[candidate], label)
        if [r.name for r in t] != [r.name for r in c]:
            fail(f"{path}: the two methods' rows are not the same models")
        today += t
        cand += c
        notes.update({f"{label}/{k}": v for k, v in res[candidate].get("notes", {}).items()})
    n_back = sum(t.backdoored for t in today)
    print(f"pairs read: {len(today)} ({n_back} backdoored, {len(today) - n_back} clean)")
    return today, cand, notes


def rest_of_rule(pairs: list[tuple[MitigationRow, MitigationRow]],
                 args: argparse.Namespace) -> bool:
    """(B)-(E) and the size bar, each printed, then both methods' goal counts, worst family
    and the rows where they differ; whether all of them hold. ``args``: ``candidate``,
    ``min_backdoored``, ``time_ratio``, ``time_add``."""
    backdoored = [(t, c) for t, c in pairs if t.backdoored]
    today = [t for t, _ in pairs]
    cand = [c for _, c in pairs]
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
    return not lost and not clean_lost and d and not risen and size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="+", help="OUT.json:LABEL from mitigate_sure_s71_check.py")
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--min-backdoored", type=int, default=6)
    ap.add_argument("--time-ratio", type=float, default=1.1)
    ap.add_argument("--time-add", type=float, default=0.5)
    args = ap.parse_args()
    today, cand, notes = read_parts(args.parts, args.candidate)
    pairs = list(zip(today, cand, strict=True))
    backdoored = [(t, c) for t, c in pairs if t.backdoored]
    untreated = [(t, c) for t, c in backdoored
                 if str(notes.get(t.name, {}).get("today_action", notes.get(t.name, {}).get(
                     "action", ""))).startswith(UNTOUCHED) and (t.asr_after or 0) >= UNTREATED]
    overruled = [(t, c) for t, c in untreated if "overruled" in notes.get(t.name, {})]
    halved = [(t, c) for t, c in untreated if (c.asr_after or 0) <= (t.asr_after or 0) / 2]
    a = bool(overruled) and len(halved) == len(untreated)
    print(f"(A) handed back untreated at ASR >= {UNTREATED:.0%} today: "
          f"{[t.name for t, _ in untreated]}; overruled by the candidate: "
          f"{[t.name for t, _ in overruled]}; ASR at most half of today's: "
          f"{[t.name for t, _ in halved]}: {'met' if a else 'not met'}")
    rest = rest_of_rule(pairs, args)  # read and printed whatever (A) says
    print("rule met" if a and rest else "rule not met")


if __name__ == "__main__":
    run_main(main)
