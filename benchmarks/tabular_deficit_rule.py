"""Issue 16 stop 55 (h16): the rule for ``label-groups -p deficit=2.5``, committed before its
fresh population was built (``benchmarks/data/tabular_s55_h16/plan.md``).

met = the four conditions of ``tabular_family_rule.py`` on the dirty-label bases (strictly more
sets at the goal, no attack family fewer, FPR ≤ 0.05 on every set, median time per set ≤ 2×
per table) and (5) on the clean tables (``tabular_clean_tables.py`` rows) the rows flagged
rise on at most ``MAX_RISES`` tables. Also printed: per attack family both runs' sets at the
goal and worst TPR at FPR ≤ 5%.

    python benchmarks/tabular_deficit_rule.py --default A.json B.json --candidate C.json D.json \
        --clean-default E.json --clean-candidate F.json [--name deficit_weight]

Stop 56 (h16) applies the same rule to ``-p deficit_weight=2`` (``--name``: the candidate's
column header only).
"""

from __future__ import annotations

import argparse

from tabular_family_rule import judge
from tabular_pairs_rule import family_table, load

MAX_RISES = 2


def clean_rises(default: list[dict], candidate: list[dict]) -> list[str]:
    """The clean tables on which the candidate flags more rows than the default."""
    if [r["dataset"] for r in default] != [r["dataset"] for r in candidate]:
        raise SystemExit("error: the two clean runs do not hold the same tables")
    return [f"{d['dataset']} {d['flagged']} -> {c['flagged']}"
            for d, c in zip(default, candidate, strict=True) if c["flagged"] > d["flagged"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--default", "--candidate", "--clean-default", "--clean-candidate"):
        parser.add_argument(name, nargs="+", required=True)
    parser.add_argument("--name", default="deficit", help="the candidate's name in the table")
    args = parser.parse_args()
    default, candidate = load(args.default), load(args.candidate)
    out = judge(default, candidate)
    rises = clean_rises(load(args.clean_default), load(args.clean_candidate))
    conditions = {**out["conditions"], f"clean tables with more rows flagged <= {MAX_RISES}":
                  len(rises) <= MAX_RISES}
    family_table(default, candidate, args.name)
    print()
    for name, ok in conditions.items():
        print(f"- {name}: {ok}")
    print(f"at the goal: default {out['found_default']}, candidate {out['found_candidate']} "
          f"of {out['dirty_sets']} dirty-label sets; families with fewer: "
          f"{out['families_fewer'] or 'none'}; worst FPR default "
          f"{max(r['fpr'] for r in default):.3f}, candidate {out['worst_fpr_candidate']:.3f}; "
          f"slower than 2x: {out['slow'] or 'none'}; clean tables with more rows flagged: "
          f"{len(rises)} {rises or ''}; "
          f"rule **{'met' if all(conditions.values()) else 'not met'}**")


if __name__ == "__main__":
    main()
