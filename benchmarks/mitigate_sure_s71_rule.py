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


def read_pairs(parts: list[str], candidate: str, base: str = "gated"
               ) -> tuple[list[tuple[MitigationRow, MitigationRow]], dict]:
    """Today's (``base``'s) and the candidate's rows of every ``OUT.json:LABEL`` in ``parts``,
    paired (names prefixed with the label), and the candidate's notes; prints how many pairs
    were read. A missing file, method or a mismatched pair ends in one error line."""
    today: list[MitigationRow] = []
    cand: list[MitigationRow] = []
    notes: dict[str, dict] = {}
    for part in parts:
        path, _, label = part.rpartition(":")
        if not Path(path).is_file():
            fail(f"{path}: no such file")
        res = read_json(Path(path))
        if candidate not in res or base not in res:
            fail(f"{path}: no rows for {base} and {candidate}")
        t, c = rows_of(res[base], label), rows_of(res[candidate], label)
        if [r.name for r in t] != [r.name for r in c]:
            fail(f"{path}: the two methods' rows are not the same models")
        today += t
        cand += c
        notes.update({f"{label}/{k}": v for k, v in res[candidate].get("notes", {}).items()})
    pairs = list(zip(today, cand, strict=True))
    n = sum(t.backdoored for t, _ in pairs)
    print(f"pairs read: {len(pairs)} ({n} backdoored, {len(pairs) - n} clean)")
    return pairs, notes


def conditions_b_to_e(pairs: list[tuple[MitigationRow, MitigationRow]], time_ratio: float,
                      time_add: float, min_backdoored: int, bar: float = 0.0) -> bool:
    """Prints and reads the conditions stops 71 to 73 share: (B) none lost at the goal, (C)
    clean models within 1 point, (D) median CPU at most ``time_ratio`` times today's plus
    ``time_add``, (E) no backdoored ASR up by more than ``RISE`` (with ``bar``, stop 73's: to
    above ``bar`` too, a rise that stays within issue 12's ASR goal not counted), and at least
    ``min_backdoored`` backdoored pairs; True where all hold."""
    today, cand = [t for t, _ in pairs], [c for _, c in pairs]
    backdoored = [(t, c) for t, c in pairs if t.backdoored]
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
    allowed = time_ratio * mt + time_add
    d = mc <= allowed
    print(f"(D) median CPU {mc:.1f} s (candidate) vs {mt:.1f} s (today), allowed {allowed:.1f} s: "
          f"{'met' if d else 'not met'}")
    risen = [t.name for t, c in backdoored
             if (c.asr_after or 0) > max((t.asr_after or 0) + RISE, bar)]
    above = f" to above {bar:.0%}" if bar else ""
    print(f"(E) backdoored ASR risen by more than {RISE:.0%}{above}: {risen}: "
          f"{'met' if not risen else 'not met'}")
    size = len(backdoored) >= min_backdoored
    if not size:
        print(f"fewer than {min_backdoored} backdoored pairs read: not met")
    return not lost and not clean_lost and d and not risen and size


def print_pairs(pairs: list[tuple[MitigationRow, MitigationRow]], candidate: str,
                base: str = "gated (today)") -> None:
    """Prints both methods' goal counts, clean kept, largest ASR after and families worst
    first, then the models where the two differ (stops 71 and 72's rule readers share it);
    ``base`` names the first of each pair."""
    today, cand = [t for t, _ in pairs], [c for _, c in pairs]
    backdoored = [(t, c) for t, c in pairs if t.backdoored]
    for name, rows in ((base, today), (candidate, cand)):
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="+", help="OUT.json:LABEL from mitigate_sure_s71_check.py")
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--min-backdoored", type=int, default=6)
    ap.add_argument("--time-ratio", type=float, default=1.1)
    ap.add_argument("--time-add", type=float, default=0.5)
    args = ap.parse_args()
    pairs, notes = read_pairs(args.parts, args.candidate)
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
    rest = conditions_b_to_e(pairs, args.time_ratio, args.time_add, args.min_backdoored)
    print_pairs(pairs, args.candidate)
    met = a and rest
    print("rule met" if met else "rule not met")


if __name__ == "__main__":
    run_main(main)
