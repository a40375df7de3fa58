"""Trees read without the classes they have (nearly) no rows to flip (issue 16 stop 38).

Lending-club's clean XGBoost models were flagged because ``tabular-search`` searched class 0
from the few bad rows such a tree answers rightly: one value flips them all (``tab_score``
1.0) and class 0's box excess is high. ``-p min_sources=N`` skips a class with fewer than N
such rows. This script re-inspects a zoo's tree models with that parameter and writes the
zoo's ``zoo eval --json`` rows with those models' rows replaced (the networks' rows are left
as they are: the parameter reads trees only), each tree row also recording its rows to flip
per class (``sources``), so ``bench_tabular_detect.py --rows`` and ``bench_tabular_target0.py
--rule`` read the candidate as they read the default.

    PYTHONPATH=src python benchmarks/tabular_min_sources.py --zoo ZOO --rows ROWS.json \
        --out OUT.json [--min-sources 10] [--archs xgboost,lightgbm] [--only-silent]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, fields
from pathlib import Path

import torch

torch.set_num_threads(1)

from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.detect.calibration import load_calibrators  # noqa: E402
from trojanscope.detect.evaluate import ZooRow, inspect_entry, score_rows  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.zoo import effective, read_truth  # noqa: E402

ZOO_ROW = {f.name for f in fields(ZooRow)}


def sources(zoo: Path, name: str, clean) -> list[int]:
    """Per class, the clean rows of another class the model answers rightly."""
    model = load_model(zoo / name).module
    x, y = clean.get_batch(torch.arange(len(clean)))
    with torch.no_grad():
        own = model(x).float().argmax(1)
    return [int(((y != t) & (own == y)).sum()) for t in range(clean.num_classes)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, required=True)
    ap.add_argument("--rows", type=Path, required=True, help="the zoo's default rows")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--min-sources", type=int, default=10)
    ap.add_argument("--archs", default="xgboost,lightgbm")
    ap.add_argument("--calibration", type=Path, default=None)
    ap.add_argument(
        "--only-silent",
        action="store_true",
        help="re-inspect only the trees with a class short of rows; the others keep "
        "their row (with no such class the search runs exactly as by default)",
    )
    args = ap.parse_args()
    archs = set(args.archs.split(","))
    payload = json.loads(args.rows.read_text())
    dataset, listed = read_truth(args.zoo)
    entries = {e.name: e for e in listed if effective(e)}
    clean = load_dataset(dataset, "test")
    cals = load_calibrators(args.calibration)
    params = {"min_sources": args.min_sources}
    out_rows = []
    for row in payload["rows"]:
        arch = entries[row["name"]].arch
        if arch not in archs:
            out_rows.append(row)
            continue
        counts = sources(args.zoo, row["name"], clean)
        if args.only_silent and min(counts) >= args.min_sources:
            out_rows.append({**row, "sources": counts})
            continue
        new = {k: v for k, v in row.items() if k not in ZOO_ROW}  # packed extras (arch)
        new |= asdict(
            inspect_entry(
                str(args.zoo), entries[row["name"]], clean, "tabular-search", cals, 0, params
            )
        )
        new["sources"] = counts
        print(
            f"{row['name']:28s} {arch:9s} sources {new['sources']} "
            f"p {row['probability']:.3f} -> {new['probability']:.3f} "
            f"target {row['predicted_target']} -> {new['predicted_target']}",
            flush=True,
        )
        out_rows.append(new)
    scores = score_rows([ZooRow(**{k: v for k, v in r.items() if k in ZOO_ROW}) for r in out_rows])
    args.out.write_text(
        json.dumps(
            {
                **payload,
                "method": f"tabular-search min_sources={args.min_sources} (trees)",
                "scores": scores,
                "rows": out_rows,
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
