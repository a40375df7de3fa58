"""Development tool for weak WaNet backdoors (issue 14, stop 32): why the Mahalanobis guard
misses their triggered inputs, read from ``detect_inputs_columns.py``'s column caches.

    PYTHONPATH=src python benchmarks/detect_inputs_weak_warps.py cache CACHE --runs RUN...
    PYTHONPATH=src python benchmarks/detect_inputs_weak_warps.py why CACHE/NAME.pt --run RUN
    PYTHONPATH=src python benchmarks/detect_inputs_weak_warps.py fifth CACHE/*.pt

``cache`` is ``detect_inputs_columns.py``'s, with the WaNet-minded candidate transforms below
added (a one-pixel random jitter and a re-warp through another random WaNet field, each with and
without binarisation). ``why`` prints, for one model, each column's ROC-AUC alone (held-out
clean vs triggered inputs on which the backdoor fires), the clean median and 99th percentile,
and the mean of the triggered inputs the seventh round's ``auto`` (the default this round
started from: ``SEVENTH``) catches and misses at 1% FPR; then who
the missed ones are: their true classes, and how many the model already assigns to the target
*without* the trigger. ``fifth`` gives each candidate as a fifth menu entry that only a model
keeping at most three of ``SEVENTH``'s four transforms gets (the WaNet models, which leave out
the blur), so no model goes above 5 passes: ROC-AUC / TPR at 1% FPR / guard FPR.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch import Tensor

sys.path.insert(0, str(Path(__file__).parent))

import detect_inputs_columns as columns_tool
from trojanscope.data import load_dataset
from trojanscope.detect.input_level import resample
from trojanscope.detect.input_level.base import conformal_threshold, threshold_at_fpr
from trojanscope.detect.input_level.evaluate import roc_auc
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.purify.bitdepth import BitDepthReduction
from trojanscope.triggers.warp import WarpTrigger


def _bin(x: Tensor) -> Tensor:
    return BitDepthReduction(1).purify(x, None, None)


def jitter(scale: float):
    """The fixed jitter of :func:`~trojanscope.detect.input_level.resample.jitter` (WaNet's
    noise-mode size times ``scale``)."""
    return lambda x: resample.jitter(x, scale)


def rewarp(strength: float, seed: int = 1234):
    return WarpTrigger(k=4, strength=strength, seed=seed).apply


CANDIDATES = {
    "jit1": jitter(1.0),
    "jit2": jitter(2.0),
    "jit1bin": lambda x: _bin(jitter(1.0)(x)),
    "jit2bin": lambda x: _bin(jitter(2.0)(x)),
    "rw1": rewarp(1.0),
    "rw2": rewarp(2.0),
    "rw1bin": lambda x: _bin(rewarp(1.0)(x)),
    "rw2bin": lambda x: _bin(rewarp(2.0)(x)),
    "bin2": columns_tool.CANDIDATES["bin2"],
    "binmed": columns_tool.CANDIDATES["binmed"],
}


SEVENTH = ("median", "blur", "binarise", "rotbin")  # the seventh round's auto: the baseline here


def shipped(d: dict) -> list[int]:
    """Column indices (among the transforms) of the seventh round's ``auto`` for this model."""
    return columns_tool.auto_choice(d, SEVENTH)


def column_names(d: dict) -> list[str]:
    hidden = (d["n_layer"] - 3) // 2
    return (
        ["input.rel"]
        + [f"act{i}.{k}" for i in range(hidden) for k in ("own", "rel")]
        + ["logits.own", "logits.rel"]
        + list(d["names"])
    )


