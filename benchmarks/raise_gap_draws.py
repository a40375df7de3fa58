"""Both raise probes' gaps over several draws of the clean inputs (issue 9, stop 33 review and
stop 34): the rules behind ``auto:raise`` and ``auto:raise:pixels`` read every model with seed 0
only; a user's clean file, or another ``--seed``, is another draw (which 30 other-class inputs
per class the probe perturbs). Prints, per model, the gap at seeds ``--first``..``--draws``-1.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/raise_gap_draws.py \\
        /tmp/h9/zoo-recipes17 /tmp/h9/zoo-recipes18 /tmp/h9/zoo-recipes19 /tmp/h9/zoo-recipes20

With ``--out FILE`` (stop 34) every draw is also appended to FILE as one JSON line (zoo, model,
labels, probe, seed, gap, the most-reached class, seconds) and a rerun skips the draws already
there: the multi-draw rows that ``raise_gap_aggregate.py`` reads. ``--models`` picks clean (the
default), backdoored or all models; a zoo without ``clean.npz`` (a trojanscope zoo such as
``zoo/eval``) is read with the rows' clean data (``generalise_rows.py``: 20 bundled test
images per class).

Stop 37: ``--probe frame`` (``detect/frame.py``: the outer ring lit uniformly, its gap the
largest over the ring widths) and ``--probe pixels15`` (the greedy pixel probe with 15 pixels
instead of 5), and ``--kind dense`` to read only the models without a convolution (their first
weighted layer dense: the MLPs whose empty-pixel gap is their untrained first-layer weights').
Stop 38: ``--kind conv`` reads only the models with a convolution (the frame probe on CNNs,
which ``auto`` does not run).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from generalise_rows import foreign, ours
from trojanscope.data import load_dataset
from trojanscope.detect.base import InspectionTarget, balanced_sample
from trojanscope.detect.coverage import architecture_traits
from trojanscope.detect.frame import frame_features
from trojanscope.detect.pixels import PIXEL_GAP_HINT, pixel_features, pixel_hits
from trojanscope.detect.universal import EMPTY_GAP_HINT, UniversalPerturbation, share_gap

PIXEL_STEPS = {"pixels": 5, "pixels15": 15}  # the greedy pixel probe's pixels per class
PROBES = ("pixels", "empty", "frame", "pixels15")


def gap(probe: str, target: InspectionTarget, seed: int) -> float:
    """The probe's flip-share gap with its generator seeded ``seed``, as ``auto`` runs it."""
    return gap_and_class(probe, target, seed)[0]


def gap_and_class(probe: str, target: InspectionTarget, seed: int) -> tuple[float, int]:
    """The probe's gap and its most-reached class, generator seeded ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    if probe in PIXEL_STEPS:
        hits = pixel_hits(target, generator, steps=PIXEL_STEPS[probe])
        return pixel_features(hits)["pixel_share_gap"], int(hits.mean(1).argmax())
    if probe == "frame":
        f = frame_features(target, generator)
        return f["frame_share_gap"], int(f["frame_top_class"])
    hits = UniversalPerturbation(pattern="empty").hits(target, generator)
    return share_gap(hits, "empty")["empty_share_gap"], int(hits.mean(1).argmax())


def population(zoo: Path):
    """(metadata, loader) per model and the clean data the rows read it with."""
    if (zoo / "clean.npz").is_file():
        return foreign(zoo), load_dataset(zoo / "clean.npz", "all")
    mnist = balanced_sample(load_dataset("mnist", "test"), 20, torch.Generator().manual_seed(0))
    return ours(zoo), mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("zoos", nargs="+", type=Path)
    parser.add_argument("--draws", type=int, default=10, help="seeds up to this one, excluded")
    parser.add_argument("--first", type=int, default=0, help="first seed")
    parser.add_argument("--probe", choices=(*PROBES, "both"), default="pixels")
    parser.add_argument(
        "--kind",
        choices=("all", "dense", "conv"),
        default="all",
        help="dense: only the models without a convolution (stop 37); conv: only those with "
        "one (stop 38)",
    )
    parser.add_argument("--models", choices=("clean", "backdoored", "all"), default="clean")
    parser.add_argument("--out", type=Path, help="append every draw here as a JSON line")
    parser.add_argument("--only", type=Path, help="a file of ZOO/MODEL lines: these, in its order")
    args = parser.parse_args()
    torch.set_num_threads(1)
    probes = ("empty", "pixels") if args.probe == "both" else (args.probe,)
    done = set()
    if args.out is not None and args.out.is_file():
        for line in args.out.read_text().splitlines():
            d = json.loads(line)
            done.add((d["zoo"], d["name"], d["probe"], d["seed"]))
    over = total = 0
    order = args.only.read_text().split() if args.only is not None else None
    models = []
    for zoo in args.zoos:
        items, clean = population(zoo)
        models += [
            (zoo, clean, meta, load)
            for meta, load in items
            if order is None or f"{zoo.name}/{meta['name']}" in order
        ]
    if order is not None:  # the file's order (e.g. the models nearest a start first)
        models.sort(key=lambda m: order.index(f"{m[0].name}/{m[2]['name']}"))
    for zoo, clean, meta, load in models:
        if args.models != "all" and meta["backdoored"] != (args.models == "backdoored"):
            continue
        model = None
        if args.kind != "all":
            model = load().eval()
            if ("layer:conv" in architecture_traits(model)) != (args.kind == "conv"):
                continue
            model = None
        for probe in probes:
            start = EMPTY_GAP_HINT if probe == "empty" else PIXEL_GAP_HINT
            gaps = []
            for s in range(args.first, args.draws):
                if (zoo.name, meta["name"], probe, s) in done:
                    continue
                if model is None:
                    model = load().eval()
                    for p in model.parameters():
                        p.requires_grad_(False)
                    target = InspectionTarget(
                        model, tuple(clean.x.shape[1:]), clean.num_classes, clean
                    )
                t0 = time.process_time()
                g, top = gap_and_class(probe, target, s)
                gaps.append(round(g, 3))
                if args.out is not None:
                    with args.out.open("a") as f:
                        f.write(
                            json.dumps(
                                {
                                    "zoo": zoo.name,
                                    "name": meta["name"],
                                    "backdoored": bool(meta["backdoored"]),
                                    "target": meta.get("target"),
                                    "attack": meta.get("attack"),
                                    "arch_family": meta.get("arch_family", meta.get("arch")),
                                    "probe": probe,
                                    "seed": s,
                                    "gap": g,
                                    "top_class": top,
                                    "cpu_s": round(time.process_time() - t0, 3),
                                }
                            )
                            + "\n"
                        )
                if not meta["backdoored"]:
                    over += (s > 0) * (g > start)
                    total += s > 0
            if gaps:
                print(json.dumps([zoo.name, meta["name"], probe, gaps]), flush=True)
    print(f"{args.probe}: clean draws other than seed 0 above the start: {over} of {total}")


if __name__ == "__main__":
    main()
