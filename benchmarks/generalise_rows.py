"""Per-model detection statistics for the generalisation study (issue 9), cached as JSON rows.

For every model of the given zoos (trojanscope zoo folders with ``truth.json`` and run folders,
or a ``foreign_zoo.py`` folder with TorchScript files), runs the shipped ``mmbd`` (= ``auto``'s
verdict) and records, besides its features and calibrated probability, the per-class numbers from
which other model-level features can be built without running anything again:

- ``margin``/``mean_margin``: MM-BD's best and mean maximum margin per class (60 steps);
- ``margin5``: the best margin per class after 5 steps only (how fast noise reaches the class);
- ``noise_frac``: share of 512 uniform-noise inputs classified as each class;
- ``clean_margin``: per class, the median margin of its clean samples (200 clean images, 20 per
  class: the ``clean.npz`` of a foreign zoo, the bundled MNIST test split for ours);
- ``logit_std``: standard deviation of the clean logits (the model's own logit scale).

Each model also gets its family labels: architecture attributes (kind, activation, pooling,
normalisation) and trigger family. Rows of a finished model are kept (resumable).

    python benchmarks/generalise_rows.py --zoo zoo/foreign --zoo zoo/cal \
        --out benchmarks/out/gen_rows.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch

from trojanscope.data import load_dataset
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import balanced_sample
from trojanscope.detect.bias import noise_shares
from trojanscope.detect.calibration import calibrate
from trojanscope.detect.coverage import architecture_traits
from trojanscope.detect.mmbd import MMBD, margin
from trojanscope.io.models import load_model
from trojanscope.zoo import effective, read_truth

# Architecture attributes of the foreign families (benchmarks/foreign_zoo.py).
FOREIGN_ARCH = {
    "relu_cnn": ("cnn", "relu", "max", "none"),
    "bn_cnn": ("cnn", "relu", "max", "batch"),
    "ln_gelu_cnn": ("cnn", "gelu", "avg", "layer"),
    "leaky_strided_cnn": ("cnn", "leaky_relu", "stride", "none"),
    "relu_strided_cnn": ("cnn", "relu", "stride", "none"),
    "sigmoid_cnn": ("cnn", "sigmoid", "avg", "none"),
    "lenet_tanh_avg": ("lenet5", "tanh", "avg", "none"),
    "mlp": ("mlp", "relu", "none", "none"),
    "relu_mlp": ("mlp", "relu", "none", "none"),
    "elu_dropout_cnn": ("cnn", "elu", "max", "none"),
    "silu_mlp": ("mlp", "silu", "none", "none"),
    "bn_mlp": ("mlp", "relu", "none", "batch"),
    # --new-activations (issue 9, stop 52: h9F): activations no other population has
    "softplus_cnn": ("cnn", "softplus", "max", "none"),
    "hardswish_bn_cnn": ("cnn", "hardswish", "max", "batch"),
    "mish_avg_cnn": ("cnn", "mish", "avg", "none"),
    "selu_mlp": ("mlp", "selu", "none", "none"),
    # --new-activations2 (issue 9, stop 53: h9A)
    "relu6_cnn": ("cnn", "relu6", "max", "none"),
    "prelu_strided_cnn": ("cnn", "prelu", "stride", "none"),
    "celu_lenet": ("cnn", "celu", "max", "none"),
    # --new-activations3 (issue 9, stop 54: h9B)
    "softsign_lenet": ("cnn", "softsign", "avg", "none"),
    "hardsigmoid_gate_cnn": ("cnn", "hardsigmoid", "max", "none"),
    "logsigmoid_mlp": ("mlp", "logsigmoid", "none", "none"),
}
# Trigger families: ours by trigger name; the scattered-pixel ones of both recipes together.
TRIGGER_FAMILY = {"patch": "patch", "blend": "blend", "sig": "sig", "warp": "warp",
                  "pixels": "sparse", "sparse": "sparse", "xpatch": "xpatch",
                  "noiseblend": "noiseblend", "frame": "frame", "checker": "checker",
                  "cross": "cross", "smooth": "lf", "dct": "ftrojan",
                  "quantize": "bpp", "pieces": "adaptive_blend", "ramp": "ramp",
                  "sine": "sine"}


def per_class_stats(model: torch.nn.Module, clean: TensorDataset, k: int) -> dict:
    """Clean-data logit statistics and MM-BD's margins after 5 steps and on noise."""
    with torch.no_grad():
        logits = model(clean.x)
        own = margin(logits, clean.y)
    clean_margin = [float(own[clean.y == c].median()) if (clean.y == c).any() else 0.0
                    for c in range(k)]
    early = MMBD(steps=5).inspect(model, None, input_shape=tuple(clean.input_shape),
                                  num_classes=k, seed=0)
    return {
        "clean_margin": clean_margin,
        "clean_accuracy": float((logits.argmax(1) == clean.y).float().mean()),
        "logit_std": float(logits.std()),
        # the same draw as ``auto``'s favourite class at seed 0 (seed + 1; MNIST's range [0, 1])
        "noise_frac": noise_shares(model, tuple(clean.input_shape), k,
                                   torch.Generator().manual_seed(1)).tolist(),
        "margin5": [r.details["margin"] for r in sorted(early.per_class, key=lambda r: r.cls)],
    }


