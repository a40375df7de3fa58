"""Development tool for weak WaNet backdoors (issue 14, stop 33): statistics of the input alone
that a warp trigger's bilinear resampling changes, read on our own red-team runs.

    PYTHONPATH=src python benchmarks/detect_inputs_edges_dev.py alone RUN... [--quantise]
    PYTHONPATH=src python benchmarks/detect_inputs_edges_dev.py fused RUN... --cache CACHE

``alone``: each statistic by itself, held-out clean inputs against the triggered inputs on which
the backdoor fires (the benchmark's halves, ``evaluate_triggered``'s split with seed 0): ROC-AUC
and TPR at 1% FPR (threshold from the held-out clean inputs). ``--quantise`` rounds the
triggered inputs to 8 bits first (so a statistic is not reading the 8-bit grid). ``fused``: a
statistic added, tail-scaled (cross-fitted on the guard half's five folds) and capped, to the
stop 32 ``auto``'s columns cached by ``detect_inputs_weak_warps.py cache`` (``CACHE/RUN.pt``):
ROC-AUC / TPR at 1% FPR / guard FPR, as ``detect_inputs_columns.py`` computes them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

sys.path.insert(0, str(Path(__file__).parent))

import detect_inputs_columns as columns_tool
from trojanscope.data import load_dataset
from trojanscope.detect.input_level.base import conformal_threshold, threshold_at_fpr
from trojanscope.detect.input_level.consistency import tail_scale
from trojanscope.detect.input_level.corruptions import box_blur
from trojanscope.detect.input_level.edges import smoothness
from trojanscope.detect.input_level.evaluate import roc_auc, triggered_split
from trojanscope.detect.input_level.mahalanobis import CAP
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec

MENU = ("median", "blur", "binarise", "rotbin", "jit1bin")  # stop 32's auto, as cached


def _sum(x: Tensor) -> Tensor:
    return x.flatten(1).sum(1)


def statistics(x: Tensor) -> dict[str, Tensor]:
    """Per input, higher = more warp-like."""
    lap = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"),
                   torch.tensor([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]).view(1, 1, 3, 3))
    grad = _sum((x[..., :, 1:] - x[..., :, :-1]).square()) + _sum(
        (x[..., 1:, :] - x[..., :-1, :]).square())
    ink = _sum((x > 0.1).float()) + 1
    return {
        "steep share (edges.py)": smoothness(x, torch.tensor(1.0)),
        "laplacian / gradient energy": -_sum(lap.square()) / (grad + 1e-6),
        "blur residual energy": -_sum((x - box_blur(x, 1, x)).square()) / (_sum(x.square()) + 1e-6),
        "mid-grey share": _sum(((x > 0.1) & (x < 0.9)).float()) / ink,
        "saturated share": -_sum((x >= 0.99).float()) / ink,
    }


def split(run: Path):
    loaded = load_model(run)
    model = loaded.module.eval()
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(
            model, load_dataset("mnist", "test"), attack_from_spec(loaded.manifest.attack), gen)
    fold = torch.randperm(len(guard_x), generator=gen) % columns_tool.FOLDS
    return guard_x, neg_x, trig_x, fires, fold


def alone(runs: list[Path], quantise: bool) -> None:
    for run in runs:
        _, neg_x, trig_x, fires, _ = split(run)
        pos_x = trig_x[fires]
        if quantise:
            pos_x = (pos_x * 255).round() / 255
        neg, pos = statistics(neg_x), statistics(pos_x)
        cells = [f"{k} {roc_auc(neg[k], pos[k]):.3f} / "
                 f"{float((pos[k] > threshold_at_fpr(neg[k], 0.01)).float().mean()):.2f}"
                 for k in neg]
        print(f"{run.name} ({int(fires.sum())} positives): " + "; ".join(cells), flush=True)


def fused(runs: list[Path], cache: Path, name: str) -> None:
    for run in runs:
        d = torch.load(cache / f"{run.name}.pt", weights_only=True)
        guard_x, neg_x, trig_x, fires, fold = split(run)
        assert torch.equal(fires, d["fires"]), "cache written on other halves"
        idx = columns_tool.auto_choice(d, MENU)
        base = {k: columns_tool.fused(d[k], d["n_layer"], idx, 0) for k in ("calib", "neg", "pos")}
        stat = {"calib": statistics(guard_x)[name], "neg": statistics(neg_x)[name],
                "pos": statistics(trig_x)[name]}
        cal = torch.empty(len(guard_x), dtype=torch.float64)
        for f in range(columns_tool.FOLDS):  # cross-fitted, as the guard's columns
            c, s = tail_scale(stat["calib"].double()[fold != f][:, None])
            cal[fold == f] = (stat["calib"].double()[fold == f] - c) / s
        c, s = tail_scale(stat["calib"].double()[:, None])
        col = {"calib": cal, "neg": (stat["neg"].double() - c) / s,
               "pos": (stat["pos"].double() - c) / s}
        cells = []
        for label, extra in (("stop 32 auto", 0.0), (f"+ {name}", 1.0)):
            sc = {k: base[k] + extra * (CAP * torch.tanh(col[k] / CAP)).clamp_min(0).square()
                  for k in base}
            pos, neg = sc["pos"][fires], sc["neg"]
            tpr = float((pos > threshold_at_fpr(neg, 0.01)).float().mean())
            guard_fpr = float((neg > conformal_threshold(sc["calib"], 0.01)).float().mean())
            cells.append(f"{label} {roc_auc(neg, pos):.4f} / {tpr:.3f} / {guard_fpr:.3f}")
        print(f"{run.name} ({int(fires.sum())} positives): " + "; ".join(cells), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cmd", choices=("alone", "fused"))
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--quantise", action="store_true")
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--stat", default="steep share (edges.py)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.cmd == "alone":
        alone(args.runs, args.quantise)
    else:
        fused(args.runs, args.cache, args.stat)


if __name__ == "__main__":
    main()
