"""Stop 39's per-model table (issue 14; docs/benchmarks.md, "issue 14, stop 39"): for each fresh
model, the served guard (one pass, ``rare=false``), the candidate (``rare=true``), and, scored
after the rule in separate processes, ``detect-inputs``' default (``mahalanobis``, five passes)
and STRIP (20 overlays); then, per method, models at the goal, mean / worst ROC-AUC and TPR, the
guard FPR and the worst trigger family. Reads ``OUT/rare_served_stop39_*.json`` and
``OUT/fivepass_stop39_*.json`` (foreign rows name their zoo; ours do not). Measurement only.

    PYTHONPATH=src python benchmarks/served_rare_table_stop39.py OUT_DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from isolated_rule_stop35 import at_goal

LABELS = {"rare=false": "served guard", "rare=true": "with rare", "strip": "STRIP"}


def label(row: dict) -> str:
    """The method's short name in the table."""
    text = (row.get("requested") or row["method"]).lower()
    return next((v for k, v in LABELS.items() if k in text), "detect-inputs default")


def rows_of(out: Path) -> dict[str, dict[str, dict]]:
    """Per model (``zoo/name`` or the run's name), per method label, its row."""
    table: dict[str, dict[str, dict]] = {}
    for path in sorted(out.glob("rare_served_stop39_*.json")) + sorted(
        out.glob("fivepass_stop39_*.json")
    ):
        data = json.loads(path.read_text())
        for r in data["rows"] if isinstance(data, dict) else data:
            name = f"{Path(r['zoo']).name}/{r['model']}" if "zoo" in r else r["model"]
            r["family"] = r.get("trigger") or r["model"].split("-")[0]
            table.setdefault(name, {})[label(r)] = r
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    table = rows_of(args.out)
    methods = ["served guard", "with rare", "detect-inputs default", "STRIP"]
    print("| model | trigger | positives | " + " | ".join(methods) + " |")
    print("|---|---|---:|" + "---|" * len(methods))
    for name, by in sorted(table.items(), key=lambda kv: ("/" not in kv[0], kv[0])):
        first = next(iter(by.values()))
        cells = [
            f"{by[m]['roc_auc']:.4f} / {by[m]['tpr_at_fpr']:.3f} / {by[m]['guard_fpr']:.3f}"
            if m in by
            else "–"
            for m in methods
        ]
        print(f"| {name} | {first['family']} | {first['positives']} | " + " | ".join(cells) + " |")
    for pop, foreign in (("foreign", True), ("own", False)):
        for m in methods:
            rs = [by[m] for name, by in table.items() if m in by and ("/" in name) == foreign]
            if not rs:
                continue
            tpr = np.array([r["tpr_at_fpr"] for r in rs])
            auc = np.array([r["roc_auc"] for r in rs])
            fpr = np.array([r["guard_fpr"] for r in rs])
            fam: dict[str, list[float]] = {}
            for r in rs:
                fam.setdefault(r["family"], []).append(r["tpr_at_fpr"])
            worst = min(fam, key=lambda f: np.mean(fam[f]))
            print(
                f"{pop} {m}: {sum(at_goal(r) for r in rs)}/{len(rs)} at the goal; ROC-AUC mean "
                f"{auc.mean():.4f} worst {auc.min():.4f}; TPR mean {tpr.mean():.3f} worst "
                f"{tpr.min():.3f}; guard FPR mean {fpr.mean():.4f} max {fpr.max():.3f}; worst "
                f"family {worst} {np.mean(fam[worst]):.3f}"
            )


if __name__ == "__main__":
    main()
