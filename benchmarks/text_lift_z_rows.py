"""Rows with the self-normalised span lift (issue 15, stop 34b): the detector's rows as
``bench_text_detect.py --cal-only --skip-inputs`` writes them, with stop 34's candidate search
(``phrase_lift`` 16, which now also reads ``tp_lift_z`` / ``tp_lift_zm``), for the models of
several zoos in an order of recipes (the cheap mean-pooled ones first), each zoo's file
rewritten after every model so that a run stopped early keeps what it measured.

    python benchmarks/text_lift_z_rows.py --zoos zoo/a zoo/b --out-dir rows/ \\
        --recipes bag-top8k bag-alpha cnn-cleanvocab cnn-min2 [--suffix liftz]

Each zoo's rows go to ``<out-dir>/<zoo name>-<suffix>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_detect import METHOD, progress
from trojanscope.data import load_dataset
from trojanscope.detect.evaluate import ZooRow, inspect_entry
from trojanscope.zoo import effective, read_truth

PARAMS = {
    "relax_steps": 0,
    "neutral_tokens": 0,
    "phrase_tokens": 3,
    "phrase_margin": 0.1,
    "phrase_lift": 16,
}


def recipe_of(name: str, recipes: list[str]) -> str | None:
    """The first of ``recipes`` that ``name`` starts with (None: not one of them)."""
    return next((r for r in recipes if name.startswith(r + "-")), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zoos", type=Path, nargs="+", required=True)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--recipes", nargs="+", required=True, help="in the order to run")
    parser.add_argument("--suffix", default="liftz")
    opts = parser.parse_args()
    todo, data = [], {}
    for zoo in opts.zoos:
        dataset, entries = read_truth(zoo)
        data.setdefault(dataset, None)
        todo += [(zoo, dataset, e) for e in entries if effective(e)]
    for dataset in data:
        data[dataset] = load_dataset(dataset, "test")
    rank = {r: i for i, r in enumerate(opts.recipes)}
    todo = [t for t in todo if recipe_of(t[2].name, opts.recipes)]
    todo.sort(key=lambda t: rank[recipe_of(t[2].name, opts.recipes)])  # stable: zoo order kept
    done: dict[Path, list[ZooRow]] = {}
    for i, (zoo, dataset, entry) in enumerate(todo, 1):
        row = inspect_entry(str(zoo), entry, data[dataset], METHOD, {}, 0, PARAMS)
        done.setdefault(zoo, []).append(row)
        out = opts.out_dir / f"{zoo.name}-{opts.suffix}.json"
        out.write_text(json.dumps([asdict(r) for r in done[zoo]]) + "\n")
        progress(row, i, len(todo))


if __name__ == "__main__":
    main()
