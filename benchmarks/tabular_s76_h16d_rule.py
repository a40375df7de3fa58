"""Issue 16 stop 76 (h16d): the rule of ``benchmarks/data/tabular_s76_h16d/plan.md`` for
``label-groups -p verdict=6`` (a table-level verdict: rows flagged only on a table judged
poisoned), on the rows of ``tabular_candidate_sets.py`` (dirty-label sets, default and
candidate scored in one process) and ``tabular_clean_tables.py`` (synthetic clean tables).

met = (1) rows flagged on fewer clean tables than the default, and on at most CLEAN_TABLES of
them, (2) none of the dirty-label sets the default has at the goal (flags TPR ≥ 0.95 at FPR ≤
0.05) lost, (3) FPR ≤ 0.05 on every set (bundled clean sets included), (4) no more clean rows
flagged than the default's, (5) per table the median time per set ≤ TIME_RATIO × the
default's (``tabular_s66_h16d_rule.judge`` with gain 0 gives (2)-(5)). The worst family (the
lowest worst TPR@FPR≤5% among the families, then the highest worst FPR) is printed.

    python benchmarks/tabular_s76_h16d_rule.py --default A_default.json … --candidate \
        A_candidate.json … --clean-default C_default.json … --clean-candidate C_candidate.json …
"""

from __future__ import annotations

from tabular_pairs_rule import clean_counts, families, family_table, meets
from tabular_s66_h16d_rule import judge, rule_rows

GAIN, TIME_RATIO, CLEAN_ROWS, CLEAN_TABLES = 0, 1.5, 1.0, 6  # 6 of 60: 10%, stop 65's bar


def worst_family(rows: list[dict]) -> str:
    """The family (table, attack, target) whose worst set reads lowest (TPR@FPR≤5%, then
    flags' TPR, then the highest FPR), with its sets at the goal."""
    fams: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["poison"] > 0:
            fams.setdefault((r["dataset"], r["attack"], r["target"]), []).append(r)
    worst = min(fams.items(), key=lambda kv: (min(r["tpr_at_5pct_fpr"] for r in kv[1]),
                                               min(r["tpr"] for r in kv[1]),
                                               -max(r["fpr"] for r in kv[1])))
    (ds, attack, target), sub = worst
    return (f"{ds} {attack} → {target}: {sum(map(meets, sub))} of {len(sub)} at the goal, worst "
            f"TPR@FPR≤5% {min(r['tpr_at_5pct_fpr'] for r in sub):.2f}, flags TPR "
            f"{min(r['tpr'] for r in sub):.2f}, FPR {max(r['fpr'] for r in sub):.3f}")


def main() -> None:
    default, candidate, clean_d, clean_c = rule_rows(__doc__.splitlines()[0])
    out = judge(default, candidate, clean_d, clean_c, GAIN, TIME_RATIO, CLEAN_ROWS)
    (td, rd, n), (tc, rc, _) = clean_counts(clean_d), clean_counts(clean_c)
    conditions = {f"(1) clean tables flagged {tc} < {td} and <= {CLEAN_TABLES} of {n}":
                  tc < td and tc <= CLEAN_TABLES}
    for text, ok in out["conditions"].items():
        if text.startswith(("(2)", "(3)", "(5)", "(6)")):  # judge's (1) gain 0, (4) in ours
            conditions[text] = ok
    family_table(default, candidate, "verdict=6")
    families(default, candidate, "verdict=6")
    print(f"\ndirty-label sets at the goal: default {out['found_default']}, verdict=6 "
          f"{out['found_candidate']} of {out['dirty_sets']}; clean rows flagged {rd} -> {rc}")
    verdict_lines({"default": default, "verdict=6": candidate}, conditions)


def verdict_lines(runs: dict[str, list[dict]], conditions: dict[str, bool]) -> None:
    """The rule's last lines: each run's worst family, each condition, met or not (stop 77
    prints three runs' families)."""
    for name, rows in runs.items():
        print(f"worst family, {name}: {worst_family(rows)}")
    for text, ok in conditions.items():
        print(f"{text}: {ok}")
    print(f"rule **{'met' if all(conditions.values()) else 'not met'}**")


if __name__ == "__main__":
    main()
