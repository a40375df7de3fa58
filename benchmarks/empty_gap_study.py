"""What the empty-pixel gap depends on, and a probe for patches inside the digits' area (issue 9,
stop 33): measurements on development populations only.

Per model of ``foreign_zoo.py`` populations:

* ``empty``: ``empty_share_gap`` (``UniversalPerturbation(pattern="empty")``, seeded 0 as
  ``auto`` seeds it) on clean sets of N = 100, 200 and 500 images drawn from the population's
  own held-out split (``foreign_zoo.py``'s 1,000 test images, N/10 per digit, draw seeded by
  ``--draws``): how the gap's spread on clean models moves with the size of a user's clean file.
* ``lowvar``: the same probe on the pixels lit in at most 5 % / 20 % of the 200-image file
  (``EMPTY_SHARE`` raised from 0.5 %): pixels of low variance rather than exactly empty.
* ``pixels``: the greedy universal pixel probe (``detect/pixels.py``, seeded 0) for
  ``--pixel-steps`` steps (one pixel per class each); its gap over the first 10, 20 and 40
  steps (the largest class's mean share minus the second's); the detector's is the first 5.
* ``mlp_weights``: for a model whose first layer is fully connected on the pixels, the mean
  absolute first-layer weight on the 200-image file's empty pixels and on the others (weights
  on pixels that are zero in every training image get no gradient: they keep their random
  initialisation, shrunk only by weight decay).

    python benchmarks/empty_gap_study.py --zoo zoo-recipes17 --zoo zoo-recipes18 \
        --zoo zoo-recipes19 --out out33/study.json --parts pixels,lowvar,mlp
    python benchmarks/empty_gap_study.py ... --parts sizes      # N = 100/200/500
    python benchmarks/empty_gap_study.py --summary out33/study.json

Results go to ``--out`` as they come (a rerun skips what is there); seconds are CPU seconds
(``time.process_time``) per probe.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
import trojanscope.detect.universal as universal
from foreign_zoo import load_mnist
from generalise_rows import foreign
from trojanscope.data import load_dataset
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.pixels import pixel_hits
from trojanscope.detect.universal import UniversalPerturbation, empty_pixels, share_gap


def held_out(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``foreign_zoo.py``'s held-out 1,000 images for the population of ``seed``."""
    x, y = load_mnist()
    order = np.random.default_rng(seed).permutation(len(x))
    return x[order][4000:], y[order][4000:]


def draw(x: np.ndarray, y: np.ndarray, n: int, seed: int) -> TensorDataset:
    """``n`` images, ``n / 10`` per digit, drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    idx = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), n // 10, replace=False) for c in range(10)]
    )
    return TensorDataset(
        torch.from_numpy(x[idx]), torch.from_numpy(y[idx]), tuple(str(c) for c in range(10))
    )


def empty_gap(model: torch.nn.Module, clean: TensorDataset, share: float | None = None) -> dict:
    """The empty-pixel probe's per-class shares and gap; ``share`` overrides ``EMPTY_SHARE``."""
    target = InspectionTarget(model, tuple(clean.x.shape[1:]), 10, clean)
    saved = universal.EMPTY_SHARE
    universal.EMPTY_SHARE = saved if share is None else share
    try:
        t0 = time.process_time()
        hits = UniversalPerturbation(pattern="empty").hits(target, torch.Generator().manual_seed(0))
        pixels = int(empty_pixels(clean.x).sum())
    finally:
        universal.EMPTY_SHARE = saved
    return {
        "shares": hits.mean(1).round(decimals=4).tolist(),
        "gap": share_gap(hits)["empty_share_gap"],
        "pixels": pixels,
        "s": time.process_time() - t0,
    }


def mlp_weights(model: torch.nn.Module, empty: torch.Tensor) -> dict | None:
    """Mean |weight| of a first fully connected layer on the empty pixels and on the others."""
    for _, p in model.named_parameters():
        if p.dim() == 2 and p.shape[1] == empty.numel():
            w = p.detach().abs().mean(0)
            e = empty.flatten() > 0
            return {
                "empty": float(w[e].mean()),
                "lit": float(w[~e].mean()),
                "init_bound": 1.0 / float(np.sqrt(p.shape[1])),
            }
        if p.dim() >= 2:
            return None
    return None


