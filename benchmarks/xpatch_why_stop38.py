"""Why no column of ``detect-inputs``' default separates zoo-s34 leaky_strided_cnn-01's crossed
patch (issue 14, stop 38; measurement only, development models): per foreign model ``ZOO/NAME``,
today's five-pass default (``mahalanobis``, ``rare=false``) fitted as the benchmark fits it
(same split, same generator, :func:`fit_guard` on the fit half), and two readings of its fused
score at 1% FPR on the held-out half:

- **the clean tail**: the clean error rate, the share of the held-out clean inputs above the
  threshold that the model misclassifies, and the TPR when the threshold is read on the
  correctly classified clean inputs alone (how much of the shortfall the model's own mistakes
  explain: a weak model's misclassified clean digits look as far from their predicted class as
  a triggered input does);
- **where the patch lands**: the triggered inputs on which the backdoor fires split by how many
  bright clean pixels (over half the range) the trigger's box covers, with the TPR of each
  group (a patch drawn over a digit's stroke is hidden from the isolated column and, in the
  layers, mixed with the stroke).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/xpatch_why_stop38.py \\
        ZOO/NAME [ZOO/NAME ...] --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.input_level.base import fit_guard, threshold_at_fpr
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.detect.input_level.mahalanobis import Mahalanobis
from trojanscope.io.atomic import write_text_atomic

sys.path.insert(0, str(Path(__file__).parent))

from detect_inputs_short_foreign import FPR, load_foreign, separation


def covered(orig: torch.Tensor, trigger: dict) -> torch.Tensor:
    """Per clean image: bright pixels (over half the range) inside the crossed patch's box."""
    r, c, s = trigger["row"], trigger["col"], trigger["size"]
    return (orig[..., r : r + s, c : c + s] > 0.5).flatten(1).sum(1)


def diagnose(spec: Path, seed: int) -> dict:
    """The module docstring's figures for the foreign model ``spec``."""
    meta, model, attack = load_foreign(spec)
    clean = load_dataset("mnist", "test")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, clean, attack, gen)
        guard = fit_guard(model, Mahalanobis(rare=False), guard_x, fpr=FPR, generator=gen)
        det = guard.detector
        fn, fp = det._fuse(det._raw(neg_x)).double(), det._fuse(det._raw(trig_x[fires])).double()
        # the held-out half again (the same permutation), for labels and the clean originals
        order = torch.randperm(len(clean), generator=torch.Generator().manual_seed(seed))
        held = clean.subset(order[len(clean) // 2 :])
        right = model(neg_x).argmax(1) == held.labels
    cut = threshold_at_fpr(fn, FPR)
    above = fn > cut
    orig = held.x[held.labels != meta["target"]][fires]
    cover = covered(orig, meta["trigger"])
    groups = {"none": cover == 0, "1-3": (cover >= 1) & (cover <= 3), "4+": cover >= 4}
    out = {
        "model": f"{spec.parent.name}/{spec.name}",
        "trigger": meta["trigger"],
        "clean_accuracy": meta.get("clean_accuracy"),
        "poison_rate": meta.get("poison_rate"),
        "augment": meta["recipe"].get("augment"),
        "positives": int(fires.sum()),
        "fused": separation(fn, fp),
        "clean_error": float((~right).float().mean()),
        "above_threshold_misclassified": float((~right[above]).float().mean()),
        "tpr_threshold_on_correct_clean": separation(fn[right], fp)["tpr"],
        "by_patch_cover": {
            k: {"share": float(m.float().mean()), "tpr": float((fp[m] > cut).float().mean())}
            for k, m in groups.items()
            if m.any()
        },
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", type=Path, nargs="+", help="ZOO/NAME of foreign models")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    for spec in args.models:
        r = diagnose(spec, args.seed)
        rows.append(r)
        cover = "; ".join(
            f"{k}: {v['share']:.2f} of positives, TPR {v['tpr']:.3f}"
            for k, v in r["by_patch_cover"].items()
        )
        print(
            f"{r['model']} {r['trigger']} CA {r['clean_accuracy']} rate {r['poison_rate']:.3f} "
            f"augment {r['augment']} ({r['positives']} positives): fused ROC-AUC "
            f"{r['fused']['roc_auc']:.4f} TPR {r['fused']['tpr']:.3f}; clean error "
            f"{r['clean_error']:.3f}, misclassified among clean above the threshold "
            f"{r['above_threshold_misclassified']:.2f}; TPR with the threshold on correctly "
            f"classified clean {r['tpr_threshold_on_correct_clean']:.3f} | by bright pixels under "
            f"the patch: {cover}",
            flush=True,
        )
        write_text_atomic(args.out, json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
