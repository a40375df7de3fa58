"""Flip shares of a universal perturbation confined to the clean data's empty pixels (issue 9,
stop 32): the measurement behind ``auto -p empty=true``.

The blind spot of the shipped detector is label-smoothed, SGD/cosine-trained ReLU models with
frame-like triggers. The free universal perturbation (``detect/universal.py``) reaches every
class of such a model at about the same bound: interior pixels are the natural adversarial
route to any class, clean or not, so the trigger does not stand out. A frame (or a corner
patch, or sparse pixels near the edge) lies where clean digits are never written: pixels that
are at the data's minimum in (almost) every clean image. A clean model has no learnt reason to
respond there; a backdoored one was trained to. This probe is
``UniversalPerturbation(pattern="empty").hits`` (``detect/universal.py``): the perturbation
confined to those pixels and added upwards only (they are at the minimum), its bound growing
from 0 to the whole data range; what it records is, per class and step, the share of the
other classes' clean inputs sent to the class — a count of decisions, so free of the logit
scale. Seeded 0, as ``auto`` seeds its probes.

    python benchmarks/offsupport_rows.py --zoo zoo-recipes17 --out out/off_recipes17.json
    python benchmarks/offsupport_rows.py --attach out/recipes17_rows_pool.json \
        --out out/recipes17_rows_off.json --off out/off_recipes17.json

(``--attach``: copy each model's ``off_hits`` into its pool row, for ``generalise_lofo.py``;
a row is matched by its zoo folder's name and model name, and a row without one is an error.)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch

sys.path.insert(0, str(Path(__file__).parent))
from generalise_rows import foreign
from trojanscope.data import load_dataset
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.universal import UniversalPerturbation, empty_pixels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--zoo", type=Path, help="A foreign_zoo.py folder.")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--attach", type=Path, help="Pool rows to copy the probe's hits into.")
    ap.add_argument("--off", type=Path, action="append", default=[])
    args = ap.parse_args()
    if args.attach:
        attach(args.attach, args.off, args.out)
        return
    torch.set_num_threads(1)
    done = json.loads(args.out.read_text()) if args.out.is_file() else {}
    clean = load_dataset(args.zoo / "clean.npz", "all")
    for meta, load in foreign(args.zoo):
        key = f"{args.zoo.name}/{meta['name']}"
        if key in done:
            continue
        model = load().eval()
        for p in model.parameters():
            p.requires_grad_(False)
        target = InspectionTarget(model, tuple(clean.x.shape[1:]), 10, clean)
        t0 = time.perf_counter()
        hits = UniversalPerturbation(pattern="empty").hits(
            target, torch.Generator().manual_seed(args.seed)
        )
        done[key] = {
            "off_hits": hits.round(decimals=4).tolist(),
            "off_pixels": int(empty_pixels(clean.x).sum()),
            "off_s": time.perf_counter() - t0,
        }
        args.out.write_text(json.dumps(done))
        area = hits.mean(1)
        print(
            key,
            meta["backdoored"],
            meta.get("target"),
            meta.get("attack"),
            [round(float(v), 2) for v in area],
            f"{done[key]['off_s']:.1f} s",
            flush=True,
        )


def attach(rows_path: Path, off_paths: list[Path], out: Path) -> None:
    """Write the rows of ``rows_path`` with each model's ``off_hits`` to ``out``."""
    off = {k: v for f in off_paths for k, v in json.loads(f.read_text()).items()}
    rows = json.loads(rows_path.read_text())
    for r in rows:
        key = f"{Path(r['zoo']).name}/{r['name']}"
        if key not in off:
            sys.exit(f"error: no empty-pixel probe for {key}")
        r["off_hits"] = off[key]["off_hits"]
    out.write_text(json.dumps(rows))
    print(f"{len(rows)} rows with off_hits -> {out}")


if __name__ == "__main__":
    main()
