"""Detection of several ``auto`` variants side by side, from ``bench_detect_data_retrain.py
--detect-only`` rows (issue 13, stop 42): per set, each variant's TPR / FPR (flagged) and what
each differs from the first (carriers, clean samples), then per variant the sets at the
detection goal (TPR >= 0.95, FPR <= 0.05) and the worst TPR / FPR per family.

    python benchmarks/table_detect_data_variants.py --variants confined,mended,pairs,outpure \
        DIR/det/*.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def rows_of(paths: list[Path]) -> list[dict]:
    """Every row of the given JSON files, in the order given."""
    return [r for p in paths for r in json.loads(p.read_text())["rows"]]


def differ(row: dict, base: str, v: str) -> str:
    """What variant ``v`` adds to (or drops from) ``base`` on one set, in samples."""
    carriers = round((row[f"{v}_tpr"] - row[f"{base}_tpr"]) * row["n_poison"])
    clean = row[f"{v}_flagged"] - row[f"{base}_flagged"] - carriers
    parts = [f"{n:+d} {what}" for n, what in ((carriers, "carriers"), (clean, "clean")) if n]
    return ", ".join(parts) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="+", type=Path)
    parser.add_argument("--variants", default="confined,mended")
    opts = parser.parse_args()
    variants = opts.variants.split(",")
    rows = rows_of(opts.rows)
    head = " | ".join(f"{v} TPR / FPR (flagged)" for v in variants)
    print(f"| set | carriers | {head} | " + " | ".join(f"{v} − {variants[0]}"
                                                     for v in variants[1:]) + " |")
    print("|---" * (2 + 2 * len(variants) - 1) + "|")
    for r in rows:
        cells = [f"{r[f'{v}_tpr']:.3f} / {r[f'{v}_fpr']:.4f} ({r[f'{v}_flagged']})"
                 for v in variants]
        print(f"| {r['set']} | {r['n_poison']} | " + " | ".join(cells) + " | "
              + " | ".join(differ(r, variants[0], v) for v in variants[1:]) + " |")
    summary = {}
    for v in variants:
        goal = [r["set"] for r in rows if r[f"{v}_tpr"] >= 0.95 and r[f"{v}_fpr"] <= 0.05]
        fams: dict[str, dict] = {}
        for r in rows:
            f = fams.setdefault(r["set"].split()[0], {"tpr": (2.0, ""), "fpr": (-1.0, "")})
            f["tpr"] = min(f["tpr"], (round(r[f"{v}_tpr"], 3), r["set"].split()[-1]))
            f["fpr"] = max(f["fpr"], (round(r[f"{v}_fpr"], 4), r["set"].split()[-1]))
        summary[v] = {"at_goal": len(goal), "sets": len(rows), "worst_by_family": fams}
        print(f"{v}: at goal {len(goal)} of {len(rows)}; worst per family "
              + "; ".join(f"{k} TPR {f['tpr'][0]} ({f['tpr'][1]}), FPR {f['fpr'][0]} "
                          f"({f['fpr'][1]})" for k, f in fams.items()))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
