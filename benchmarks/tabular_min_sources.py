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

``--compare DEFAULT.json... --candidate CANDIDATE.json...`` (packed rows, the same models in
the same order of files) lists per model what changed: the backdoors the default catches
(p >= 0.5) and the candidate misses, the clean models flagged per table and library by each,
and each (table, library, target) family's cross-entropy (its backdoors with the table's clean
models of the library) by each, with the largest rise.

``--skips PACKED.json...`` (review of stop 38: the share rule) reads each tree row's recorded
``sources`` and its table's clean rows per class (the ``test`` split ``zoo eval`` reads) and
lists, per tree, the classes skipped by the count alone (``n < min_sources``, the rule the
fresh zoo was read with) and by :func:`silent_classes` (also ``n < SILENT_SHARE`` of the other
classes' rows), and whether any tree differs — the share rule leaves the reading unchanged
where none does.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
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


def _packed(files: list[str]) -> dict[tuple[str, str], dict]:
    """(table, model name) -> row, over packed rows files."""
    out = {}
    for f in files:
        payload = json.loads(Path(f).read_text())
        for r in payload["rows"]:
            out[(payload["dataset"], r["name"])] = r
    return out


def _ce(rows: list[dict]) -> float:
    p = np.clip([r["probability"] for r in rows], 1e-6, 1 - 1e-6)
    y = np.array([r["backdoored"] for r in rows], dtype=float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def compare(default_files: list[str], candidate_files: list[str]) -> None:
    """What the candidate changes against the default, model by model and per family."""
    old, new = _packed(default_files), _packed(candidate_files)
    if old.keys() != new.keys():
        raise SystemExit("error: the two sets of rows hold different models")
    lost = [
        k
        for k in old
        if old[k]["backdoored"] and old[k]["probability"] >= 0.5 and new[k]["probability"] < 0.5
    ]
    print(f"backdoors caught by the default and missed by the candidate: {lost or 'none'}")
    for table, arch in sorted({(k[0], r["arch"]) for k, r in old.items()}):
        clean = [
            k for k, r in old.items() if k[0] == table and r["arch"] == arch and not r["backdoored"]
        ]
        flagged = [sum(rows[k]["probability"] >= 0.5 for k in clean) for rows in (old, new)]
        print(
            f"{table} {arch}: clean flagged {flagged[0]}/{len(clean)} -> {flagged[1]}/{len(clean)}"
        )
    rises = []
    families = sorted({(k[0], r["arch"], r["target"]) for k, r in old.items() if r["backdoored"]})
    for table, arch, target in families:
        keys = [
            k
            for k, r in old.items()
            if k[0] == table
            and r["arch"] == arch
            and (not r["backdoored"] or r["target"] == target)
        ]
        ce = [_ce([rows[k] for k in keys]) for rows in (old, new)]
        rises.append(ce[1] - ce[0])
        print(f"{table} {arch} target {target}: CE {ce[0]:.3f} -> {ce[1]:.3f}")
    print(f"largest family rise in CE: {max(rises):+.3f}")


def skips(files: list[str], min_sources: int) -> None:
    """Per tree row with ``sources``: the classes skipped by the count alone and by the share
    rule (:func:`silent_classes`), from the recorded counts and the table's class sizes."""
    from trojanscope.detect.tabular_search import skipped_of

    differ = 0
    for f in files:
        payload = json.loads(Path(f).read_text())
        clean = load_dataset(payload["dataset"], "test")
        _, y = clean.get_batch(torch.arange(len(clean)))
        sizes = np.bincount(y.numpy(), minlength=clean.num_classes)
        others = [int(sizes.sum() - s) for s in sizes]
        print(f"{payload['dataset']}: clean rows of other classes per class {others}")
        for r in (r for r in payload["rows"] if "sources" in r):
            n = r["sources"]
            count_only = skipped_of(n, [10**12] * len(n), min_sources)  # the share never binds
            share = skipped_of(n, others, min_sources)
            differ += share != count_only
            print(
                f"  {r['name']:28s} {r.get('arch', ''):9s} sources {n} skipped "
                f"{sorted(count_only)} -> {sorted(share)}"
            )
    print(f"trees whose skipped classes change under the share rule: {differ}")


def main() -> None:
    if "--skips" in sys.argv:
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--skips", nargs="+", required=True)
        ap.add_argument("--min-sources", type=int, default=10)
        args = ap.parse_args()
        skips(args.skips, args.min_sources)
        return
    if "--compare" in sys.argv:
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--compare", nargs="+", required=True)
        ap.add_argument("--candidate", nargs="+", required=True)
        args = ap.parse_args()
        compare(args.compare, args.candidate)
        return
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
