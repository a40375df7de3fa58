"""Certified test-time defence against patch triggers: PatchCleanser's double masking
(Xiang et al., USENIX Security 2022).

A *mask set* is a list of rectangles such that any ``patch x patch`` square anywhere in the image
lies wholly inside at least one of them (with ``k`` masks per side: stride
``s = ceil((n - patch + 1) / k)`` and mask size ``m = patch + s - 1``). If the model gives the
same label ``y`` for every image with *two* masks applied (every pair, a mask with itself
included), then for any patch of that size, the mask covering it removes it, and PatchCleanser's
prediction on the patched image is ``y``: the input is *certified*. The certificate holds for
any patch content, including a backdoor trigger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from trojanscope.engine.metrics import predict
from trojanscope.errors import UserInputError


def _starts(n: int, patch: int, per_side: int) -> tuple[list[int], int]:
    if not 1 <= patch <= n:
        raise UserInputError(f"patch size must lie in [1, {n}], got {patch}")
    k = max(1, min(int(per_side), n - patch + 1))
    stride = math.ceil((n - patch + 1) / k)
    size = patch + stride - 1
    starts = sorted({min(i * stride, n - size) for i in range(k)})
    return starts, size


def mask_set(height: int, width: int, patch: int, per_side: int = 6) -> Tensor:
    """Boolean masks (M, H, W), True where masked, covering every ``patch``-square position."""
    rows, mh = _starts(height, patch, per_side)
    cols, mw = _starts(width, patch, per_side)
    masks = torch.zeros(len(rows) * len(cols), height, width, dtype=torch.bool)
    for i, (r, c) in enumerate((r, c) for r in rows for c in cols):
        masks[i, r : r + mh, c : c + mw] = True
    return masks


def apply_masks(x: Tensor, masks: Tensor, fill: float = 0.0) -> Tensor:
    """``x`` (C, H, W) under each mask of ``masks`` (B, H, W): shape (B, C, H, W)."""
    return torch.where(masks[:, None], torch.full_like(x, fill), x[None])


@dataclass(frozen=True)
class PatchCertificate:
    """Per input: PatchCleanser's prediction and whether it is certified for every patch."""

    prediction: Tensor  # (N,) the defended prediction on the input as given
    certified: Tensor  # (N,) bool: every double-masked prediction equals ``prediction``


def double_mask_predictions(model: nn.Module, x: Tensor, masks: Tensor, fill: float) -> Tensor:
    """Predictions of ``model`` on ``x`` (C, H, W) under every pair of masks: (M, M)."""
    m = len(masks)
    ii, jj = torch.triu_indices(m, m)
    pairs = masks[ii] | masks[jj]
    labels = predict(model, apply_masks(x, pairs, fill), batch_size=512).argmax(1)
    grid = torch.empty(m, m, dtype=torch.long)
    grid[ii, jj] = labels
    grid[jj, ii] = labels
    return grid


def defended_prediction(grid: Tensor) -> int:
    """PatchCleanser's inference rule from the (M, M) double-mask predictions."""
    first = grid.diagonal()
    values, counts = first.unique(return_counts=True)
    majority = int(values[counts.argmax()])
    if len(values) == 1:
        return majority
    for i in range(len(first)):
        if int(first[i]) != majority and bool((grid[i] == first[i]).all()):
            return int(first[i])
    return majority


def certify_patch(
    model: nn.Module, x: Tensor, patch: int, *, per_side: int = 6, fill: float = 0.0
) -> PatchCertificate:
    """Certify every input of ``x`` (N, C, H, W) against ``patch``-sized patches anywhere."""
    masks = mask_set(x.shape[-2], x.shape[-1], patch, per_side)
    preds, certified = [], []
    for sample in x:
        grid = double_mask_predictions(model, sample, masks, fill)
        label = defended_prediction(grid)
        preds.append(label)
        certified.append(bool((grid == label).all()))
    return PatchCertificate(torch.tensor(preds), torch.tensor(certified))
