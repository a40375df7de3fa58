"""Why ``strip-text``'s guard flags more clean sentences than ``--fpr`` (issue 15, stop 50,
development only): on each backdoored run folder, for each split seed the construction of
``evaluate_triggered`` (guard half, held-out clean half, its triggered copies; the seed also
draws the partners), the guard fitted as today (``fit_guard``: five fold copies, each with its
own partner draw, then the deployed detector with another draw), and the held-out clean share
and the firing triggered share flagged by these thresholds: ``folds`` (today: the conformal
rank of the fold copies' scores), ``own`` (the same rank of the deployed detector's own scores
of the guard half: ``calibrate=own``), ``own_pacC`` (the rank of ``pac_threshold`` at each
``--confidence`` C on those own scores) and ``folds_pacC`` (that rank on the fold copies').
Also each threshold's value and the count of own guard scores above it, so a threshold set on
other partners than the deployed ones shows as a shift.

    python benchmarks/strip_text_guard_splits.py RUN... --seeds 0 1 2 --json OUT
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level.base import conformal_threshold, fit_guard, pac_threshold
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder
from trojanscope.registry import create


def one_split(model: torch.nn.Module, clean, attack, seed: int, fpr: float,
              confidences: list[float], params: dict, swap: bool = False) -> dict:
    """Each threshold's held-out figures on the split and partner draws of ``seed``; ``swap``:
    the guard fitted on the held-out half and measured on the guard half (a split whose held-out
    half happens to hold more high-scoring clean sentences then reads low, a bias of the
    threshold itself would read high both ways)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, clean, attack, gen)
    if swap:
        guard_x, neg_x = neg_x, guard_x
    detector = create("input-detector", "strip-text", **params)
    guard = fit_guard(model, detector, guard_x, fpr=fpr, generator=gen, keep_copies=True)
    folds = torch.cat(guard.calibration)
    own = detector.score(guard_x).double()
    neg = detector.score(neg_x).double()
    trig = detector.score(trig_x).double()[fires]
    thresholds = {"folds": guard.threshold, "own": conformal_threshold(own, fpr)}
    for c in confidences:
        thresholds[f"own_pac{c:g}"] = pac_threshold(own, fpr, c)
        thresholds[f"folds_pac{c:g}"] = pac_threshold(folds, fpr, c)
    out: dict = {"seed": seed, "swap": swap, "guard": len(guard_x), "neg": len(neg_x),
                 "fires": int(fires.sum())}
    for name, t in thresholds.items():
        out[name] = {"threshold": t, "fpr": float((neg > t).double().mean()),
                     "tpr": float((trig > t).double().mean()),
                     "own_above": int((own > t).sum())}
    return out


def summary(rows: list[dict], names: list[str]) -> dict:
    """Mean / max held-out FPR, share of splits above 6%, and min / mean TPR per threshold."""
    out = {}
    for name in names:
        f = [r[name]["fpr"] for r in rows]
        t = [r[name]["tpr"] for r in rows]
        out[name] = {"fpr_mean": round(statistics.mean(f), 4), "fpr_max": round(max(f), 4),
                     "over_0.06": sum(v > 0.06 for v in f), "tpr_min": round(min(t), 4),
                     "tpr_mean": round(statistics.mean(t), 4)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--confidence", type=float, nargs="+", default=[0.9, 0.95])
    parser.add_argument("--swap", action="store_true",
                        help="also each split with its halves' roles swapped")
    parser.add_argument("--json", type=Path, required=True)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    names = ["folds", "own"] + [f"{k}_pac{c:g}" for c in opts.confidence
                                for k in ("own", "folds")]
    models = []
    for folder in opts.folders:
        loaded = load_model(folder)
        clean = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
        attack = attack_from_spec(loaded.manifest.attack)
        rows = []
        for seed, swap in [(s, w) for s in opts.seeds for w in [False, True][: 1 + opts.swap]]:
            rows.append(one_split(loaded.module.eval(), clean, attack, seed, opts.fpr,
                                  opts.confidence, {}, swap))
            r = rows[-1]
            figures = " ".join(f"{n} {r[n]['fpr']:.3f}/{r[n]['tpr']:.3f}" for n in names)
            print(folder.name, seed, "swap" if swap else "", figures, file=sys.stderr, flush=True)
        swapped = [r for r in rows if r["swap"]]
        models.append({"model": folder.name,
                       "summary": summary([r for r in rows if not r["swap"]], names),
                       "swapped": summary(swapped, names) if swapped else None, "splits": rows})
    text = json.dumps({"fpr": opts.fpr, "confidences": opts.confidence, "seeds": opts.seeds,
                       "models": models}, indent=2)
    opts.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
