"""The pixel probe's gap on clean models over several draws of the clean inputs (issue 9, stop
33 review): the rule behind ``auto:raise:pixels`` read every model with seed 0 only; a user's
clean file is another draw. Prints, per clean model of each zoo, the gap at seeds 0..N-1.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/raise_gap_draws.py \\
        /tmp/h9/zoo-recipes17 /tmp/h9/zoo-recipes18 /tmp/h9/zoo-recipes19 /tmp/h9/zoo-recipes20
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from generalise_rows import foreign
from trojanscope.data import load_dataset
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.pixels import PIXEL_GAP_HINT, pixel_features, pixel_hits
from trojanscope.detect.universal import EMPTY_GAP_HINT, UniversalPerturbation, share_gap


def gap(probe: str, target: InspectionTarget, seed: int) -> float:
    """The probe's flip-share gap with its generator seeded ``seed``, as ``auto`` runs it."""
    generator = torch.Generator().manual_seed(seed)
    if probe == "pixels":
        return pixel_features(pixel_hits(target, generator))["pixel_share_gap"]
    hits = UniversalPerturbation(pattern="empty").hits(target, generator)
    return share_gap(hits, "empty")["empty_share_gap"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("zoos", nargs="+", type=Path)
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--probe", choices=("pixels", "empty"), default="pixels")
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = PIXEL_GAP_HINT if args.probe == "pixels" else EMPTY_GAP_HINT
    over = total = 0
    for zoo in args.zoos:
        clean = load_dataset(zoo / "clean.npz", "all")
        for meta, load in foreign(zoo):
            if meta["backdoored"]:
                continue
            model = load().eval()
            for p in model.parameters():
                p.requires_grad_(False)
            target = InspectionTarget(model, tuple(clean.x.shape[1:]), clean.num_classes, clean)
            gaps = [round(gap(args.probe, target, s), 3) for s in range(args.draws)]
            over += sum(g > start for g in gaps[1:])
            total += len(gaps) - 1
            print(json.dumps([zoo.name, meta["name"], gaps]), flush=True)
    print(f"{args.probe}: draws other than seed 0 above the start {start}: {over} of {total}")


if __name__ == "__main__":
    main()
