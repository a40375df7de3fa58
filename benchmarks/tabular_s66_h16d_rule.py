"""Issue 16 stop 66 (h16d): the rule of ``benchmarks/data/tabular_s66_h16d/plan.md`` for
``label-groups -p covers=1``, on the rows of ``tabular_candidate_sets.py`` (dirty-label sets,
default and candidate scored in one process) and ``tabular_clean_tables.py`` (clean tables).

met = (1) the candidate is at the goal (flags TPR ≥ 0.95 at FPR ≤ 0.05) on at least GAIN more
of the dirty-label sets than the default, (2) it loses none the default has at the goal,
(3) its FPR ≤ 0.05 on every set (bundled clean sets included), (4) it flags rows on no more
clean tables than the default and (5) flags at most CLEAN_ROWS times the default's clean rows,
(6) per table its median time per set is at most TIME_RATIO times the default's.

    python benchmarks/tabular_s66_h16d_rule.py --default A_default.json B_default.json \
        --candidate A_candidate.json B_candidate.json --clean-default C_default.json ... \
        --clean-candidate C_candidate.json ...
"""

from __future__ import annotations

import argparse

import numpy as np

from tabular_pairs_rule import GOAL_FPR, clean_counts, families, family_table, load, meets

GAIN, CLEAN_ROWS, TIME_RATIO = 1, 1.05, 2.5


def judge(default: list[dict], candidate: list[dict], clean_d: list[dict],
          clean_c: list[dict], gain: int = GAIN, time_ratio: float = TIME_RATIO,
          clean_rows: float = CLEAN_ROWS) -> dict:
    """The six conditions over paired rows (the same sets and tables in the same order);
    ``gain``, ``time_ratio`` and ``clean_rows`` as a later stop's rule sets them (stop 67: 1,
    1.5 and 1.05; stop 72: 0, 1.5 and 1)."""
    key = lambda r: (r["dataset"], r["attack"], r["target"], r.get("seed"))  # noqa: E731
    if [key(r) for r in default] != [key(r) for r in candidate] or \
            [r["dataset"] for r in clean_d] != [r["dataset"] for r in clean_c]:
        raise SystemExit("error: the two runs do not hold the same sets")
    fd, fc = sum(map(meets, default)), sum(map(meets, candidate))
    lost = [key(d) for d, c in zip(default, candidate, strict=True) if meets(d) and not meets(c)]
    gained = [key(c) for d, c in zip(default, candidate, strict=True)
              if meets(c) and not meets(d)]
    worst_fpr = max(r["fpr"] for r in candidate)
    (td, rd, n), (tc, rc, _) = clean_counts(clean_d), clean_counts(clean_c)
    slow = []
    for table in dict.fromkeys(r["dataset"] for r in default):
        md = float(np.median([r["wall_s"] for r in default if r["dataset"] == table]))
        mc = float(np.median([r["wall_s"] for r in candidate if r["dataset"] == table]))
        slow += [f"{table} {mc:.1f} s > {time_ratio:g} × {md:.1f} s"] if mc > time_ratio * md \
            else []
    conditions = {f"(1) gain >= {gain}: {fc} >= {fd} + {gain}": fc >= fd + gain,
                  f"(2) none lost: {lost or 'none'}": not lost,
                  f"(3) worst FPR {worst_fpr:.3f} <= {GOAL_FPR}": worst_fpr <= GOAL_FPR,
                  f"(4) clean tables flagged {tc} <= {td} of {n}": tc <= td,
                  f"(5) clean rows flagged {rc} <= {clean_rows:g} × {rd}": rc <= clean_rows * rd,
                  f"(6) median time <= {time_ratio:g}×: {slow or 'yes'}": not slow}
    return {"found_default": fd, "found_candidate": fc, "gained": gained, "lost": lost,
            "dirty_sets": sum(r["poison"] > 0 for r in default), "conditions": conditions,
            "met": all(conditions.values())}


def rule_rows(description: str) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """The rows a rule reads, from the command line (``--default``, ``--candidate``,
    ``--clean-default``, ``--clean-candidate``, each one or more rows files)."""
    parser = argparse.ArgumentParser(description=description)
    for name in ("--default", "--candidate", "--clean-default", "--clean-candidate"):
        parser.add_argument(name, nargs="+", required=True)
    args = parser.parse_args()
    return (load(args.default), load(args.candidate), load(args.clean_default),
            load(args.clean_candidate))


def main() -> None:
    report(*rule_rows(__doc__.splitlines()[0]), "covers")


def report(default: list[dict], candidate: list[dict], clean_d: list[dict],
           clean_c: list[dict], name: str, gain: int = GAIN,
           time_ratio: float = TIME_RATIO, clean_rows: float = CLEAN_ROWS) -> None:
    """Print the family tables, the sets gained, each condition and the verdict (``name``:
    the candidate's name in them)."""
    family_table(default, candidate, name)
    families(default, candidate, name)
    out = judge(default, candidate, clean_d, clean_c, gain, time_ratio, clean_rows)
    print(f"\ndirty-label sets at the goal: default {out['found_default']}, {name} "
          f"{out['found_candidate']} of {out['dirty_sets']}; gained {out['gained'] or 'none'}")
    for text, ok in out["conditions"].items():
        print(f"{text}: {ok}")
    print(f"rule **{'met' if out['met'] else 'not met'}**")


if __name__ == "__main__":
    main()
