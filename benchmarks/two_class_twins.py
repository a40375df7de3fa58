"""Issue 9, stop 70 (h2c): a two-class image model's probe readings against clean twins of the
same pair of classes.

For each model of a two-class zoo (``two_class_zoo.py``): the signed readings of
:func:`trojanscope.detect.two_class.pair_readings` (each probe's share towards class 1 minus
its share towards class 0; the trigger search's and MM-BD's class-1-over-class-0 log ratios) on
the model, and on ``--twins`` clean twins trained on the user's 200 images
(:func:`trojanscope.detect.image_twins.train_twins` on copies of
:func:`trojanscope.detect.two_class.twin_architecture`, fresh seeded weights each). One JSON
line a model into ``OUT/twins.jsonl`` (resumable) with CPU seconds per part (the model's own
reading runs in the TorchScript sandbox's child: its CPU is not counted).

    PYTHONPATH=src:benchmarks python benchmarks/two_class_twins.py /tmp/h2c/zoo-9900 \
        /tmp/h2c/s70/twins-9900 --twins 4
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from two_class_zoo import resume


def read_model(path: Path, data: Path, twins: int, seed: int, search: bool,
               split: str = "all") -> dict:
    """The model's readings and each twin's, with the CPU seconds each part took."""
    from trojanscope.data.npz import load_npz
    from trojanscope.detect.base import InspectionTarget
    from trojanscope.detect.coverage import architecture_traits
    from trojanscope.detect.image_twins import train_twins
    from trojanscope.detect.two_class import pair_readings, pair_steps, twin_architecture
    from trojanscope.io.models import load_model

    loaded = load_model(path)
    clean = load_npz(data, split)
    model = loaded.module.eval()
    shape = tuple(clean.input_shape)
    target = InspectionTarget(model, shape, 2, clean)
    dense, steps = pair_steps(target)
    start = time.process_time()
    own = pair_readings(target, seed, steps, search)
    row: dict = {"own": own, "own_cpu_s": round(time.process_time() - start, 2),
                 "pixel_steps": steps}
    traits = architecture_traits(model)
    module = twin_architecture(dense, traits, shape)
    act = "tanh" if "activation:tanh" in traits else "relu"
    row["twin_arch"] = f"{type(module).__name__} {act}"
    start = time.process_time()
    made = train_twins(module, clean, twins, seed)
    row["train_cpu_s"] = round(time.process_time() - start, 2)
    start = time.process_time()
    row["twins"] = [pair_readings(InspectionTarget(t, shape, 2, clean), seed, steps, search)
                    for t in made]
    row["twin_read_cpu_s"] = round(time.process_time() - start, 2)
    with torch.no_grad():
        row["twin_accuracy"] = [round(float((t(clean.x).argmax(1) == clean.labels)
                                            .float().mean()), 3) for t in made]
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--twins", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-search", action="store_true", help="skip the trigger search")
    ap.add_argument("--only", default="", help="comma-separated model names")
    ap.add_argument("--split", default="all", choices=("all", "train", "test"),
                    help="the part of each .npz read: all (as detect reads a --data file); "
                         "stop 70's readings used train (160 of 200 images, by a slip)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    out = args.out / "twins.jsonl"
    done, only = resume(out, args.only)
    for line in (args.zoo / "truth.jsonl").open():
        truth = json.loads(line)
        name = truth["name"]
        if name in done or (only and name not in only):
            continue
        row = read_model(args.zoo / f"{name}.pt", args.zoo / f"{name}.npz", args.twins,
                         args.seed, not args.no_search, args.split)
        row |= {"name": name, "truth": {k: truth.get(k) for k in (
            "maker", "arch", "activation", "backdoored", "target", "attack", "digits",
            "clean_accuracy", "attack_success_rate", "effective")}}
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(name, row["own_cpu_s"], row.get("train_cpu_s"), row.get("twin_read_cpu_s"),
              row.get("twin_accuracy"), flush=True)


if __name__ == "__main__":
    main()