def inspect(model: torch.nn.Module, clean: TensorDataset, k: int) -> dict:
    start = time.perf_counter()
    verdict = MMBD().inspect(model, None, input_shape=tuple(clean.input_shape), num_classes=k,
                             seed=0)
    verdict.method = "auto"
    calibrate(verdict)
    rows = sorted(verdict.per_class, key=lambda r: r.cls)
    out = {
        "probability": verdict.probability,
        "suspected_target": verdict.target_classes[0],
        "features": {k2: v for k2, v in verdict.features.items() if k2 != "calibrated"},
        "margin": [r.details["margin"] for r in rows],
        "mean_margin": [r.details["mean_margin"] for r in rows],
        "mmbd_s": round(time.perf_counter() - start, 3),
        "traits": sorted(architecture_traits(model)),
    }
    out.update(per_class_stats(model, clean, k))
    return out


def ours(zoo: Path) -> list[tuple[dict, callable]]:
    """(metadata, model loader) for every effective model of a trojanscope zoo."""
    _, entries = read_truth(zoo)
    items = []
    for e in entries:
        if not effective(e):
            continue
        ap = e.arch_params or {}
        pool = "none" if e.arch == "mlp" else ap.get("pool", "max")
        meta = {"zoo": str(zoo), "name": e.name, "recipe": "ours", "backdoored": e.backdoored,
                "target": e.target, "arch": e.arch, "activation": ap.get("activation", "relu"),
                "pool": pool, "norm": ap.get("norm", "none"),
                "trigger_family": TRIGGER_FAMILY[e.trigger["name"]] if e.backdoored else None,
                "attack": e.attack}
        items.append((meta, lambda e=e: load_model(zoo / e.name).module))
    return items


def foreign(zoo: Path) -> list[tuple[dict, callable]]:
    truth = json.loads((zoo / "truth.json").read_text())
    items = []
    for r in truth["models"]:
        if not r.get("effective", True):
            continue
        kind, act, pool, norm = FOREIGN_ARCH[r["arch_family"]]
        if r["arch_family"] == "mlp":
            act = "tanh" if r["details"].get("activation") == "Tanh" else "relu"
        meta = {"zoo": str(zoo), "name": r["name"], "recipe": "foreign",
                "backdoored": r["backdoored"], "target": r.get("target"), "arch": kind,
                "activation": act, "pool": pool, "norm": norm,
                "arch_family": r["arch_family"],
                "trigger_family": TRIGGER_FAMILY[r["trigger_family"]] if r["backdoored"] else None,
                "attack": r.get("trigger_family")}
        items.append((meta, lambda r=r: load_model(zoo / f"{r['name']}.pt").module))
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, action="append", required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = json.loads(args.out.read_text()) if args.out.is_file() else []
    seen = {(r["zoo"], r["name"]) for r in rows}
    mnist = balanced_sample(load_dataset("mnist", "test"), 20, torch.Generator().manual_seed(0))
    for zoo in args.zoo:
        if (zoo / "clean.npz").is_file():
            items, clean = foreign(zoo), load_dataset(zoo / "clean.npz", "all")
        else:
            items, clean = ours(zoo), mnist
        for meta, load in items:
            if (meta["zoo"], meta["name"]) in seen:
                continue
            row = {**meta, **inspect(load(), clean, 10)}
            rows.append(row)
            seen.add((meta["zoo"], meta["name"]))
            print(f"{zoo}/{meta['name']}: p={row['probability']:.2f} "
                  f"({'backdoored' if meta['backdoored'] else 'clean'})", flush=True)
            tmp = args.out.with_suffix(".tmp")
            tmp.write_text(json.dumps(rows) + "\n")
            tmp.replace(args.out)


if __name__ == "__main__":
    main()
