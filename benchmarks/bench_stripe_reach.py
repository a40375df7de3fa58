"""Per dense zoo model and class: the share of the held-back clean images that a striped
universal perturbation (one row repeated down the image, at most ``--eps`` per pixel, fitted on
the other clean images outside the class, 30 signed steps) sends to that class, on the original
model, as ``gated:dense_project=N``'s first step does (the same 150 / 50 split of the method's
200 images), and with ``--after`` the same once one direction is projected out; one line per
model with the attack's target (for scoring only). Models with a convolution are skipped (the
projection does not apply to them). Diagnostic (docs/benchmarks.md, "Projecting a stripe out of
a dense first layer"):

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_stripe_reach.py ZOO [ZOO ...]
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import PROBE_EPS, UNLEARN
from trojanscope.mitigate.guard import convolutional, hold_back
from trojanscope.mitigate.residual import MAX_FIT, striped_perturbation
from trojanscope.mitigate.run import split_clean
from trojanscope.mitigate.stripe_projection import project_stripes, stripe_reach
from trojanscope.zoo import read_truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", type=Path, nargs="+")
    ap.add_argument("--eps", type=float, default=PROBE_EPS)
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--after",
        action="store_true",
        help="also the reach after one direction is projected out (per class)",
    )
    args = ap.parse_args()
    torch.set_num_threads(1)
    method_data, _ = split_clean(
        load_dataset("mnist", "test"), args.holdout, args.seed, needs_data=True
    )
    assert method_data is not None
    for zoo in args.zoos:
        _, entries = read_truth(zoo)
        for entry in entries:
            if not (zoo / entry.name).exists():
                continue
            model = load_model(zoo / entry.name).module.eval()
            if convolutional(model):
                continue
            fit, val, _, _ = hold_back(model, method_data, UNLEARN["val_fraction"], args.seed)
            start = time.perf_counter()
            rates = []
            for c in range(int(model(val.x[:1]).shape[1])):
                delta = striped_perturbation(model, fit.x[fit.y != c][:MAX_FIT], c, args.eps)
                rates.append(round(stripe_reach(model, delta, val, c), 2))
            after = (
                [
                    project_stripes(copy.deepcopy(model), fit, val, c, args.eps, 1, 0.0)["reach"][
                        -1
                    ]
                    for c in range(len(rates))
                ]
                if args.after
                else None
            )
            target = getattr(entry, "target", None)
            print(
                f"{zoo.name} {entry.name} {entry.arch} {entry.attack} target {target} "
                f"max {max(rates)} at target {rates[target] if target is not None else None} "
                f"{rates}"
                + (f" after one direction {after}" if after else "")
                + f" {time.perf_counter() - start:.0f}s",
                flush=True,
            )


if __name__ == "__main__":
    main()
