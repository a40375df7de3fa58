"""Poison made by a second recipe (issue 13): triggers written here in plain numpy, none of
the project's attack or trigger classes, so that ``detect-data`` is also measured on poison
its authors did not make.

Recipes (all-to-one, dirty-label: ``round(rate × N)`` samples drawn from the non-target
classes get the trigger and the target label; target and every random choice from the set's
seed):

- ``patch4``: one 4×4 pattern of uniform random values, pasted at a random position per image.
- ``noiseblend``: ``(1 - 0.15) · x + 0.15 · noise``, one fixed uniform-noise image.
- ``frame``: the outermost 1-pixel ring of the image set to 1.
- ``sparse40``: 40 fixed random pixels, each set to 0 or 1 (drawn once).

Subcommands, each on a folder ``DIR``:

    PYTHONPATH=src python benchmarks/foreign_poison.py build DIR [--seed-base 7100] [--folder-set 5]
    PYTHONPATH=src python benchmarks/foreign_poison.py detect DIR [--sets 5 --tag _after] \
        [--cli-args '--method-param confine=true']  # the CLI
    PYTHONPATH=src python benchmarks/foreign_poison.py retrain DIR [--sets 1,3] [--uncleaned] \
        [--variants cleaned,cleaned-steps,oracle-steps] [--no-reference] [--tag _after]

``build`` writes each set as a user's ``.npz`` (``x`` float (N, 1, 28, 28) in [0, 1], ``y``,
and a ``poison`` boolean array, read by ``detect-data`` for scoring only) built from the
bundled 4,000-image MNIST training split, plus ``sets.json`` (the recipes) and, for
``--folder-set``, the same set as a PNG image folder. ``detect`` runs
``python -m trojanscope -q detect-data SET --format json`` on each and keeps its JSON
(``<name>.json``) and wall time; for the folder, whose files carry no ground truth, it scores
the flags against the poison recorded at build time. ``retrain`` trains the project's recipe
(small CNN, seed 0) on each set without its flagged samples (``--uncleaned``: also on the
whole set) and reports clean accuracy on the bundled MNIST test split and the attack success
rate of the set's own trigger on that split's non-target images, next to training on the
unpoisoned split (seed 0).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RECIPES = ("patch4", "noiseblend", "frame", "sparse40")
RATES = (0.05, 0.1)


def set_specs(seed_base: int) -> list[dict]:
    """The eight sets: each recipe at 5% and 10%, seed ``seed_base`` + set number."""
    out = []
    for recipe in RECIPES:
        for rate in RATES:
            seed = seed_base + len(out)
            target = int(np.random.default_rng([seed, 1]).integers(10))
            out.append({"name": f"{recipe}_{round(rate * 100)}pc_t{target}_s{seed}",
                        "recipe": recipe, "rate": rate, "target": target, "seed": seed})
    return out


class Trigger:
    """One recipe's trigger, every random choice drawn from ``seed``."""

    def __init__(self, recipe: str, seed: int, shape: tuple[int, int]) -> None:
        self.recipe, self.shape = recipe, shape
        rng = np.random.default_rng([seed, 2])
        h, w = shape
        self.pattern = rng.uniform(0.0, 1.0, size=(4, 4)).astype(np.float32)
        self.noise = rng.uniform(0.0, 1.0, size=shape).astype(np.float32)
        flat = rng.choice(h * w, size=40, replace=False)
        self.pixels = (flat // w, flat % w)
        self.pixel_values = rng.integers(0, 2, size=40).astype(np.float32)
        self.seed = seed

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``x`` (n, C, H, W) with the trigger; ``rng`` draws per-image choices (positions)."""
        out = x.copy()
        h, w = self.shape
        if self.recipe == "patch4":
            rows = rng.integers(0, h - 3, size=len(x))
            cols = rng.integers(0, w - 3, size=len(x))
            for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
                out[i, :, r:r + 4, c:c + 4] = self.pattern
        elif self.recipe == "noiseblend":
            out = 0.85 * x + 0.15 * self.noise
        elif self.recipe == "frame":
            out[:, :, [0, h - 1], :] = 1.0
            out[:, :, :, [0, w - 1]] = 1.0
        elif self.recipe == "sparse40":
            out[:, :, self.pixels[0], self.pixels[1]] = self.pixel_values
        else:
            raise ValueError(f"unknown recipe {self.recipe}")
        return np.clip(out, 0.0, 1.0).astype(np.float32)


def mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    """The bundled MNIST ``split`` as arrays (the images only: no project trigger code)."""
    import torch

    from trojanscope.data.resolve import load_dataset

    data = load_dataset("mnist", split)
    x, y = data.get_batch(torch.arange(len(data)))
    return x.numpy().astype(np.float32), y.numpy().astype(np.int64)


def poison_set(spec: dict, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    """The set's poisoned ``x``, ``y`` and the poison mask."""
    rng = np.random.default_rng([spec["seed"], 3])
    pool = np.flatnonzero(y != spec["target"])
    idx = np.sort(rng.choice(pool, size=round(spec["rate"] * len(y)), replace=False))
    trigger = Trigger(spec["recipe"], spec["seed"], x.shape[2:])
    px, py = x.copy(), y.copy()
    px[idx] = trigger.apply(x[idx], rng)
    py[idx] = spec["target"]
    mask = np.zeros(len(y), dtype=bool)
    mask[idx] = True
    return px, py, mask


def write_folder(folder: Path, x: np.ndarray, y: np.ndarray) -> list[int]:
    """``x`` as 8-bit PNGs in one sub-folder per class; returns the set's index of each image
    in the order the image-folder loader reads them (class folders, then file names, sorted)."""
    from PIL import Image

    for i in range(len(y)):
        sub = folder / str(int(y[i]))
        sub.mkdir(parents=True, exist_ok=True)
        img = np.rint(x[i, 0] * 255).astype(np.uint8)
        Image.fromarray(img, mode="L").save(sub / f"{i:05d}.png")
    order = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        order.extend(int(f.stem) for f in sorted(sub.iterdir()))
    return order


def build(out: Path, seed_base: int, folder_set: int) -> None:
    x, y = mnist("train")
    out.mkdir(parents=True, exist_ok=True)
    specs = set_specs(seed_base)
    for k, spec in enumerate(specs):
        px, py, mask = poison_set(spec, x, y)
        np.savez(out / f"{spec['name']}.npz", x=px, y=py, poison=mask)
        spec["n_poison"] = int(mask.sum())
        if k == folder_set:
            order = write_folder(out / f"{spec['name']}_png", px, py)
            np.save(out / f"{spec['name']}_png_poison.npy", mask[order])
            spec["folder"] = f"{spec['name']}_png"
        print(f"built {spec['name']}: {spec['n_poison']} poisoned", flush=True)
    (out / "sets.json").write_text(json.dumps(specs, indent=1) + "\n")


def run_cli(path: Path, extra: tuple[str, ...] = ()) -> tuple[dict, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "trojanscope", "-q", "detect-data", str(path),
                           "--format", "json", *extra], capture_output=True, text=True,
                          env=env, check=False)
    secs = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{path}: exit {proc.returncode}: {proc.stderr}")
    return json.loads(proc.stdout), secs


