"""Prediction consistency under a cleaning transform: how much of the predicted class's
probability an input loses when a transform that wipes out a trigger family is applied — the
input-purification results turned into a detection signal (docs/benchmarks.md, "Input
purification"). A 3×3 box blur removes small, high-contrast triggers (patches, sparse pixels);
binarisation removes low-amplitude ones (blends, warps) from near-binary images such as digits.
A clean input keeps most of its prediction under both; a triggered one whose trigger the
transform wipes out falls back towards its true class. One extra forward pass per transform.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from trojanscope.detect.input_level.corruptions import box_blur
from trojanscope.purify.bitdepth import BitDepthReduction
from trojanscope.purify.median import MedianSmoothing

TRANSFORMS: dict[str, Callable[[Tensor], Tensor]] = {
    "blur": lambda x: box_blur(x, 1, x),  # 3×3 box filter, borders replicated
    "binarise": lambda x: BitDepthReduction(1).purify(x, None, None),
    "median": lambda x: MedianSmoothing(3).purify(x, None, None),
}


def check_transforms(names: tuple[str, ...]) -> None:
    """Refuse transform names that are not in :data:`TRANSFORMS`."""
    unknown = [n for n in names if n not in TRANSFORMS]
    if unknown:
        raise ValueError(f"unknown transform(s) {unknown}; known: {', '.join(TRANSFORMS)}")


def probability_drops(model: nn.Module, x: Tensor, logits: Tensor,
                      names: tuple[str, ...]) -> Tensor:
    """N × transforms: log-probability of the predicted class on ``x`` minus on the transformed
    ``x`` (``logits`` are the model's on ``x``)."""
    logp = torch.log_softmax(logits.double(), 1)
    pred = logp.argmax(1, keepdim=True)
    own = logp.gather(1, pred)[:, 0]
    cols = [own - torch.log_softmax(model(TRANSFORMS[n](x)).double(), 1).gather(1, pred)[:, 0]
            for n in names]
    return torch.stack(cols, 1) if cols else torch.zeros(len(x), 0, dtype=torch.float64)
