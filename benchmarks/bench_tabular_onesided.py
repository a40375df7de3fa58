"""One-sided box terms for the tree calibrators, leave one zoo out (issue 16 stop 31c; a study).

``tab_box`` / ``tab_major_box`` stand above every clean model for most credit-default target-0
trees (stop 31), yet inside the clean range they say little. This adds ``max(0, x - floor)``
to each shipped tree entry, the floor being the largest value among the training folds' clean
models — of all tables pooled, or of the model's own table — and scores it as
``bench_tabular_calibrate.py --by-zoo --flips`` does (the same folds, labelling and cells):

    PYTHONPATH=src python benchmarks/bench_tabular_onesided.py --rows ROWS... --flips FLIPS...

Development only: nothing here is shipped (a per-table floor needs the table's name, which a
user's CSV does not have).
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from bench_tabular_calibrate import (
    CURRENT,
    DESIGNS,
    in_family,
    load_rows,
    new_labelling,
    worst_cell,
    zoo_group,
)
from trojanscope.detect.calibration import fit_calibrator

HINGED = ([], ["tab_major_box"], ["tab_box"], ["tab_major_box", "tab_box"])
# the transform of each tree entry as shipped before stop 31c (``CURRENT``'s designs)
BEFORE = {"tree:xgboost": "log", "tree:lightgbm": "none"}


def with_overs(row: dict, hinged: list[str], floors: dict) -> dict:
    """``row``'s features with ``<f>_over = max(0, f - floor)`` for each feature ``f`` hinged."""
    feats = dict(row["features"])
    for f in hinged:
        feats[f"{f}_over"] = max(0.0, feats[f] - floors[(f, row["table"])])
    return feats


def out_of_fold(
    sub: list[dict],
    y: np.ndarray,
    base: list[str],
    hinged: list[str],
    transform: str,
    per_table: bool,
) -> np.ndarray:
    """Each zoo fold predicted by the design fitted on the others, floors from their clean."""
    fold = np.array([zoo_group(r["zoo"]) for r in sub])
    tables = sorted({r["table"] for r in sub})
    p = np.zeros(len(sub))
    for g in sorted(set(fold)):
        test, train = fold == g, fold != g
        clean = [sub[i] for i in np.flatnonzero(train & (y == 0))]
        floors = {
            (f, t): max(r["features"][f] for r in clean if not per_table or r["table"] == t)
            for f in hinged
            for t in tables
        }
        names = [*base, *(f"{f}_over" for f in hinged)]
        cal = fit_calibrator(
            "x",
            [with_overs(sub[i], hinged, floors) for i in np.flatnonzero(train)],
            list(y[train]),
            names,
            transform=transform,
            c=10.0,
        )
        for i in np.flatnonzero(test):
            p[i] = cal.probability(with_overs(sub[i], hinged, floors))
    return np.clip(p, 1e-6, 1 - 1e-6)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True, help="packed development rows")
    ap.add_argument("--flips", nargs="+", required=True, help="flip-rate replays (labelling)")
    args = ap.parse_args()
    rows = new_labelling(load_rows(args.rows), args.flips)
    for fam in CURRENT:  # the floors on every row: each table's clean maximum
        for f in HINGED[-1]:
            for t in sorted({r["table"] for r in rows}):
                own = [r for r in rows if in_family(r, fam) and r["table"] == t]
                top = max(r["features"][f] for r in own if not r["backdoored"])
                zero = [r["features"][f] for r in own if r["backdoored"] and r["target"] == 0]
                print(
                    f"{fam} {f} {t}: clean maximum {top:.3f}; target-0 backdoors above it "
                    f"{sum(v > top for v in zero)}/{len(zero)}"
                )
    print(
        "| library | one-sided terms | floor | transform | all | target 0 (+ clean) | "
        "clean flagged | worst table x target |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for fam, design in CURRENT.items():
        base = DESIGNS[fam][design]
        sub = [r for r in rows if in_family(r, fam)]
        y = np.array([int(r["backdoored"]) for r in sub])
        target = np.array([r["target"] if r["backdoored"] else -1 for r in sub])
        for hinged in HINGED:
            for per_table in (False, True) if hinged else (False,):
                transforms = ("none", "log") if hinged else (BEFORE[fam],)
                for transform in transforms:
                    p = out_of_fold(sub, y, base, hinged, transform, per_table)
                    zero = (target == 0) | (y == 0)
                    print(
                        f"| {fam} | {' + '.join(hinged) or '– (the entry before stop 31c)'} | "
                        f"{'per table' if per_table else 'pooled'} | {transform} | "
                        f"{log_loss(y, p, labels=[0, 1]):.3f} / {roc_auc_score(y, p):.3f} | "
                        f"{log_loss(y[zero], p[zero], labels=[0, 1]):.3f} / "
                        f"{roc_auc_score(y[zero], p[zero]):.3f} | "
                        f"{int((p[y == 0] >= 0.5).sum())}/{int((y == 0).sum())} | "
                        f"{worst_cell(sub, y, p, target)} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