def permuted_gaps(model: torch.nn.Module, clean: TensorDataset, draws: int = 3) -> list[float]:
    """``empty_share_gap`` of the model with its first fully connected layer's weights on the
    empty pixels permuted among those pixels, independently per hidden unit (``draws`` seeds):
    each unit keeps its weights' distribution there, any pixel pattern the units share (a
    trigger) is scattered. For a clean model those weights are its random initialisation, so
    its own gap is one more draw of these; empty when the first layer is not fully connected."""
    empty = empty_pixels(clean.x).flatten() > 0
    first = next((p for p in model.parameters() if p.dim() >= 2), None)
    if first is None or first.dim() != 2 or first.shape[1] != empty.numel():
        return []
    saved = first.detach().clone()
    cols = torch.nonzero(empty).flatten()
    gaps = []
    try:
        for d in range(draws):
            gen = torch.Generator().manual_seed(d)
            with torch.no_grad():
                w = saved.clone()
                order = torch.argsort(torch.rand(w.shape[0], len(cols), generator=gen), dim=1)
                w[:, cols] = saved[:, cols].gather(1, order)
                first.copy_(w)
            gaps.append(empty_gap(model, clean)["gap"])
    finally:
        with torch.no_grad():
            first.copy_(saved)
    return gaps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, action="append", default=[])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--parts", default="pixels,lowvar,mlp")
    ap.add_argument("--draws", default="1,2", help="Draw seeds for N = 100/200/500.")
    ap.add_argument("--pixel-steps", type=int, default=40)
    ap.add_argument("--sizes", default="100,200,500", help="Clean-set sizes for --parts sizes.")
    ap.add_argument("--clean-only", action="store_true", help="Only the clean models.")
    ap.add_argument("--summary", type=Path)
    args = ap.parse_args()
    if args.summary:
        summary(json.loads(args.summary.read_text()))
        return
    torch.set_num_threads(1)
    parts = set(args.parts.split(","))
    done = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for zoo in args.zoo:
        seed = json.loads((zoo / "truth.json").read_text())["seed"]
        clean = load_dataset(zoo / "clean.npz", "all")
        pool = held_out(seed) if "sizes" in parts else None
        for meta, load in foreign(zoo):
            key = f"{zoo.name}/{meta['name']}"
            if args.clean_only and meta["backdoored"]:
                continue
            row = done.setdefault(
                key,
                {
                    k: meta[k]
                    for k in ("backdoored", "target", "attack", "arch_family", "activation")
                },
            )
            model = load().eval()
            for p in model.parameters():
                p.requires_grad_(False)
            if "pixels" in parts and "pixels" not in row:
                t0 = time.process_time()
                target = InspectionTarget(model, tuple(clean.x.shape[1:]), 10, clean)
                hits = pixel_hits(target, torch.Generator().manual_seed(0), args.pixel_steps)
                row["pixels"] = {
                    "hits": hits.round(decimals=4).tolist(),
                    "s": time.process_time() - t0,
                }
            if "lowvar" in parts and "lowvar" not in row:
                row["lowvar"] = {str(s): empty_gap(model, clean, s) for s in (0.05, 0.2)}
            if "mlp" in parts and "mlp_weights" not in row:
                row["mlp_weights"] = mlp_weights(model, empty_pixels(clean.x))
            if "null" in parts and "null" not in row:
                row["null"] = permuted_gaps(model, clean)
            if "sizes" in parts:
                sizes = row.setdefault("sizes", {})
                for n in (int(v) for v in args.sizes.split(",")):
                    for d in args.draws.split(","):
                        name = f"{n}/{d}"
                        if name not in sizes:
                            sizes[name] = empty_gap(model, draw(*pool, n, int(d)))
            args.out.write_text(json.dumps(done))
            print(key, meta["backdoored"], meta.get("attack"), brief(row), flush=True)


