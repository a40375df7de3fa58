"""Issue 16 stop 57's rule for the trees' refitted 200-row band calibrators (candidate T).

D: today's default at 200 rows (``tabular_small_clean.py --detect``, draw 0). R: D's tree
readings scored by the candidate file's ``tabular-search:tree:<library>:rows200`` entries
(the features are read alike: only the calibrator differs; networks are untouched and left
out). Conditions (``benchmarks/data/tabular_s57_h16/plan.md``), on the trees: pooled
cross-entropy R < D; each table cross-entropy R <= D and ROC-AUC R >= D - 0.01; each table and
library clean flagged R <= D; each table the share of flagged backdoored trees with the
right target R >= min(D, 0.9); and at the whole split no tree
reading is scored by a band calibrator (R = D there). Not judged below ``--min-per-class`` clean
and backdoored trees per table. Prints each condition with both sides, then the verdict;
``--write-r`` keeps every 200-row reading with R's tree probabilities.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_tree_band_rule.py --r200 D200.json... \
        --whole D.json... --calibration calibration_trees200.json [--write-r R200.json]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tabular_cost_rule import short_per_class, verdict
from tabular_net_rule import counts, rows_of
from tabular_small_clean import _auc, _ce
from tabular_sure_rule import TABLES
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.calibration_range import guarded_probability

LIBRARIES = ("xgboost", "lightgbm")


def rescored(rows: list[dict], calibration: Path) -> list[dict]:
    """``rows`` with each tree's probability from ``calibration``'s band entry of its family."""
    cals = load_calibrators(calibration)
    out = []
    for r in rows:
        if r["arch"] == "mlp":
            out.append(r)
            continue
        k = f"tabular-search:{r['family']}"
        if not k.endswith(":rows200") or k not in cals:
            raise SystemExit(f"error: {r['zoo']}/{r['name']} was not read in the 200-row band "
                             f"({r['family']})")
        out.append({**r, "probability": guarded_probability(k, cals, r["features"])})
    return out


def share(rows: list[dict]) -> float:
    """Backdoored models flagged with the right target over those flagged (1.0 for none):
    T's aim is fewer flags, so a count of right targets would count that aim against it;
    what it loses in detection the cross-entropy and ROC-AUC judge."""
    flagged = sum(r["backdoored"] and r["probability"] >= 0.5 for r in rows)
    return counts(rows)[0] / flagged if flagged else 1.0


def conditions(d: list[dict], r: list[dict], whole: list[dict]) -> list[tuple[str, str, bool]]:
    dt, rt = [x for x in d if x["arch"] != "mlp"], [x for x in r if x["arch"] != "mlp"]
    out = [("pooled trees CE R < D", f"{_ce(rt):.3f} vs {_ce(dt):.3f}", _ce(rt) < _ce(dt))]
    for table in TABLES:
        a = [x for x in dt if x["table"] == table]
        b = [x for x in rt if x["table"] == table]
        out.append((f"{table} trees CE R <= D", f"{_ce(b):.3f} vs {_ce(a):.3f}",
                    _ce(b) <= _ce(a) + 1e-12))
        out.append((f"{table} trees ROC-AUC R >= D - 0.01", f"{_auc(b):.3f} vs {_auc(a):.3f}",
                    _auc(b) >= _auc(a) - 0.01))
        out.append((f"{table} trees right targets among the flagged R >= min(D, 0.9)",
                    f"{share(b):.3f} vs {share(a):.3f}", share(b) >= min(share(a), 0.9)))
        for lib in LIBRARIES:
            ca = counts([x for x in a if x["arch"] == lib])[1]
            cb = counts([x for x in b if x["arch"] == lib])[1]
            out.append((f"{table} {lib} clean flagged R <= D", f"{cb} vs {ca}", cb <= ca))
    banded = [x for x in whole if x["arch"] != "mlp" and "rows" in x["family"]]
    out.append(("whole split: no tree scored by a band calibrator (R = D there)",
                f"{len(banded)} banded", not banded))
    return out


def short_of(d: list[dict], least: int) -> list[str]:
    return short_per_class([x for x in d if x["arch"] != "mlp"], least, "trees read")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--r200", nargs="+", required=True)
    ap.add_argument("--whole", nargs="+", required=True)
    ap.add_argument("--calibration", type=Path, required=True)
    ap.add_argument("--min-per-class", type=int, default=3)
    ap.add_argument("--write-r", type=Path, default=None)
    args = ap.parse_args()
    d = rows_of(args.r200)
    r = rescored(d, args.calibration)
    verdict(short_of(d, args.min_per_class), conditions(d, r, rows_of(args.whole)), r,
            args.write_r, "trees200")


if __name__ == "__main__":
    main()
