"""Why ``detect-inputs``' default misses the crossed patch on tanh MLPs, and what a general probe
within five passes could read (issue 14, stop 41; development models only, measurement only).

Per model, on the benchmarks' protocol (``triggered_split`` with ``--seed``'s generator; the
default detector fitted on the guard half by ``fit_guard``, scored on the held-out half and its
triggered copies; positives are the triggered inputs on which the backdoor fires):

- why: the clean error on the held-out half; the layer columns fused alone, with the threshold
  from every clean input and from the correctly classified ones only; the default's TPR split by
  whether the backdoor survives every kept transform (the prediction stays the target under
  each) and by whether the patch's pixels fall on the digit's strokes (``overlap``: any of its
  pixels already bright in the clean input; foreign zoo triggers only);
- probes, each alone and added as one more column to the default's ``sumsq`` fusion
  (tail-scaled on the guard half, cross-fitted as the detector's columns, capped like them):
  ``class_rare`` (bright pixels at positions where no guard input *predicted as the same class*
  is bright; no pass), ``pixel_rel`` (full-resolution pixel-space relative Mahalanobis distance
  to the predicted class; no pass), ``saliency`` (share of ``|grad · x|`` of the predicted logit
  in the best 6×6 window; one backward pass), ``occlusion`` (the predicted-class probability
  lost when that window is blanked; one backward and one forward pass), ``confident_flip``
  (over the default's kept transforms, the largest ``min(p(pred | x), p(new | T(x)))`` where the
  transform changes the prediction to ``new``: a confident prediction that a transform turns
  into another confident one; the default's own passes, none added). Every probe is fitted on
  clean inputs alone;
- one other fusion of the default's own columns, ``whitened``: the squared Mahalanobis distance
  of an input's (capped) column vector from the clean guard inputs' cross-fitted columns (their
  mean and covariance, shrunk by 0.1), in place of the sum of squares of the positive columns;
  it counts a raised group of correlated columns once, and a pattern clean inputs do not show.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/xpatch_mlp_why_stop41.py \\
        ZOO/NAME ... --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

sys.path.insert(0, str(Path(__file__).parent))
from inputs_why_stop40 import load, separation
from trojanscope.data import load_dataset
from trojanscope.detect.input_level.base import GUARD_FOLDS, fit_guard, threshold_at_fpr
from trojanscope.detect.input_level.consistency import TRANSFORMS, tail_scale
from trojanscope.detect.input_level.edges import data_span
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.detect.input_level.isolated import bright, data_floor
from trojanscope.detect.input_level.mahalanobis import Mahalanobis, shrunk_precision
from trojanscope.io.atomic import write_text_atomic

FPR, FOLDS, WINDOW, CAP = 0.01, 5, 6, 6.0


def _copy(gen: torch.Generator) -> torch.Generator:
    """A generator in ``gen``'s state (to replay ``fit_guard``'s fold draw)."""
    twin = torch.Generator()
    twin.set_state(gen.get_state())
    return twin


def class_rare(fit_x: Tensor, fit_pred: Tensor, x: Tensor, pred: Tensor, floor: Tensor,
               span: Tensor) -> Tensor:
    """Bright pixels of ``x`` where no ``fit_x`` predicted as ``x``'s class is bright."""
    lit_fit, lit = bright(fit_x, floor, span).float(), bright(x, floor, span)
    seen = torch.stack([lit_fit[fit_pred == k].sum(0) > 0 for k in range(10)])
    return (lit & ~seen[pred]).flatten(1).sum(1).double()


def pixel_rel(fit_x: Tensor, fit_pred: Tensor, x: Tensor, pred: Tensor) -> Tensor:
    """log distance to the predicted class's mean minus log distance to the nearest other one,
    pixel space, one shared shrunk covariance (the detector's input column at full size)."""
    f, g = fit_x.flatten(1).double(), x.flatten(1).double()
    means = torch.stack([f[fit_pred == k].mean(0) if (fit_pred == k).any() else f.mean(0)
                         for k in range(10)])
    root = torch.linalg.cholesky(shrunk_precision(f - means[fit_pred], 0.1)
                                 + 1e-9 * torch.eye(f.shape[1], dtype=f.dtype))
    d = torch.cdist(g @ root, means @ root).square().clamp_min(1e-12).log()
    own = d.gather(1, pred[:, None]).squeeze(1)
    return own - d.scatter(1, pred[:, None], float("inf")).min(1).values