def why(path: Path, run: Path) -> None:
    d = torch.load(path, weights_only=True)
    n_layer, fires = d["n_layer"], d["fires"]
    neg = columns_tool.fused(d["neg"], n_layer, shipped(d), 0)
    pos = columns_tool.fused(d["pos"], n_layer, shipped(d), 0)
    thr = threshold_at_fpr(neg, 0.01)
    missed, caught = (pos <= thr) & fires, (pos > thr) & fires
    print(
        f"{path.stem}: {int(fires.sum())} positives, {int(missed.sum())} missed at 1% FPR; "
        f"transforms kept: {[d['names'][i] for i in shipped(d)]}"
    )
    print("| column | ROC-AUC alone | clean median | clean 99th pct | caught mean | missed mean |")
    print("|---|---:|---:|---:|---:|---:|")
    for j, name in enumerate(column_names(d)):
        n, p = d["neg"][:, j], d["pos"][:, j]
        print(
            f"| {name} | {roc_auc(n, p[fires]):.3f} | {n.quantile(0.5):.2f} | "
            f"{n.quantile(0.99):.2f} | {p[caught].mean():.2f} | {p[missed].mean():.2f} |"
        )
    loaded = load_model(run)
    model, attack = loaded.module.eval(), attack_from_spec(loaded.manifest.attack)
    test = load_dataset("mnist", "test")
    gen = torch.Generator().manual_seed(0)  # triggered_split's first draw: the same halves
    held = test.subset(torch.randperm(len(test), generator=gen)[len(test) // 2 :])
    keep = held.y != attack.target  # the inputs the trigger is stamped on, in order
    with torch.no_grad():
        p_clean = torch.softmax(model(held.x[keep]), 1)
    true, target = held.y[keep], attack.target
    already = p_clean.argmax(1) == target
    for name, mask in (("caught", caught), ("missed", missed)):
        classes = torch.bincount(true[mask], minlength=10).tolist()
        print(
            f"{name}: {int(mask.sum())}; true classes {classes}; already the target without "
            f"the trigger: {int((mask & already).sum())}"
            f"; target probability without the trigger, median "
            f"{p_clean[mask, target].median():.3f}"
        )
    rest = fires & ~already
    print(
        f"TPR at 1% FPR without the inputs already the target: "
        f"{float((caught & ~already).sum()) / max(1, int(rest.sum())):.3f} "
        f"({int(rest.sum())} positives)"
    )


def fifth(paths: list[Path]) -> None:
    names = ["shipped", *CANDIDATES]
    print("| model | positives | " + " | ".join(names) + " |")
    print("|---|---:|" + "---|" * len(names))
    for path in paths:
        d = torch.load(path, weights_only=True)
        cells = []
        for cand in names:
            idx = shipped(d) if cand == "shipped" else columns_tool.auto_choice(d, (*SEVENTH, cand))
            neg, pos, cal = (
                columns_tool.fused(d[k], d["n_layer"], idx, 0) for k in ("neg", "pos", "calib")
            )
            fired = pos[d["fires"]]
            cells.append(
                f"{roc_auc(neg, fired):.4f} / "
                f"{float((fired > threshold_at_fpr(neg, 0.01)).float().mean()):.3f} / "
                f"{float((neg > conformal_threshold(cal, 0.01)).float().mean()):.3f}"
            )
        print(f"| {path.stem} | {int(d['fires'].sum())} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cache")
    c.add_argument("cache", type=Path)
    c.add_argument("--runs", type=Path, nargs="+", required=True)
    w = sub.add_parser("why")
    w.add_argument("file", type=Path)
    w.add_argument("--run", type=Path, required=True)
    f = sub.add_parser("fifth")
    f.add_argument("files", type=Path, nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.cmd == "cache":
        columns_tool.CANDIDATES.clear()
        columns_tool.CANDIDATES.update(CANDIDATES)
        columns_tool.ALL = SEVENTH + tuple(CANDIDATES)
        args.cache.mkdir(parents=True, exist_ok=True)
        for run in args.runs:
            loaded = load_model(run)
            columns_tool.columns(
                loaded.module.eval(),
                attack_from_spec(loaded.manifest.attack),
                args.cache / f"{run.name}.pt",
            )
    elif args.cmd == "why":
        why(args.file, args.run)
    else:
        fifth(args.files)


if __name__ == "__main__":
    main()
