"""The networks' excess on a 200-row clean file against the reference's weight decay
(issue 16 stop 40, development).

``tab_excess`` is a network's response to value combinations less a logistic reference's,
fitted on the clean rows with weight decay ``REFERENCE_DECAY`` (1e-3). With a 200-row file the
excess of clean credit-default MLPs rises towards the backdoored ones'; is the reference's
regularisation the lever? Per decay, the zoo's MLPs are read with one small file (drawn as
``tabular_small_clean.py`` draws) and the ROC-AUC of ``tab_excess`` and ``tab_excess_gap``
(clean against backdoored) printed, with the medians:

    PYTHONPATH=src:benchmarks python benchmarks/tabular_reference_decay.py --zoo ZOO \
        --decays 0,1e-4,1e-3,0.1,1 [--size 200 --seed 0 --draw 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from tabular_small_clean import draw
from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.detect import tabular_excess
from trojanscope.io.models import load_model
from trojanscope.zoo import effective, read_truth

torch.set_num_threads(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, required=True)
    ap.add_argument("--decays", type=lambda s: [float(v) for v in s.split(",")], required=True)
    ap.add_argument("--size", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--draw", type=int, default=0)
    args = ap.parse_args()
    dataset, listed = read_truth(args.zoo)
    entries = [e for e in listed if effective(e) and e.arch == "mlp"]
    test = load_dataset(dataset, "test")
    part = test.subset(torch.as_tensor(draw(len(test), test.y.numpy(), args.size, args.seed,
                                            args.draw)))
    models = {e.name: load_model(args.zoo / e.name).module for e in entries}
    y = np.array([int(e.backdoored) for e in entries])
    for decay in args.decays:
        tabular_excess.REFERENCE_DECAY = decay  # read when each reference is fitted
        feats = [registry.create("detector", "tabular-search").inspect(
            models[e.name], part, seed=0).features for e in entries]
        ex = np.array([f["tab_excess"] for f in feats])
        gap = np.array([f["tab_excess_gap"] for f in feats])
        print(f"decay {decay:g} ({len(entries)} MLPs, {y.sum()} backdoored): tab_excess ROC-AUC "
              f"{roc_auc_score(y, ex):.3f} (median clean {np.median(ex[y == 0]):.3f}, "
              f"backdoored {np.median(ex[y == 1]):.3f}), tab_excess_gap ROC-AUC "
              f"{roc_auc_score(y, gap):.3f}", flush=True)


if __name__ == "__main__":
    main()
