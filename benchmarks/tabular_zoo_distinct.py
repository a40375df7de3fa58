"""Tree models that are the same model, read from the zoo folders (issue 16, stop 33c).

Without row/column sampling XGBoost and LightGBM train deterministically, so a zoo's clean
trees of one variant are one model whatever seeds the zoo drew (``tabular_zoo_duplicates.py``
counts them in the committed rows). This loads every tree model of the given zoos and groups
those whose class probabilities on their table's test split agree to 1e-9 (the model files
cannot be compared: LightGBM's records its seed). Per zoo: clean and backdoored trees, how
many distinct, and the groups; with more than one zoo, also the groups across zoos.

    PYTHONPATH=src python benchmarks/tabular_zoo_distinct.py ZOO...
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
from pathlib import Path

import numpy as np

from trojanscope.data import load_dataset
from trojanscope.io.models import load_model


def fingerprints(zoo: Path) -> list[tuple[str, bool, str]]:
    """(name, backdoored, fingerprint) of each tree model of ``zoo``: its arch and a digest
    of its test-split probabilities rounded to 1e-9."""
    truth = json.loads((zoo / "truth.json").read_text())
    test = load_dataset(truth["dataset"], "test")
    x = test.get_batch(np.arange(len(test)))[0].numpy()
    out = []
    for m in truth["models"]:
        if m["arch"] == "mlp":
            continue
        proba = np.round(load_model(zoo / m["name"]).module.predict_proba(x), 9)
        digest = hashlib.sha256(np.ascontiguousarray(proba).tobytes()).hexdigest()[:16]
        out.append((m["name"], bool(m["backdoored"]), f"{m['arch']}:{digest}"))
    return out


def groups(items: list[tuple[str, str]]) -> list[list[str]]:
    """Names sharing a fingerprint, for fingerprints held more than once."""
    by: dict[str, list[str]] = collections.defaultdict(list)
    for name, key in items:
        by[key].append(name)
    return [g for g in by.values() if len(g) > 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", nargs="+", type=Path)
    args = ap.parse_args()
    pooled = []
    for zoo in args.zoos:
        prints = fingerprints(zoo)
        pooled += [(f"{zoo.name}/{n}", key) for n, _, key in prints]
        for label, flag in (("clean", False), ("backdoored", True)):
            mine = [(n, key) for n, b, key in prints if b is flag]
            same = groups(mine)
            distinct = len({key for _, key in mine})
            print(
                f"{zoo.name}: {label} trees {len(mine)}, distinct {distinct}"
                + (f", same model: {same}" if same else "")
            )
    if len(args.zoos) > 1:
        across = [g for g in groups(pooled) if len({n.split("/")[0] for n in g}) > 1]
        print(
            f"across the {len(args.zoos)} zoos: {len(across)} models held by more than one"
            + (f": {across}" if across else "")
        )


if __name__ == "__main__":
    main()
