"""Each zoo tree's per-class target evidence read with a small clean file (issue 16 stop 61,
development).

``tabular-search`` names a tree's target by the class with the most missing training mass
where that reaches ``mass_sure``, else by the class whose missed leaves' boxes flip clean rows
most (:func:`trojanscope.detect.tabular_search.tree_target_order`); the readings that
``tabular_small_clean.py`` stores keep only the largest of each. This reads a zoo's trees again
with the same clean file (the same draw and seed as ``tabular_small_clean.py``) and writes, per
tree, one JSON line: truth, p under the shipped file, the order, every class's box response and
mass, each class's search score and first flip, and the trigger text per class.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_tree_classes.py ZOO SEED [--size 200] \
        > CLASSES.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from _common import run_main  # noqa: E402
from tabular_small_clean import draw, interleaved  # noqa: E402
from trojanscope import registry  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.detect import tabular_search  # noqa: E402
from trojanscope.detect.calibration import calibrate, load_calibrators  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.models.text_common import attach_encoder  # noqa: E402
from trojanscope.zoo import effective, read_truth  # noqa: E402


def recording(seen: dict):
    """``tree_target_order`` that also keeps its inputs (the per-class mass and box) in
    ``seen``: the order is the detector's own, unchanged."""
    order = tabular_search.tree_target_order

    def wrapped(ranked, mass, mass_sure, box):
        seen.update(mass=[float(m) for m in mass],
                    box=None if box is None else [float(b) for b in box])
        return order(ranked, mass, mass_sure, box)
    return wrapped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("seed", type=int)
    ap.add_argument("--size", type=int, default=200)
    args = ap.parse_args()
    dataset, listed = read_truth(args.zoo)
    test = load_dataset(dataset, "test")
    idx = draw(len(test), test.y.numpy(), args.size, args.seed, 0)
    part = test.subset(torch.as_tensor(idx))
    cals = load_calibrators()
    seen: dict = {}
    tabular_search.tree_target_order = recording(seen)
    for e in interleaved([e for e in listed if effective(e) and e.arch != "mlp"]):
        loaded = load_model(args.zoo / e.name)
        v = registry.create("detector", "tabular-search").inspect(
            loaded.module, attach_encoder(loaded, part), input_shape=loaded.input_shape,
            num_classes=loaded.num_classes, seed=args.seed)
        calibrate(v, cals)
        print(json.dumps({
            "zoo": args.zoo.name, "name": e.name, "arch": e.arch, "bd": e.backdoored,
            "attack": e.attack, "target": e.target, "p": v.probability,
            "order": list(v.target_classes), **seen,
            "score": [float(r.score) for r in v.per_class],
            "flip_1": [float(r.details.get("flip_1", np.nan)) for r in v.per_class],
            "trigger": {str(k): t for k, t in v.trigger_text.items()}}), flush=True)


if __name__ == "__main__":
    run_main(main)
