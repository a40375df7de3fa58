"""How much of a tree's band features is its depth, with and without the depth twins (issue 16
stop 73, h16).

Over the 200-row readings given (``tabular_small_clean.py`` rows read with ``-p depth_twins=N``),
per feature: ROC-AUC of backdoored against clean readings, and among clean readings the
correlation with ``tab_leaves`` (how far the feature follows the tree's depth), for today's band
features and their ``_twin`` forms; and the clean readings flagged by the stored probability.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s73_h16_depth.py --rows R200.json ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_small_clean import _auc

FEATURES = ("tab_box", "tab_mass_group", "tab_major_recur", "tab_mass")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="+", required=True)
    args = ap.parse_args()
    rows = [r for p in args.rows for r in json.loads(Path(p).read_text())["rows"]]
    clean = [r for r in rows if not r["backdoored"]]
    leaves = [r["features"]["tab_leaves"] for r in clean]
    print(f"{len(rows)} readings ({len(rows) - len(clean)} backdoored); clean flagged "
          f"{sum(r['probability'] >= 0.5 for r in clean)} of {len(clean)}; ROC-AUC of the "
          f"stored probability {_auc(rows):.3f}")
    for name in [f for k in FEATURES for f in (k, f"{k}_twin")] + ["tab_twin_leaves"]:
        scored = [{**r, "probability": r["features"][name]} for r in rows]
        corr = np.corrcoef([r["features"][name] for r in clean], leaves)[0, 1]
        print(f"{name:24s} ROC-AUC {_auc(scored):.3f}; clean: correlation with tab_leaves "
              f"{corr:+.2f}")


if __name__ == "__main__":
    main()
