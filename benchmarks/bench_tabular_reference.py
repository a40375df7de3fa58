"""Reference-tree features for stored tree rows (issue 16, development): ``<feature>_ref``.

``tabular-search`` sets a tree's features against a clean tree of its own library and size
trained on the clean rows (:mod:`trojanscope.detect.tree_reference`). The model's own features
do not change, so for rows already written by ``zoo eval --json`` (an older commit) this adds
only the ``_ref`` features — the reference's search, seeded as ``zoo eval`` seeds it — instead
of re-running every model:

    PYTHONPATH=src python benchmarks/bench_tabular_reference.py --rows ROWS --out NEW_ROWS

Rows of networks are copied unchanged. ``--check N`` recomputes the first N tree rows that
already hold ``_ref`` features and prints the largest difference (0: the script reproduces
``zoo eval``). ``--references N`` sets how many references (1, as ``-p references=1``; the
detector's default is 0, which gives every ``_ref`` feature 0) and ``--sampling`` makes them
copy the row and column shares the model records (``-p reference_sampling=true``, stop 34).
"""

from __future__ import annotations

import argparse
import json

import torch

torch.set_num_threads(1)

from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.detect.base import InspectionTarget  # noqa: E402
from trojanscope.detect.tabular_search import TabularSearch  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.zoo import read_truth  # noqa: E402


def add_references(rows_file: str, out: str | None, check: int, seed: int = 0,
                   references: int = 1, sampling: bool = False) -> None:
    with open(rows_file) as fh:
        payload = json.load(fh)
    dataset, _ = read_truth(payload["zoo"])
    clean = load_dataset(dataset, "test")
    x, y = clean.get_batch(torch.arange(len(clean)))
    detector = TabularSearch(references=references, reference_sampling=sampling)
    worst, done = 0.0, 0
    for row in payload["rows"]:
        if not row.get("family", "").startswith("tree"):
            continue
        if check and done >= check:
            break
        loaded = load_model(f"{payload['zoo']}/{row['name']}")
        target = InspectionTarget(loaded.module.eval(), loaded.input_shape, loaded.num_classes,
                                  clean)
        # the seed ``run`` draws first from ``inspect``'s generator
        drawn = int(torch.randint(0, 2**31 - 1, (1,),
                                  generator=torch.Generator().manual_seed(seed)))
        ref = detector.against_references(target, x, y, row["features"], drawn)
        if check:
            worst = max(worst, *(abs(v - row["features"][k]) for k, v in ref.items()))
        row["features"].update(ref)
        done += 1
        print(row["name"], int(row["backdoored"]), {k: round(v, 3) for k, v in ref.items()},
              flush=True)
    if check:
        print(f"largest difference over {done} rows: {worst:.2e}")
    elif out:
        with open(out, "w") as fh:
            json.dump(payload, fh, indent=1)
        print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", required=True, help="`zoo eval --json` rows")
    parser.add_argument("--out", default=None, help="rows with the _ref features added")
    parser.add_argument("--check", type=int, default=0,
                        help="recompute this many rows that hold _ref features; compare")
    parser.add_argument("--references", type=int, default=1, help="references per model")
    parser.add_argument("--sampling", action="store_true",
                        help="references copy the model's row and column shares")
    args = parser.parse_args()
    add_references(args.rows, args.out, args.check, references=args.references,
                   sampling=args.sampling)


if __name__ == "__main__":
    main()
