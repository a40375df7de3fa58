"""The clean-logit scale (``logit_std``) of every model of the given zoos, and its range (issue 9).

``logit_std`` is the standard deviation of a model's logits on clean data (the bundled MNIST
test split, 20 images per class, as in ``generalise_rows.py``): a property of the training
recipe more than of the architecture. Its range over the default calibrator's own zoos is the
recipe coverage that issue 9's fifth round measured as a routing rule (docs/benchmarks.md; not
shipped). ``--write-calibration`` records the range in the ``auto`` calibrator's ``fitted_on``.

    python benchmarks/recipe_range.py --zoo ../wt9/zoo/cal2 --rows benchmarks/out/gen_rows.json \
        --rows-zoo zoo/cal --out benchmarks/out/recipe_range.json \
        --write-calibration src/trojanscope/detect/calibration.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch

from generalise_rows import ours
from trojanscope.data import load_dataset
from trojanscope.detect.base import balanced_sample


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, action="append", default=[],
                    help="a trojanscope zoo to load and measure")
    ap.add_argument("--rows", type=Path, help="generalise_rows.py rows already measured")
    ap.add_argument("--rows-zoo", action="append", default=[],
                    help="zoo names of --rows to include")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--write-calibration", type=Path, default=None,
                    help="Record [min, max] as the 'auto' calibrator's fitted_on['recipe_range'].")
    args = ap.parse_args()
    torch.set_num_threads(1)
    values: dict[str, float] = {}
    if args.rows:
        for r in json.loads(args.rows.read_text()):
            if r["zoo"] in args.rows_zoo:
                values[f"{r['zoo']}/{r['name']}"] = r["logit_std"]
    mnist = balanced_sample(load_dataset("mnist", "test"), 20, torch.Generator().manual_seed(0))
    for zoo in args.zoo:
        for meta, load in ours(zoo):
            with torch.no_grad():
                values[f"{'/'.join(zoo.parts[-2:])}/{meta['name']}"] = float(load()(mnist.x).std())
    v = np.array(list(values.values()))
    summary = {"n": len(v), "min": float(v.min()), "p1": float(np.percentile(v, 1)),
               "p99": float(np.percentile(v, 99)), "max": float(v.max())}
    args.out.write_text(json.dumps({"summary": summary, "logit_std": values}, indent=1) + "\n")
    print(json.dumps(summary))
    if args.write_calibration:
        cals = json.loads(args.write_calibration.read_text())
        cals["auto"]["fitted_on"]["recipe_range"] = {
            "logit_std": [math.floor(summary["min"] * 1e4) / 1e4,
                          math.ceil(summary["max"] * 1e4) / 1e4],
            "zoo": sorted({k.rsplit("/", 1)[0] for k in values}), "n_models": len(v)}
        args.write_calibration.write_text(json.dumps(cals, indent=2) + "\n")


if __name__ == "__main__":
    main()