def gap_of(hits: list[list[float]], upto: int | None = None) -> tuple[float, int]:
    """The largest class's mean share over the first ``upto`` steps minus the second's."""
    area = torch.tensor(hits)[:, :upto].mean(1)
    top = area.topk(2)
    return float(top.values[0] - top.values[1]), int(top.indices[0])


def brief(row: dict) -> str:
    out = []
    if "pixels" in row:
        g, c = gap_of(row["pixels"]["hits"])
        out.append(f"pix {g:.3f}->{c} ({row['pixels']['s']:.1f} s)")
    if "lowvar" in row:
        out.append("lowvar " + " ".join(f"{k}:{v['gap']:.3f}" for k, v in row["lowvar"].items()))
    if row.get("mlp_weights"):
        w = row["mlp_weights"]
        out.append(f"w empty {w['empty']:.4f} lit {w['lit']:.4f}")
    if row.get("null"):
        out.append("null " + " ".join(f"{g:.3f}" for g in row["null"]))
    if "sizes" in row:
        out.append("sizes " + " ".join(f"{k}:{v['gap']:.3f}" for k, v in row["sizes"].items()))
    return "; ".join(out)


def summary(done: dict) -> None:
    """Clean against backdoored: ranges and ROC-AUC of each gap."""
    from sklearn.metrics import roc_auc_score

    def report(name: str, values: dict[str, float]) -> None:
        keys = [k for k in values if values[k] == values[k]]
        y = [done[k]["backdoored"] for k in keys]
        if len(set(y)) < 2:
            return
        v = [values[k] for k in keys]
        clean = sorted(values[k] for k in keys if not done[k]["backdoored"])
        xp = [values[k] for k in keys if done[k]["attack"] == "xpatch"]
        print(
            f"{name:24s} AUC {roc_auc_score(y, v):.3f}  clean max {clean[-1]:.3f} "
            f"(2nd {clean[-2]:.3f})  xpatch {' '.join(f'{g:.3f}' for g in sorted(xp))}"
        )

    for upto in (5, 10, 20, 40):
        report(
            f"pixels first {upto}",
            {k: gap_of(r["pixels"]["hits"], upto)[0] for k, r in done.items() if "pixels" in r},
        )
    for s in ("0.05", "0.2"):
        report(f"lowvar {s}", {k: r["lowvar"][s]["gap"] for k, r in done.items() if "lowvar" in r})
    fc = {k: r for k, r in done.items() if r.get("mlp_weights")}
    for label, keep in (("clean", False), ("backdoored", True)):
        w = [r["mlp_weights"] for r in fc.values() if r["backdoored"] == keep]
        if w:
            print(
                f"first layer fully connected, {label} ({len(w)}): mean |w| on empty pixels "
                f"{np.mean([v['empty'] for v in w]):.4f} (range "
                f"{min(v['empty'] for v in w):.4f}-{max(v['empty'] for v in w):.4f}), on lit "
                f"{np.mean([v['lit'] for v in w]):.4f}; at initialisation (U(-b, b), b = "
                f"{w[0]['init_bound']:.4f}) {w[0]['init_bound'] / 2:.4f}"
            )
    names = sorted(
        {n for r in done.values() for n in r.get("sizes", {})},
        key=lambda n: tuple(int(v) for v in n.split("/")),
    )
    for n in names:  # the clean models' spread at each clean-set size
        rows = {
            k: r["sizes"][n]
            for k, r in done.items()
            if n in r.get("sizes", {}) and not r["backdoored"]
        }
        gaps = np.array([v["gap"] for v in rows.values()])
        pixels = [v["pixels"] for v in rows.values()]
        worst = max(rows, key=lambda k: rows[k]["gap"])
        print(
            f"clean, N {n:7s} ({len(gaps)}): empty pixels {min(pixels)}-{max(pixels)}; gap "
            f"median {np.median(gaps):.3f}, 90th percentile {np.quantile(gaps, 0.9):.3f}, "
            f"max {gaps.max():.3f} ({worst}), above 0.20: {int((gaps > 0.2).sum())}"
        )


if __name__ == "__main__":
    main()
