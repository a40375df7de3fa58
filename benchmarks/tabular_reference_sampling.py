"""Reference trees that copy the model's row/column sampling, against plain ones (issue 16,
stop 34).

``bench_tabular_reference.py`` writes a tree row's ``<feature>_ref`` (its feature less that of a
clean reference of its library and size trained on the clean rows); with ``--sampling`` the
reference also copies the row and column shares the model records. Given the two outputs for
the same rows (plain first, sampled second), this prints per library and feature: the clean
trees' ``_ref`` mean and spread (a clean twin puts a clean model near 0), the backdoored
trees' mean, and the ROC-AUC of backdoored against clean trees for the feature itself and
its ``_ref`` both ways:

    PYTHONPATH=src python benchmarks/tabular_reference_sampling.py --plain ROWS... --sampled ROWS...
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from sklearn.metrics import roc_auc_score

from trojanscope.detect.tree_reference import REFERENCED


def tree_rows(files: list[str]) -> dict[tuple[str, str], dict]:
    """Tree rows of ``files`` by (zoo, name)."""
    out = {}
    for f in files:
        with open(f) as fh:
            payload = json.load(fh)
        for row in payload["rows"]:
            if row.get("family", "").startswith("tree"):
                out[(payload["zoo"], row["name"])] = row
    return out


def auc(rows: list[dict], key: str) -> float:
    """ROC-AUC of ``key`` for backdoored against clean rows (nan with one label only)."""
    y = [int(r["backdoored"]) for r in rows]
    if len(set(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, [r["features"].get(key, 0.0) for r in rows]))


def table(plain: dict, sampled: dict) -> None:
    """The comparison, per library and pooled."""
    keys = sorted(set(plain) & set(sampled))
    libraries = sorted({plain[k]["family"] for k in keys})
    print(
        "| library (clean, backdoored) | feature | own AUC | clean `_ref` mean (sd) plain → "
        "sampled | backdoored `_ref` mean plain → sampled | `_ref` AUC plain → sampled |"
    )
    print("|---|---|---|---|---|---|")
    for lib in [*libraries, "all"]:
        ks = [k for k in keys if lib == "all" or plain[k]["family"] == lib]
        p, s = [plain[k] for k in ks], [sampled[k] for k in ks]
        n_bd = sum(r["backdoored"] for r in p)
        for feat in REFERENCED:
            ref = f"{feat}_ref"
            cp = np.array([r["features"][ref] for r in p if not r["backdoored"]])
            cs = np.array([r["features"][ref] for r in s if not r["backdoored"]])
            bp = np.array([r["features"][ref] for r in p if r["backdoored"]])
            bs = np.array([r["features"][ref] for r in s if r["backdoored"]])
            print(
                f"| {lib} ({len(ks) - n_bd}, {n_bd}) | `{feat}` | {auc(p, feat):.3f} | "
                f"{cp.mean():+.3f} ({cp.std():.3f}) → {cs.mean():+.3f} ({cs.std():.3f}) | "
                f"{bp.mean():+.3f} → {bs.mean():+.3f} | {auc(p, ref):.3f} → {auc(s, ref):.3f} |"
            )
    same = [k for k in keys if not plain[k]["backdoored"]]
    moved = [
        max(
            abs(plain[k]["features"][f"{f}_ref"] - sampled[k]["features"][f"{f}_ref"])
            for f in REFERENCED
        )
        for k in same
    ]
    print(
        f"clean trees: {len(same)}; largest change of a `_ref` feature per clean tree: "
        f"median {np.median(moved):.3f}, max {np.max(moved):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain", nargs="+", required=True, help="rows, plain references")
    parser.add_argument("--sampled", nargs="+", required=True, help="rows, sampled references")
    args = parser.parse_args()
    table(tree_rows(args.plain), tree_rows(args.sampled))


if __name__ == "__main__":
    main()
