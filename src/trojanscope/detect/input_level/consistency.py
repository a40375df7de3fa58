"""Prediction consistency under a cleaning transform: how much of the predicted class's
probability an input loses when a transform that wipes out a trigger family is applied — the
input-purification results turned into a detection signal (docs/benchmarks.md, "Input
purification"). A 3×3 box blur removes small, high-contrast triggers (patches, sparse pixels);
binarisation removes low-amplitude ones (blends, warps) from near-binary images such as digits.
A 3×3 median filter removes isolated pixels (sparse triggers) and keeps strokes. A 5° rotation
followed by binarisation (``rotbin``) re-warps the image slightly and undoes the bilinear
smoothness a warp trigger (WaNet) is learnt with. ``jitbin`` resamples through a fixed random
jitter field of WaNet's noise-mode size (about half a pixel), then binarises (stop 32: the
menu's fifth entry, kept only where one of the first four is left out). A clean input
keeps most of its prediction under each; a triggered one whose trigger the transform wipes out
falls back towards its true class. One extra forward pass per transform.

``transforms="auto"`` (:func:`choose_transforms`) keeps, per model, the transforms of
:data:`AUTO_MENU` under which the model's predictions on the clean data stay stable
(:data:`MIN_AGREEMENT`): a transform that changes many clean predictions is not a cleaning of
this model's inputs. Each kept column is put on a tail scale (:func:`tail_scale`) fitted on the
clean data, so a transform whose clean drops are heavy-tailed weighs less.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from trojanscope.detect.input_level.corruptions import box_blur
from trojanscope.detect.input_level.resample import jitter, rotate
from trojanscope.purify.bitdepth import BitDepthReduction
from trojanscope.purify.median import MedianSmoothing

TRANSFORMS: dict[str, Callable[[Tensor], Tensor]] = {
    "blur": lambda x: box_blur(x, 1, x),  # 3×3 box filter, borders replicated
    "binarise": lambda x: BitDepthReduction(1).purify(x, None, None),
    "median": lambda x: MedianSmoothing(3).purify(x, None, None),
    "rotbin": lambda x: BitDepthReduction(1).purify(rotate(x, 5.0), None, None),
    "jitbin": lambda x: BitDepthReduction(1).purify(jitter(x, 1.0), None, None),
}


# chosen on design sets and decided on fresh models (docs/benchmarks.md, issue 14): "jitbin"
# (stop 32) only reaches a model that leaves one of the first four out (MAX_TRANSFORMS)
AUTO_MENU = ("median", "blur", "binarise", "rotbin", "jitbin")
MIN_AGREEMENT = 0.8  # share of clean predictions a transform must keep to be used by "auto"
MAX_TRANSFORMS = 4  # "auto" keeps at most this many (the menu's first that pass): <= 5 passes
TAIL = 0.99  # tail_scale: this clean quantile ...
TAIL_Z = 2.3263  # ... is mapped to the normal's 99th percentile


def check_transforms(names: tuple[str, ...]) -> None:
    """Refuse transform names that are not in :data:`TRANSFORMS` (``("auto",)`` is accepted)."""
    if names == ("auto",):
        return
    unknown = [n for n in names if n not in TRANSFORMS]
    if unknown:
        raise ValueError(f"unknown transform(s) {unknown}; known: {', '.join(TRANSFORMS)}, "
                         "or auto alone; transforms=[] for none")


def transformed_logits(model: nn.Module, x: Tensor, name: str,
                       cache: dict[str, Tensor] | None = None) -> Tensor:
    """The model's logits on ``x`` under transform ``name``, kept in ``cache`` when given (the
    fit needs them twice: to choose the transforms and to scale their drops)."""
    if cache is not None and name in cache:
        return cache[name]
    out = model(TRANSFORMS[name](x))
    if cache is not None:
        cache[name] = out
    return out


def probability_drops(model: nn.Module, x: Tensor, logits: Tensor, names: tuple[str, ...],
                      cache: dict[str, Tensor] | None = None) -> Tensor:
    """N × transforms: log-probability of the predicted class on ``x`` minus on the transformed
    ``x`` (``logits`` are the model's on ``x``; ``cache`` as in :func:`transformed_logits`)."""
    logp = torch.log_softmax(logits.double(), 1)
    pred = logp.argmax(1, keepdim=True)
    own = logp.gather(1, pred)[:, 0]
    cols = [own - torch.log_softmax(transformed_logits(model, x, n, cache).double(), 1)
            .gather(1, pred)[:, 0] for n in names]
    return torch.stack(cols, 1) if cols else torch.zeros(len(x), 0, dtype=torch.float64)


def choose_transforms(model: nn.Module, x: Tensor, logits: Tensor,
                      menu: tuple[str, ...] = AUTO_MENU,
                      cache: dict[str, Tensor] | None = None,
                      most: int = MAX_TRANSFORMS) -> tuple[str, ...]:
    """The first ``most`` transforms of ``menu`` under which at least :data:`MIN_AGREEMENT` of
    the clean inputs ``x`` keep the predicted class (``logits`` are the model's on ``x``):
    chosen from clean data alone, never from triggered examples. A menu entry after the first
    ``most`` kept ones is not run at all."""
    pred = logits.argmax(1)
    kept: list[str] = []
    for n in menu:
        if len(kept) >= most:
            break
        if float((transformed_logits(model, x, n, cache).argmax(1) == pred)
                 .double().mean()) >= MIN_AGREEMENT:
            kept.append(n)
    return tuple(kept)


def tail_scale(drops: Tensor) -> tuple[Tensor, Tensor]:
    """(centre, spread) per column of clean ``drops``: the median, and the distance from it to
    the :data:`TAIL` quantile over :data:`TAIL_Z` — the clean 99th percentile lands where a
    normal column's does, so a heavy clean tail (a few clean inputs that lose their prediction
    under the transform) is not inflated by a small standard deviation into large scores."""
    if drops.shape[1] == 0:
        return drops.new_zeros(0), drops.new_ones(0)
    q = torch.quantile(drops, torch.tensor([0.5, TAIL], dtype=drops.dtype), dim=0)
    return q[0], ((q[1] - q[0]) / TAIL_Z).clamp_min(1e-6)