def rates_of(flagged: list[int], poison: np.ndarray) -> tuple[float, float]:
    flags = np.zeros(len(poison), dtype=bool)
    flags[flagged] = True
    return (float((flags & poison).sum() / poison.sum()),
            float((flags & ~poison).sum() / (~poison).sum()))


def detect(out: Path, chosen: list[int] | None = None, tag: str = "",
           extra: tuple[str, ...] = ()) -> None:
    specs = json.loads((out / "sets.json").read_text())
    rows = []
    for k, spec in enumerate(specs):
        if chosen is not None and k not in chosen:
            continue
        targets = [(spec["name"], out / f"{spec['name']}.npz", None)]
        if "folder" in spec:
            targets.append((spec["folder"], out / spec["folder"],
                            np.load(out / f"{spec['folder']}_poison.npy")))
        for name, path, poison in targets:
            doc, secs = run_cli(path, extra)
            (out / f"{name}{tag}.json").write_text(json.dumps(doc) + "\n")
            if poison is None:
                tpr, fpr = doc["recall"], doc["fpr"]
            else:
                tpr, fpr = rates_of(doc["flagged"], poison)
            row = {"set": name, "target": spec["target"], "poisoned": doc["poisoned"],
                   "targets": doc["target_classes"], "tpr": tpr, "fpr": fpr,
                   "auc": doc.get("roc_auc"), "n_flagged": doc["n_flagged"],
                   "seconds": round(secs, 1)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    (out / f"detect{tag}.json").write_text(json.dumps(rows, indent=1) + "\n")
    ok = sum(r["tpr"] >= 0.95 and r["fpr"] <= 0.05 for r in rows)
    worst = min(rows, key=lambda r: r["tpr"])
    print(f"{ok}/{len(rows)} sets at TPR>=0.95 & FPR<=0.05; lowest TPR {worst['tpr']:.3f} "
          f"({worst['set']}); highest FPR {max(r['fpr'] for r in rows):.3f}")


def train_eval(x: np.ndarray, y: np.ndarray, test: tuple[np.ndarray, np.ndarray],
               triggered: tuple[np.ndarray, int], steps: int | None = None) -> dict:
    """CA / ASR of the project's recipe (small CNN, seed 0) trained on ``x``, ``y``; ``steps``:
    total optimisation steps held (``train --steps``; None: the recipe's 8 epochs)."""
    import torch

    from trojanscope.data.dataset import TensorDataset
    from trojanscope.engine.metrics import accuracy, predict
    from trojanscope.engine.train import Trainer, seeded
    from trojanscope.models import create_model

    names = tuple(str(i) for i in range(10))
    data = TensorDataset(torch.as_tensor(x), torch.as_tensor(y), names, "foreign")
    with seeded(0):
        model = create_model("cnn", data.input_shape, data.num_classes)
    Trainer(seed=0, steps=steps).fit(model, data)
    ca = accuracy(model, torch.as_tensor(test[0]), torch.as_tensor(test[1]))
    pred = predict(model, torch.as_tensor(triggered[0])).argmax(1)
    return {"ca": float(ca), "asr": float((pred == triggered[1]).float().mean())}


def restored_mask(x: np.ndarray, y: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``keep`` plus the flagged samples whose own label a model trained on the kept ones
    predicts (``detect-data --write-clean``'s default, ``relabel.restored``)."""
    from types import SimpleNamespace

    import torch

    from trojanscope.data.dataset import TensorDataset
    from trojanscope.detect.data.relabel import restored

    data = TensorDataset(torch.as_tensor(x), torch.as_tensor(y),
                         tuple(str(i) for i in range(10)), "foreign")
    flags = SimpleNamespace(keep=np.flatnonzero(keep), flagged=np.flatnonzero(~keep))
    mask = np.zeros(len(y), dtype=bool)
    mask[restored(flags, data, seed=0)] = True
    return mask


def retrain(out: Path, chosen: list[int] | None, uncleaned: bool,
            variants: tuple[str, ...] = ("cleaned",), reference: bool = True,
            tag: str = "") -> None:
    """Retrain each set: ``cleaned`` (without the CLI's flags, 8 epochs), ``restored`` (with
    the flagged samples a model of the rest agrees with put back), ``cleaned-steps``
    (the same samples, the steps of the whole set held), ``oracle``/``oracle-steps`` (without
    the true poison); ``uncleaned``: the whole poisoned set too; ``tag``: the flags of the
    ``detect --tag`` run of that name."""
    import torch

    from trojanscope.engine.train import recipe_steps

    torch.set_num_threads(1)
    specs = json.loads((out / "sets.json").read_text())
    tx, ty = mnist("test")
    rows = []
    for k, spec in enumerate(specs):
        if chosen is not None and k not in chosen:
            continue
        data = np.load(out / f"{spec['name']}.npz")
        x, y = data["x"], data["y"]
        keep = np.ones(len(y), dtype=bool)
        keep[json.loads((out / f"{spec['name']}{tag}.json").read_text())["flagged"]] = False
        other = ty != spec["target"]
        trig = Trigger(spec["recipe"], spec["seed"], tx.shape[2:])
        triggered = (trig.apply(tx[other], np.random.default_rng([spec["seed"], 4])),
                     spec["target"])
        keeps = {"cleaned": keep, "oracle": ~data["poison"]}
        if any(v.startswith("restored") for v in variants):
            keeps["restored"] = restored_mask(x, y, keep)
            row_restored = {"restored_poison": int((keeps["restored"] & ~keep
                                                    & data["poison"]).sum()),
                            "restored_clean": int((keeps["restored"] & ~keep
                                                   & ~data["poison"]).sum())}
        row = {"set": spec["name"], "kept": int(keep.sum())}
        if "restored" in keeps:
            row.update(row_restored)
        for v in variants:
            base, _, held = v.partition("-")
            row[v] = train_eval(x[keeps[base]], y[keeps[base]], (tx, ty), triggered,
                                recipe_steps(len(y)) if held else None)
        if uncleaned:
            row["uncleaned"] = train_eval(x, y, (tx, ty), triggered)
        rows.append(row)
        print(json.dumps(row), flush=True)
    ref = None
    if reference:
        x, y = mnist("train")
        ref = train_eval(x, y, (tx, ty), (tx[:1], -1))["ca"]
        print(f"unpoisoned training, seed 0: CA {ref:.4f}", flush=True)
    name = ("retrain" + tag + ("" if chosen is None else "_" + "_".join(map(str, chosen)))
            + ".json")
    (out / name).write_text(json.dumps({"rows": rows, "reference_ca": ref}, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "detect", "retrain"))
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed-base", type=int, default=7100)
    parser.add_argument("--folder-set", type=int, default=5,
                        help="set number also written as an image folder (-1: none)")
    parser.add_argument("--sets", default=None, help="set numbers (default all)")
    parser.add_argument("--tag", default="", help="detect: suffix of the JSON files written "
                        "(a later run beside the first); retrain: the flags of that run")
    parser.add_argument("--cli-args", default="", help="detect: more detect-data arguments, "
                        "space-separated (e.g. '--method-param confine=true')")
    parser.add_argument("--uncleaned", action="store_true")
    parser.add_argument("--no-reference", action="store_true",
                        help="retrain: skip the unpoisoned reference")
    parser.add_argument("--variants", default="cleaned",
                        help="retrain: comma-separated of cleaned, restored, oracle, each "
                        "also with -steps (-steps: the whole set's optimisation steps held)")
    args = parser.parse_args()
    chosen = [int(s) for s in args.sets.split(",")] if args.sets else None
    if args.command == "build":
        build(args.out, args.seed_base, args.folder_set)
    elif args.command == "detect":
        detect(args.out, chosen, args.tag, tuple(args.cli_args.split()))
    else:
        retrain(args.out, chosen, args.uncleaned, tuple(args.variants.split(",")),
                not args.no_reference, args.tag)


if __name__ == "__main__":
    main()
