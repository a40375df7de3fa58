"""Issue 16 stop 77 (h16d): the rule of ``benchmarks/data/tabular_s77_h16d/plan.md`` for
``label-groups -p verdict=7`` (``verdict=6`` and a far group the ``misfits`` screen raised), on
the rows of ``tabular_candidate_sets.py`` and ``tabular_clean_tables.py`` run with ``-p
verdict=7 --beside verdict=6`` (today's default, the candidate and ``verdict=6`` scored in one
process).

met = (1) rows flagged on fewer of the fresh clean tables than the default, and on at most
CLEAN_TABLES of them, (2) none of the fresh dirty-label sets the default has at the goal (flags
TPR ≥ 0.95 at FPR ≤ 0.05) lost, (3) FPR ≤ 0.05 on every fresh set (bundled clean sets
included), (4) no more clean rows flagged than the default, (5) per table the median time per
set ≤ TIME_RATIO × the default's (``tabular_s66_h16d_rule.judge`` with gain 0 gives (2)-(5)),
(6) the spent real tables (``--real-*``) with rows flagged (judged poisoned) no more than under
``verdict=6``. The worst family is printed for the default, ``verdict=6`` and the candidate.

    python benchmarks/tabular_s77_h16d_rule.py --default A_default.json … --candidate \
        A_candidate.json … --beside A_beside.json … --clean-default … --clean-candidate … \
        --clean-beside … --real-default … --real-candidate … --real-beside …
"""

from __future__ import annotations

import argparse

from tabular_pairs_rule import clean_counts, families, family_table, load, meets
from tabular_s66_h16d_rule import judge
from tabular_s76_h16d_rule import CLEAN_TABLES, GAIN, TIME_RATIO, verdict_lines

CLEAN_ROWS = 1.0
NAMES = ("default", "candidate", "beside", "clean-default", "clean-candidate", "clean-beside",
         "real-default", "real-candidate", "real-beside")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in NAMES:
        parser.add_argument(f"--{name}", nargs="+", required=True)
    args = parser.parse_args()
    rows = {name: load(getattr(args, name.replace("-", "_"))) for name in NAMES}
    default, candidate, six = rows["default"], rows["candidate"], rows["beside"]
    out = judge(default, candidate, rows["clean-default"], rows["clean-candidate"], GAIN,
                TIME_RATIO, CLEAN_ROWS)
    (td, rd, n), (tc, rc, _) = (clean_counts(rows["clean-default"]),
                                clean_counts(rows["clean-candidate"]))
    t6, r6, _ = clean_counts(rows["clean-beside"])
    real = {k: clean_counts(rows[f"real-{k}"]) for k in ("default", "candidate", "beside")}
    conditions = {f"(1) clean tables flagged {tc} < {td} and <= {CLEAN_TABLES} of {n}":
                  tc < td and tc <= CLEAN_TABLES}
    for text, ok in out["conditions"].items():
        if text.startswith(("(2)", "(3)", "(5)", "(6)")):  # judge's (1) gain 0, (4) in ours
            conditions[text.replace("(5)", "(4)").replace("(6)", "(5)")] = ok
    nr = real["default"][2]
    conditions[f"(6) spent real tables judged poisoned {real['candidate'][0]} <= "
               f"verdict=6's {real['beside'][0]} of {nr}"] = (
        real["candidate"][0] <= real["beside"][0])
    family_table(default, candidate, "verdict=7")
    families(default, candidate, "verdict=7")
    family_table(default, six, "verdict=6")
    lost6 = [(r["dataset"], r["attack"], r["target"], r["seed"])
             for d, r in zip(default, six, strict=True) if meets(d) and not meets(r)]
    print(f"\ndirty-label sets at the goal: default {out['found_default']}, verdict=6 "
          f"{sum(map(meets, six))} (lost {lost6 or 'none'}), verdict=7 "
          f"{out['found_candidate']} of {out['dirty_sets']}")
    print(f"clean tables flagged: default {td} ({rd} rows), verdict=6 {t6} ({r6} rows), "
          f"verdict=7 {tc} ({rc} rows) of {n}")
    print("spent real tables with rows flagged: " + ", ".join(
        f"{k} {t} ({r} rows)" for k, (t, r, _) in real.items()) + f" of {nr}")
    verdict_lines({"default": default, "verdict=6": six, "verdict=7": candidate}, conditions)


if __name__ == "__main__":
    main()
