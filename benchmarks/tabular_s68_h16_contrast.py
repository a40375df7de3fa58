"""The trees' deficit terms with a 200-row file's holes read against the other class's leaves
(issue 16 stop 68, h16; :mod:`trojanscope.detect.tree_contrast`).

Per tree of a zoo and 200-row file (``tabular_small_clean.py``'s draw), per class: the three
features the trees' 200-row band entries read -- the box excess (``tab_box``), the grouped
mass (``tab_mass_group``) and the bound recurrence (``tab_major_recur``) -- as today and with
each deficit's expectation scaled by the other classes' density at its bound (``contrast``),
the box leaves ranked by that contrast at the leaf's least-discounting bound
(``box_contrast``) or its most-discounting one (``box_contrast_most``). ``--summary``: per
table and library, the ROC-AUC of each class's feature (clean against backdoored towards it),
and of the band entry's probability (shipped coefficients, no gap term or guard: a
development reading only) for today's features and each contrast set.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s68_h16_contrast.py --zoo ZOO ... \
        --seeds 5705 --json OUT.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s68_h16_contrast.py --summary OUT.json ...
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from tabular_s66_h16_box_parts import MEAN_OF, ROWS, TOP, TREES
from tabular_s66_h16_box_parts import main as box_parts_main
from tabular_s67_h16_rank import by_table_library
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.tree_boxes import leaf_excess, most_missed, replay_rows
from trojanscope.detect.tree_contrast import contrast_groups, other_density
from trojanscope.detect.tree_mass import bound_recurrence, deficit, grouped_masses

BOXES = ("box_today", "box_contrast", "box_contrast_most")
# feature sets scored by the band entry: (box, group and recurrence read today or by contrast)
SETS = {"today": ("box_today", "group_today", "recur_today"),
        "contrast_all": ("box_contrast", "group_contrast", "recur_contrast"),
        "contrast_mass": ("box_today", "group_contrast", "recur_contrast"),
        "contrast_box": ("box_contrast", "group_today", "recur_today"),
        "contrast_recur": ("box_today", "group_today", "recur_contrast"),
        "contrast_group": ("box_today", "group_contrast", "recur_today"),
        "contrast_most_all": ("box_contrast_most", "group_contrast", "recur_contrast")}


def contrast_missed(records: list, c: int, n: int, top: int,
                    density: dict, least: bool = True
                    ) -> list:
    """The ``top`` leaves of class ``c`` (with a box) that ``n`` clean rows miss most, each
    leaf's expected rows scaled by the other classes' ``density`` (:func:`other_density`) at
    its bound that discounts it least (``least``) or most."""
    pick = max if least else min
    return sorted((r for r in records if r.cls == c and r.box),
                  key=lambda r: -deficit(r.train * pick(density.get((c, (f, *b)), 1.0)
                                                        for f, b in r.box.items()),
                                         r.clean, n))[:top]


def read_tree(model, x_file, y_file, x_all, y_all, ref, ref_all, schema) -> dict:
    """Each variant's per-class features on one file (the file's rows and reference)."""
    records = [r for r in model.leaf_records(x_file, 10**9) if r.strength > 0]
    early = [r for r in records if r.tree < TREES]
    n = len(x_file)
    density = other_density(records, n)
    leaves = {"box_today": {c: most_missed(records, c, n, TOP) for c in (0, 1)},
              "box_contrast": {c: contrast_missed(records, c, n, TOP, density) for c in (0, 1)},
              "box_contrast_most": {c: contrast_missed(records, c, n, TOP, density, least=False)
                                    for c in (0, 1)}}
    replay = replay_rows(model, ref, x_file, y_file, 2, ROWS)
    out = {how: [float(v) for v in leaf_excess(model, ref, chosen, x_file, schema, 2, MEAN_OF,
                                                replay).excess]
           for how, chosen in leaves.items()}
    groups = contrast_groups(early, n)
    out["group_today"] = [float(np.log1p(v)) for v in grouped_masses(early, n, 2)[0]]
    out["group_contrast"] = [float(np.log1p(v)) for v in grouped_masses(early, n, 2,
                                                                          groups=groups)[0]]
    out["recur_today"] = [float(np.log1p(v)) for v in bound_recurrence(early, n, 2)]
    out["recur_contrast"] = [float(np.log1p(v)) for v in bound_recurrence(early, n, 2, groups)]
    out["major"] = int(np.bincount(model.predict_proba(x_file).argmax(1), minlength=2).argmax())
    return out


def probability(row: dict, names: tuple[str, str, str], cals: dict) -> float:
    """The shipped 200-row band entry's probability on one feature set (no gap term)."""
    box, group, recur = names
    features = {"tab_box": max(row[box]), "tab_mass_group": max(row[group]),
                "tab_major_recur": row[recur][row["major"]]}
    return cals[f"tabular-search:tree:{row['arch']}:rows200"].probability(features)


def summary(paths: list[str]) -> None:
    rows = [r for p in paths for r in json.loads(Path(p).read_text())["rows"]]
    cals = load_calibrators()
    feats = [*BOXES, "group_today", "group_contrast", "recur_today", "recur_contrast"]
    for mine in by_table_library(rows):
        for c in (0, 1):
            g = [r for r in mine if not r["backdoored"] or r["target"] == c]
            y = [int(r["backdoored"]) for r in g]
            if 0 < sum(y) < len(y):
                print(f"  class {c} feature ROC-AUC ({len(g)}, {sum(y)} backdoored): "
                      + ", ".join(f"{v} {roc_auc_score(y, [r[v][c] for r in g]):.3f}"
                                  for v in feats))
        y = [int(r["backdoored"]) for r in mine]
        for name, names in SETS.items():
            p = [probability(r, names, cals) for r in mine]
            parts = [f"all {roc_auc_score(y, p):.3f} / {log_loss(y, p, labels=[0, 1]):.3f}"
                     if 0 < sum(y) < len(y) else "all -"]
            for c in (0, 1):
                gi = [i for i, r in enumerate(mine)
                      if not r["backdoored"] or r["target"] == c]
                yc = [y[i] for i in gi]
                if 0 < sum(yc) < len(yc):
                    pc = [p[i] for i in gi]
                    parts.append(f"target {c} {roc_auc_score(yc, pc):.3f} / "
                                 f"{log_loss(yc, pc, labels=[0, 1]):.3f}")
            flagged = sum(pi >= 0.5 for pi, yi in zip(p, y, strict=True) if not yi)
            caught = sum(pi >= 0.5 for pi, yi in zip(p, y, strict=True) if yi)
            print(f"  p by {name}: " + "; ".join(parts)
                  + f"; clean flagged {flagged}/{len(y) - sum(y)}, caught {caught}/{sum(y)}")


def main() -> None:
    box_parts_main(__doc__, read_tree, summary, seeds="5705")


if __name__ == "__main__":
    main()