def saliency(model: nn.Module, x: Tensor) -> tuple[Tensor, Tensor]:
    """(share of |grad · x| of the predicted logit in the best WINDOW² window, the window's
    top-left corner per input)."""
    x = x.clone().requires_grad_(True)
    logits = model(x)
    logits.gather(1, logits.argmax(1, keepdim=True)).sum().backward()
    a = (x.grad * x).abs().detach().sum(1, keepdim=True)
    win = F.avg_pool2d(a, WINDOW, stride=1) * WINDOW * WINDOW
    best = win.flatten(1).max(1)
    return (best.values / a.flatten(1).sum(1).clamp_min(1e-12)).double(), best.indices


def occlusion(model: nn.Module, x: Tensor, corner: Tensor) -> Tensor:
    """The predicted-class probability lost when the best saliency window is set to 0."""
    side = x.shape[-1] - WINDOW + 1
    masked = x.clone()
    for i, c in enumerate(corner.tolist()):
        r, q = divmod(c, side)
        masked[i, :, r:r + WINDOW, q:q + WINDOW] = 0.0
    with torch.no_grad():
        p0 = model(x).softmax(1)
        pred = p0.argmax(1, keepdim=True)
        return (p0.gather(1, pred) - model(masked).softmax(1).gather(1, pred)).squeeze(1).double()


def confident_flip(model: nn.Module, x: Tensor, transforms: tuple[str, ...]) -> Tensor:
    """Over ``transforms``, the largest ``min(p(pred | x), p(new | T(x)))`` where ``T`` turns
    the prediction ``pred`` into ``new`` (0 where no transform changes it)."""
    with torch.no_grad():
        p0 = model(x).softmax(1).double()
        conf, pred = p0.max(1)
        best = torch.zeros(len(x), dtype=torch.float64)
        for t in transforms:
            pt = model(TRANSFORMS[t](x)).softmax(1).double()
            new_p, new = pt.max(1)
            best = torch.maximum(best, torch.where(new != pred, torch.minimum(conf, new_p), 0.0))
    return best


def probes(model: nn.Module, fit_x: Tensor, x: Tensor,
           transforms: tuple[str, ...]) -> dict[str, Tensor]:
    """Every probe's raw value on ``x``, fitted on ``fit_x`` (clean)."""
    with torch.no_grad():
        fit_pred, pred = model(fit_x).argmax(1), model(x).argmax(1)
    floor, span = data_floor(fit_x), data_span(fit_x)
    sal, corner = saliency(model, x)
    return {"class_rare": class_rare(fit_x, fit_pred, x, pred, floor, span),
            "pixel_rel": pixel_rel(fit_x, fit_pred, x, pred),
            "saliency": sal, "occlusion": occlusion(model, x, corner),
            "confident_flip": confident_flip(model, x, transforms)}


def whitened(clean: Tensor) -> Callable[[Tensor], Tensor]:
    """The squared Mahalanobis distance from ``clean``'s rows (mean, covariance shrunk by 0.1
    towards its scaled identity)."""
    mean = clean.mean(0)
    prec = shrunk_precision(clean - mean, 0.1)
    return lambda z: (((z - mean) @ prec) * (z - mean)).sum(1)


