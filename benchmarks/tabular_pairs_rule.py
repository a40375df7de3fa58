"""Issue 16 stop 47: ``label-groups`` with and without ``pairs=1`` on the same data-level sets
(``bench_tabular_detect.py --json`` of each), set by set, and the rule committed before the
fresh bases were scored (docs/benchmarks.md, "label-groups on pairs of values"):

met = on the pooled sets of the given bases no set's flagged-row TPR falls by more than 0.02,
the candidate meets the goal (flags TPR ≥ 0.95 at FPR ≤ 0.05) on strictly more dirty-label
sets, and its FPR is ≤ 0.05 on every set (the clean ones included).

    python benchmarks/tabular_pairs_rule.py --default A.json [B.json] --candidate C.json [D.json]

Issue 16 stop 48b applies the same rule to ``tie_sure`` (``--name tie_sure`` names the
candidate in the printed tables; the default name ``pairs`` prints as before).

Issue 16 stop 49b: ``--families`` also prints per table × attack × target the sets at the goal
and the lowest TPR at FPR ≤ 5% both ways (the worst family), and each run's time per set per
table (median and largest ``wall_s``); without it the output is as before.

Issue 16 stop 50 (h16c): ``--ties`` lets the candidate meet the goal on as many sets as the
default (not strictly more), for a rule that returns to a simpler setting; without it the
rule is as before.

Issue 16 stop 51 (h16b): ``--clean-default`` / ``--clean-candidate`` (``tabular_clean_tables.py``
rows: clean tables, never poisoned) add a condition: the candidate flags rows on strictly
fewer of those tables than the default; each run's tables with a flag and rows flagged are
printed. Without them the rule is as before.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

GOAL_TPR, GOAL_FPR, MAX_LOSS = 0.95, 0.05, 0.02


def load(paths: list[str]) -> list[dict]:
    """The rows of several ``bench_tabular_detect.py --json`` files, in order."""
    rows: list[dict] = []
    for path in paths:
        with open(path) as fh:
            rows.extend(json.load(fh))
    return rows


def meets(row: dict) -> bool:
    """A dirty-label set found at the goal (the method's own flags)."""
    return row["poison"] > 0 and row["tpr"] >= GOAL_TPR and row["fpr"] <= GOAL_FPR


def rule(default: list[dict], candidate: list[dict], ties: bool = False) -> dict:
    """The committed rule over paired rows (same table, attack, target and seed); with
    ``ties`` the candidate may be at the goal on as many sets as the default."""
    key = lambda r: (r["dataset"], r["attack"], r["target"], r.get("seed"))  # noqa: E731
    if [key(r) for r in default] != [key(r) for r in candidate]:
        raise SystemExit("error: the two runs do not hold the same sets")
    losses = [(key(d), d["tpr"] - c["tpr"]) for d, c in zip(default, candidate, strict=True)
              if d["poison"] > 0 and d["tpr"] - c["tpr"] > MAX_LOSS]
    found_d, found_c = sum(map(meets, default)), sum(map(meets, candidate))
    worst_fpr = max(r["fpr"] for r in candidate)
    return {"found_default": found_d, "found_candidate": found_c,
            "dirty_sets": sum(r["poison"] > 0 for r in default), "losses": losses,
            "worst_fpr_candidate": worst_fpr,
            "met": (not losses and (found_c >= found_d if ties else found_c > found_d)
                    and worst_fpr <= GOAL_FPR)}


def worst(rows: list[dict]) -> dict[str, tuple[int, int, float]]:
    """Per attack family: sets at the goal, sets, lowest TPR at FPR ≤ 5% (score threshold)."""
    out: dict[str, tuple[int, int, float]] = {}
    for r in rows:
        if r["poison"] == 0:
            continue
        met, n, low = out.get(r["attack"], (0, 0, math.inf))
        out[r["attack"]] = (met + meets(r), n + 1, min(low, r["tpr_at_5pct_fpr"]))
    return out


def family_table(default: list[dict], candidate: list[dict], name: str) -> None:
    """Print per attack family both runs' sets at the goal and lowest TPR at FPR ≤ 5%."""
    print(f"| family | default: at goal, worst TPR@FPR≤5% | {name}: at goal, worst |")
    print("|---|---|---|")
    wd, wc = worst(default), worst(candidate)
    for family in wd:
        (md, n, ld), (mc, _, lc) = wd[family], wc[family]
        print(f"| {family} | {md}/{n}, {ld:.2f} | {mc}/{n}, {lc:.2f} |")


def families(default: list[dict], candidate: list[dict], name: str) -> None:
    """Print per table × attack × target both runs' sets at the goal and lowest TPR at FPR
    ≤ 5%, then each run's median and largest time per set per table."""
    print(f"\n| table × attack × target | default: at goal, worst TPR@FPR≤5% | {name} |")
    print("|---|---|---|")
    fam = lambda r: (r["dataset"], r["attack"], r["target"])  # noqa: E731
    for key in dict.fromkeys(fam(r) for r in default if r["poison"] > 0):
        cells = []
        for rows in (default, candidate):
            sub = [r for r in rows if fam(r) == key and r["poison"] > 0]
            cells.append(f"{sum(map(meets, sub))}/{len(sub)}, "
                         f"{min(r['tpr_at_5pct_fpr'] for r in sub):.2f}")
        print(f"| {' × '.join(map(str, key))} | {cells[0]} | {cells[1]} |")
    print(f"\n| table | time per set default: median / largest | {name} |")
    print("|---|---|---|")
    for table in dict.fromkeys(r["dataset"] for r in default):
        cells = []
        for rows in (default, candidate):
            t = [r["wall_s"] for r in rows if r["dataset"] == table and "wall_s" in r]
            cells.append(f"{float(np.median(t)):.1f} / {max(t):.1f} s" if t else "–")
        print(f"| {table} | {cells[0]} | {cells[1]} |")


def clean_counts(rows: list[dict]) -> tuple[int, int, int]:
    """Clean tables with any row flagged, rows flagged, tables."""
    return sum(r["flagged"] > 0 for r in rows), sum(r["flagged"] for r in rows), len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--default", nargs="+", required=True)
    parser.add_argument("--candidate", nargs="+", required=True)
    parser.add_argument("--name", default="pairs", help="the candidate's name in the tables")
    parser.add_argument("--families", action="store_true",
                        help="also per table × attack × target, and the time per set")
    parser.add_argument("--ties", action="store_true",
                        help="met also when the candidate is at the goal on as many sets")
    parser.add_argument("--clean-default", nargs="+", default=None,
                        help="tabular_clean_tables.py rows of the default (clean tables)")
    parser.add_argument("--clean-candidate", nargs="+", default=None)
    args = parser.parse_args()
    name = args.name
    default, candidate = load(args.default), load(args.candidate)
    print(f"| data | attack | target | seed | poison | ROC-AUC default / {name} | TPR@FPR≤5% |"
          f" flags TPR/FPR default | flags TPR/FPR {name} |")
    print("|---|---|---|---|---|---|---|---|---|")
    for d, c in zip(default, candidate, strict=True):
        auc = (f"{d['roc_auc']:.3f} / {c['roc_auc']:.3f}" if d["poison"] else "–")
        t5 = (f"{d['tpr_at_5pct_fpr']:.2f} / {c['tpr_at_5pct_fpr']:.2f}" if d["poison"] else "–")
        tpr = lambda r: f"{r['tpr']:.2f}" if r["poison"] else "–"  # noqa: E731
        print(f"| {d['dataset']} | {d['attack']} | {d['target'] if d['poison'] else '–'} | "
              f"{d.get('seed')} | {d['poison']} | {auc} | {t5} | {tpr(d)}/{d['fpr']:.3f} | "
              f"{tpr(c)}/{c['fpr']:.3f} |")
    print()
    family_table(default, candidate, name)
    if args.families:
        families(default, candidate, name)
    result = rule(default, candidate, args.ties)
    if args.clean_default:
        (td, fd, n), (tc, fc, _) = (clean_counts(load(args.clean_default)),
                                    clean_counts(load(args.clean_candidate)))
        print(f"\nclean tables with a flag: default {td} of {n} ({fd} rows), {name} {tc} of {n}"
              f" ({fc} rows)")
        result["met"] = result["met"] and tc < td
    print(f"\nat the goal: default {result['found_default']}, {name} {result['found_candidate']}"
          f" of {result['dirty_sets']} dirty-label sets; sets losing > {MAX_LOSS} TPR: "
          f"{result['losses'] or 'none'}; worst FPR with {name} "
          f"{result['worst_fpr_candidate']:.3f}; "
          f"{'ties allowed; ' if args.ties else ''}"
          f"rule **{'met' if result['met'] else 'not met'}**")


if __name__ == "__main__":
    main()
