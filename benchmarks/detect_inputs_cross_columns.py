"""Why a one-pixel-cross trigger is missed, and which input-only column would carry it (issue 14,
stop 36; measurement only, development models): per model (foreign, or one of our own runs),
today's ``detect-inputs`` default (five passes, with the edge and isolated columns) and the
served one-pass guard with the isolated column, each column's separation of the triggered
inputs on which the backdoor fires from the held-out clean half, and two candidate columns read
from the input alone:

- ``line``: the longest run of bright pixels (over half the clean range, as the isolated column)
  along any row or column, as a share of the image's side. A one-pixel cross is a full row and
  a full column; a digit's longest straight stroke is shorter.
- ``rare``: the number of bright pixels at positions where under 0.5% of the fit half's clean
  images have a bright pixel (the border band a digit does not reach).

Each candidate alone, and as one more column of each detector's fused score (tail-scaled on the
fit half and capped as the detector's own input columns; ``sumsq``). Protocol as
``evaluate_triggered`` (same split, same generator, the guard cross-fitted on the fit half);
TPR at 1% FPR with the threshold from the held-out clean scores, as the benchmark reads it.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/detect_inputs_cross_columns.py \\
        ZOO/NAME [ZOO/NAME ...] --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from trojanscope.data import load_dataset
from trojanscope.detect.input_level.base import fit_guard
from trojanscope.detect.input_level.consistency import tail_scale
from trojanscope.detect.input_level.edges import data_span
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.detect.input_level.isolated import BRIGHT, data_floor
from trojanscope.detect.input_level.mahalanobis import Mahalanobis
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec

sys.path.insert(0, str(Path(__file__).parent))

from detect_inputs_short_foreign import load_foreign, separation

FPR = 0.01
RARE = 0.005  # a position is rare where fewer clean images than this share are bright there
DETECTORS = {
    "detect-inputs default": {},
    "served guard with isolated": {"transforms": [], "isolated": True},
}


def bright(x: Tensor, floor: Tensor, span: Tensor) -> Tensor:
    return (x - floor) / span > BRIGHT


def longest_line(mask: Tensor) -> Tensor:
    """Per input (N×C×H×W booleans): the longest run of bright pixels along a row or a column,
    as a share of the longer side."""
    best = torch.zeros(mask.shape[0])
    for m in (mask, mask.transpose(-1, -2)):
        run = torch.zeros(m.shape[:-1])
        for j in range(m.shape[-1]):
            run = (run + 1) * m[..., j]
            best = torch.maximum(best, run.flatten(1).amax(1))
    return best / max(mask.shape[-2:])


def candidates(guard_x: Tensor) -> dict[str, Callable[[Tensor], Tensor]]:
    """The candidate columns, their constants read from the fit half."""
    floor, span = data_floor(guard_x), data_span(guard_x)
    rare = bright(guard_x, floor, span).float().mean(0) < RARE
    return {
        "line": lambda x: longest_line(bright(x, floor, span)).double(),
        "rare": lambda x: (bright(x, floor, span) & rare).flatten(1).sum(1).double(),
    }


def with_column(fused: Tensor, col: Tensor, centre: Tensor, spread: Tensor, cap: float) -> Tensor:
    """``fused`` with ``col`` as one more ``sumsq`` column, tail-scaled and capped."""
    z = cap * torch.tanh((col - centre) / spread / cap)
    return fused + z.clamp_min(0).square()


def column_names(det: Mahalanobis) -> list[str]:
    """The names of ``det._raw``'s columns, in order (layers, transforms, input columns)."""
    names = ["input:relative"]
    for layer in [*det.layers_, "logits"]:
        names += [f"{layer}:absolute", f"{layer}:relative"]
    names += [f"transform:{t}" for t in det.transforms_]
    return names + ["edges"] * bool(det.edges_) + ["isolated"] * bool(det.isolated)


def load_run(spec: Path) -> tuple[dict, torch.nn.Module, object]:
    """A foreign model ``ZOO/NAME`` or one of our own red-team run folders (a ``manifest.json``
    naming its attack), as ``(meta, model, attack)``."""
    if not (spec / "manifest.json").is_file():
        return load_foreign(spec)
    loaded = load_model(spec)
    attack = attack_from_spec(loaded.manifest.attack)
    meta = {"arch_family": "own", "trigger": {"family": spec.name.rsplit("-s", 1)[0]}}
    return meta, loaded.module.eval(), attack


def diagnose(spec: Path, seed: int) -> dict:
    """Every figure of the module's docstring for the model ``spec``."""
    meta, model, attack = load_run(spec)
    clean = load_dataset("mnist", "test")
    out: dict = {
        "model": f"{spec.parent.name}/{spec.name}",
        "arch": meta["arch_family"],
        "trigger": meta["trigger"],
        "detectors": {},
    }
    for label, params in DETECTORS.items():
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            guard_x, neg_x, trig_x, fires = triggered_split(model, clean, attack, gen)
            guard = fit_guard(model, Mahalanobis(**params), guard_x, fpr=FPR, generator=gen)
            det = guard.detector
            pos_x = trig_x[fires]
            zn, zp = det._raw(neg_x).float(), det._raw(pos_x).float()
            fn, fp = det._fuse(zn).double(), det._fuse(zp).double()
        cols = {n: separation(zn[:, i], zp[:, i]) for i, n in enumerate(column_names(det))}
        fused = {"as is": separation(fn, fp)}
        for name, fn_col in candidates(guard_x).items():
            cn, cp = fn_col(neg_x), fn_col(pos_x)
            cols[f"candidate:{name}"] = separation(cn, cp)
            centre, spread = tail_scale(fn_col(guard_x)[:, None])
            fused[f"with {name}"] = separation(
                with_column(fn, cn, centre[0], spread[0], det.cap),
                with_column(fp, cp, centre[0], spread[0], det.cap),
            )
        out["positives"] = int(fires.sum())
        out["detectors"][label] = {"fused": fused, "columns": cols}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "models", type=Path, nargs="+", help="ZOO/NAME of foreign models, or run folders"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    for spec in args.models:
        r = diagnose(spec, args.seed)
        rows.append(r)
        for label, d in r["detectors"].items():
            best = sorted(d["columns"].items(), key=lambda kv: -kv[1]["roc_auc"])[:4]
            print(
                f"{r['model']} ({r['trigger']['family']}, {r['positives']} positives), {label}: "
                + "; ".join(
                    f"{k} {v['roc_auc']:.4f} / {v['tpr']:.3f}" for k, v in d["fused"].items()
                )
                + " | best columns: "
                + "; ".join(f"{k} {v['roc_auc']:.3f} / {v['tpr']:.3f}" for k, v in best)
                + " | candidates alone: "
                + "; ".join(
                    f"{k} {v['roc_auc']:.3f} / {v['tpr']:.3f}"
                    for k, v in d["columns"].items()
                    if k.startswith("candidate")
                ),
                flush=True,
            )
        write_text_atomic(args.out, json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