def diagnose(spec: Path, seed: int) -> dict:
    name, model, attack = load(spec)
    clean = load_dataset("mnist", "test")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, clean, attack, gen)
    det = Mahalanobis()
    fold = torch.randperm(len(guard_x), generator=_copy(gen)) % GUARD_FOLDS
    guard = fit_guard(model, det, guard_x, fpr=FPR, generator=gen, keep_copies=True)
    with torch.no_grad():  # the guard half's columns, each from the copy that did not fit it
        zguard = torch.cat([c._raw(guard_x[fold == f]) for f, c in enumerate(guard.copies)])
    with torch.no_grad():
        zneg, zpos = det._raw(neg_x), det._raw(trig_x[fires])
    n_layer = zneg.shape[1] - len(det.transforms_) - int(det.edges_) - det.isolated - det.rare
    fuse = det._fuse
    default = separation(fuse(zneg), fuse(zpos))
    # why: clean error, and the layer columns alone with and without misclassified clean inputs
    order = torch.randperm(len(clean), generator=torch.Generator().manual_seed(seed))
    held_y = clean.y[order[len(clean) // 2:]]
    with torch.no_grad():
        right = model(neg_x).argmax(1) == held_y
    lay_neg, lay_pos = (z[:, :n_layer].clamp_min(0).square().sum(1) for z in (zneg, zpos))
    thr_right = threshold_at_fpr(lay_neg[right], FPR)
    out = {"model": name, "positives": int(fires.sum()), "transforms": list(det.transforms_),
           "clean_error": float(1 - right.float().mean()), "default": default,
           "layers_only": separation(lay_neg, lay_pos),
           "layers_only_tpr_threshold_on_correct_clean": float((lay_pos > thr_right)
                                                               .float().mean()),
           "layer_columns": {f"layer:{j}": {"pos_median_z": float(zpos[:, j].median()),
                                            "clean_q99_z": float(zneg[:, j].quantile(0.99))}
                             for j in range(n_layer)}}
    # the triggered inputs whose backdoor survives every kept transform (nothing for the
    # consistency columns to read), and the default's TPR on them and on the others
    with torch.no_grad():
        tx = trig_x[fires]
        target = model(tx).argmax(1)
        survives = torch.stack([model(TRANSFORMS[t](tx)).argmax(1) == target
                                for t in det.transforms_]).all(0)
    hit_default = fuse(zpos) > threshold_at_fpr(fuse(zneg), FPR)
    out["tpr_by_survival"] = {k: {"n": int(m.sum()), "tpr": float(hit_default[m].float().mean())
                                  if m.any() else None}
                              for k, m in (("survives_every_transform", survives),
                                           ("flipped_by_one", ~survives))}
    trig = getattr(attack, "trigger", None)
    if trig is not None:  # a foreign trigger: which of its pixels were already on the digit
        from foreign_zoo import apply_trigger

        mask = torch.from_numpy(apply_trigger(np.zeros((1, 1, 28, 28), np.float32), trig) > 0)
        src = clean.x[order[len(clean) // 2:]][held_y != attack.target][fires]
        overlap = (bright(src, data_floor(guard_x), data_span(guard_x)) & mask).flatten(1).any(1)
        thr = threshold_at_fpr(fuse(zneg), FPR)
        hit = fuse(zpos) > thr
        out["tpr_by_overlap"] = {k: {"n": int(m.sum()), "tpr": float(hit[m].float().mean())
                                     if m.any() else None}
                                 for k, m in (("on_digit", overlap), ("off_digit", ~overlap))}
    # probes: alone, and as one more column of the default's fusion (cross-fitted tail scale)
    white = whitened(zguard)
    out["whitened_fusion"] = separation(white(zneg), white(zpos))
    tr = tuple(det.transforms_)
    raw_neg, raw_pos = probes(model, guard_x, neg_x, tr), probes(model, guard_x, trig_x[fires], tr)
    fold = torch.randperm(len(guard_x), generator=torch.Generator().manual_seed(seed)) % FOLDS
    crossed: dict[str, Tensor] = {k: torch.zeros(len(guard_x), dtype=torch.float64)
                                  for k in raw_neg}
    for f in range(FOLDS):
        rest, held = fold != f, fold == f
        for k, v in probes(model, guard_x[rest], guard_x[held], tr).items():
            crossed[k][held] = v
    out["probes"] = {}
    for k in raw_neg:
        centre, spread = tail_scale(crossed[k][:, None])
        col = [CAP * torch.tanh((v - centre[0]) / spread[0] / CAP) for v in (raw_neg[k],
                                                                          raw_pos[k])]
        fused = [fuse(z) + c.clamp_min(0).square().to(z) for z, c in zip((zneg, zpos), col,
                                                                         strict=True)]
        out["probes"][k] = {"alone": separation(raw_neg[k].float(), raw_pos[k].float()),
                            "with_default": separation(*fused),
                            "pos_median_z": float(col[1].median()),
                            "clean_q99_z": float(col[0].quantile(0.99))}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", type=Path, nargs="+", help="ZOO/NAME or run folders")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    for spec in args.models:
        r = diagnose(spec, args.seed)
        rows.append(r)
        pr = "; ".join(f"{k} alone {v['alone']['roc_auc']:.3f}/{v['alone']['tpr']:.3f} "
                       f"+default {v['with_default']['roc_auc']:.4f}/{v['with_default']['tpr']:.3f}"
                       for k, v in r["probes"].items())
        print(f"{r['model']} ({r['positives']}; clean error {r['clean_error']:.3f}): default "
              f"{r['default']['roc_auc']:.4f}/{r['default']['tpr']:.3f}; layers "
              f"{r['layers_only']['tpr']:.3f} (correct-clean threshold "
              f"{r['layers_only_tpr_threshold_on_correct_clean']:.3f}); whitened fusion "
              f"{r['whitened_fusion']['roc_auc']:.4f}/{r['whitened_fusion']['tpr']:.3f}; "
              f"survival {r['tpr_by_survival']}; overlap "
              f"{r.get('tpr_by_overlap')} | {pr}", flush=True)
        write_text_atomic(args.out, json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
