"""Issue 16 stop 67 (h16d): the rule of ``benchmarks/data/tabular_s67_h16d/plan.md`` for
``label-groups -p covers=2`` (the every-cell guard), and a development reading of stored rows.

The rule is stop 66's six conditions (``tabular_s66_h16d_rule.judge``) with stop 67's bars:
(1) at the goal on at least GAIN more dirty-label sets than the default, (2) none lost, (3) FPR
≤ 0.05 on every set, (4) clean tables with a flag not more than the default's, (5) clean rows
flagged ≤ 1.05× the default's, (6) per table the median time per set ≤ TIME_RATIO× the
default's. Its sets are scored by both in one process (``tabular_candidate_sets.py``,
``tabular_clean_tables.py``).

``--dev`` pairs rows by set (table, attack, target, seed) instead: a candidate read on part of
a spent base against today's default rows stored by an earlier stop; prints the sets gained,
lost, and every set where the flags differ.

    python benchmarks/tabular_s67_h16d_rule.py --default A_default.json … --candidate \
        A_candidate.json … --clean-default C_default.json … --clean-candidate C_candidate.json …
    python benchmarks/tabular_s67_h16d_rule.py --dev --default OLD_default.json … \
        --candidate NEW_c2.json …
"""

from __future__ import annotations

import argparse

from tabular_pairs_rule import clean_counts, load, meets
from tabular_s66_h16d_rule import report

GAIN, TIME_RATIO = 1, 1.5


def set_key(row: dict) -> tuple:
    return row["dataset"], row["attack"], row["target"], row.get("seed")


def _flags(row: dict) -> tuple[float, float]:
    """A row's flags as printed (TPR to 2 places, FPR to 3; a clean set: FPR only)."""
    return (round(row["tpr"], 2) if row["poison"] else 0.0), round(row["fpr"], 3)


def dev_pairs(default: list[dict], candidate: list[dict]) -> dict:
    """Every candidate row beside the default's row of the same set: the sets at the goal
    under each, those gained and lost, and those whose flags differ."""
    stored = {set_key(r): r for r in default}
    missing = [set_key(r) for r in candidate if set_key(r) not in stored]
    if missing:
        raise SystemExit(f"error: no default row for {missing[0]}")
    pairs = [(stored[set_key(c)], c) for c in candidate]
    return {"dirty": sum(c["poison"] > 0 for _, c in pairs),
            "found_default": sum(meets(d) for d, _ in pairs),
            "found_candidate": sum(meets(c) for _, c in pairs),
            "gained": [set_key(c) for d, c in pairs if meets(c) and not meets(d)],
            "lost": [set_key(c) for d, c in pairs if meets(d) and not meets(c)],
            "changed": [(set_key(c), d["tpr"], d["fpr"], c["tpr"], c["fpr"]) for d, c in pairs
                        if _flags(d) != _flags(c)],
            "worst_fpr": max(c["fpr"] for _, c in pairs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--default", nargs="+", required=True)
    parser.add_argument("--candidate", nargs="+", required=True)
    parser.add_argument("--clean-default", nargs="+", default=None)
    parser.add_argument("--clean-candidate", nargs="+", default=None)
    parser.add_argument("--dev", action="store_true", help="pair rows by set (development)")
    parser.add_argument("--name", default="covers=2",
                        help="the candidate's name in the output (stop 68: strays=1)")
    args = parser.parse_args()
    default, candidate = load(args.default), load(args.candidate)
    if args.dev:
        out = dev_pairs(default, candidate)
        print(f"dirty-label sets at the goal: default {out['found_default']}, {args.name} "
              f"{out['found_candidate']} of {out['dirty']}; worst FPR {out['worst_fpr']:.3f}")
        print(f"gained {out['gained'] or 'none'}\nlost {out['lost'] or 'none'}")
        for key, td, fd, tc, fc in out["changed"]:
            print(f"  changed {key}: flags TPR/FPR {td:.2f}/{fd:.3f} → {tc:.2f}/{fc:.3f}")
        if args.clean_default and args.clean_candidate:
            (td, rd, n), (tc, rc, _) = (clean_counts(load(args.clean_default)),
                                        clean_counts(load(args.clean_candidate)))
            print(f"clean tables flagged: default {td} ({rd} rows), {args.name} {tc} ({rc} rows) "
                  f"of {n}")
        return
    if not (args.clean_default and args.clean_candidate):
        parser.error("the rule reads --clean-default and --clean-candidate")
    report(default, candidate, load(args.clean_default), load(args.clean_candidate),
           args.name, GAIN, TIME_RATIO)


if __name__ == "__main__":
    main()
