"""Saliency masking after Februus (Doan et al., 2020): find the few pixels the model's decision
leans on hardest, erase them, and fill the hole from its surroundings.

A trigger works by dominating the decision, so on a triggered input the saliency piles up on
the trigger; removing that region (and inpainting it so no hard edge is left) takes the trigger
away while a clean input loses only a little of its most telling detail. Februus locates the
region with Grad-CAM and fills it with a GAN; here the saliency is the input gradient (it works
for any differentiable model, ONNX imports included) and the fill is a diffusion from the
unmasked neighbours, which needs no training.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.engine.modes import eval_mode
from trojanscope.purify.base import InputPurifier, check_positive_int
from trojanscope.registry import register


def input_saliency(model: nn.Module, x: Tensor) -> Tensor:
    """|∂ logit of the predicted class / ∂ x|, summed over channels: N×H×W."""
    with eval_mode(model), torch.enable_grad():
        xg = x.detach().clone().requires_grad_(True)
        logits = model(xg)
        top = logits.gather(1, logits.argmax(1, keepdim=True)).sum()
        (grad,) = torch.autograd.grad(top, xg)
    return grad.abs().sum(1)


def diffuse_fill(x: Tensor, mask: Tensor, iterations: int) -> Tensor:
    """``x`` with the pixels where ``mask`` (N×1×H×W, 1 = hole) is set filled by repeatedly
    averaging their 3×3 neighbourhood, starting from the known pixels only."""
    known = 1.0 - mask
    out = x * known
    weight = known.clone()
    for _ in range(iterations):
        num = F.avg_pool2d(out * weight, 3, stride=1, padding=1, count_include_pad=False)
        den = F.avg_pool2d(weight, 3, stride=1, padding=1, count_include_pad=False)
        filled = num / den.clamp_min(1e-8)
        reached = (den > 0).to(x.dtype)
        out = x * known + filled * mask * reached + out * mask * (1 - reached)
        weight = torch.maximum(known, reached * mask)
    return out


@register("input-purifier", "saliency-mask")
class SaliencyMask(InputPurifier):
    """Februus-style masking (Doan et al., 2020): inpaint the most salient region of the input.

    Arguments:
        area: share of the pixels masked: those where the box-smoothed input-gradient saliency
            is highest, in (0, 0.5].
        window: side of the box filter over the saliency map (1: none; larger groups the mask
            into blobs, which measured worse on MNIST's thin strokes).
        iterations: diffusion steps that fill the hole from its neighbours.
    """

    name = "saliency-mask"
    needs_model = True

    def __init__(self, area: float = 0.01, window: int = 1, iterations: int = 20) -> None:
        if not 0.0 < float(area) <= 0.5:
            raise ValueError(f"area must be in (0, 0.5], got {area!r}")
        check_positive_int("window", window)
        check_positive_int("iterations", iterations)
        self.area = float(area)
        self.window = window
        self.iterations = iterations

    def purify(self, x: Tensor, model: nn.Module | None,
               generator: torch.Generator | None) -> Tensor:
        assert model is not None
        n, _, h, w = x.shape
        sal = input_saliency(model, x)[:, None]
        if self.window > 1:
            sal = F.avg_pool2d(sal, self.window, stride=1, padding=self.window // 2,
                               count_include_pad=False)[..., :h, :w]
        k = max(1, round(self.area * h * w))
        cut = sal.flatten(1).topk(k, dim=1).values[:, -1].view(n, 1, 1, 1)
        mask = (sal >= cut).to(x.dtype)
        return diffuse_fill(x, mask, self.iterations)
