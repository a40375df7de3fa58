"""A universal *warp* towards a class: the smooth displacement field, shared by every image,
that best sends clean images to it (WaNet's trigger is one such field; docs/benchmarks.md,
"A universal warp for the warping backdoor").

The second stage of `gated` unlearns the detector's reversed trigger (a mask and a pattern) and
a universal additive perturbation; neither has a warping backdoor's shape, and on a development
WaNet model six rounds of them left 6.2% of the warped images flipping. This field has it: a
k×k grid of control-point offsets, upsampled bicubically to the image as
:class:`~trojanscope.triggers.warp.WarpTrigger` does, each offset at most ``bound`` (the
trigger's units: ``strength`` times a control point's normalised offset; about ``bound / 2``
pixels). It is fitted against the model as it is, a few signed-gradient steps a batch, and
never reads the attacker's warp.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.engine.modes import eval_mode
from trojanscope.triggers.warp import displaced_grid

K = 4  # WaNet's control grid side for MNIST/CIFAR-10


class UniversalWarp:
    """One universal warp per class in ``classes`` (images of ``height``×``width``), each
    control-point offset at most ``bound``; :meth:`push` fits it a few steps towards its class,
    :meth:`apply` resamples images through it."""

    def __init__(self, classes: list[int], height: int, width: int, bound: float) -> None:
        self.classes = classes
        self.height, self.width = height, width
        self.bound = bound
        self.offsets = torch.zeros(len(classes), 2, K, K)

    def apply(self, x: Tensor, j: int, offsets: Tensor | None = None) -> Tensor:
        """``x`` resampled through class ``classes[j]``'s warp (or ``offsets``)."""
        ins = self.offsets[j : j + 1] if offsets is None else offsets
        grid = displaced_grid(ins, self.height, self.width, 1.0).clamp(-1, 1)
        grid = grid.to(x).expand(x.shape[0], -1, -1, -1)
        return F.grid_sample(
            x, grid, mode="bilinear", padding_mode="border", align_corners=True
        ).clamp(0, 1)

    def push(self, model: nn.Module, x: Tensor, j: int, steps: int) -> Tensor:
        """``steps`` signed-gradient steps moving class ``classes[j]``'s warp to send ``x`` to
        that class (the model's weights untouched); returns ``x`` through the new warp."""
        target = torch.full((len(x),), self.classes[j], dtype=torch.long)
        ins = self.offsets[j : j + 1].clone().requires_grad_(True)
        for _ in range(steps):
            loss = F.cross_entropy(model(self.apply(x, j, ins)), target)
            (grad,) = torch.autograd.grad(loss, [ins])
            with torch.no_grad():
                ins -= self.bound / 4 * grad.sign()
                ins.clamp_(-self.bound, self.bound)
        self.offsets[j] = ins.detach()[0]
        with torch.no_grad():
            return self.apply(x, j)

    def success(self, model: nn.Module, x: Tensor, j: int) -> float:
        """Share of ``x``'s images outside class ``classes[j]`` that its warp sends there."""
        with torch.no_grad():
            pred = model(self.apply(x, j)).argmax(1)
            own = model(x).argmax(1)
        keep = own != self.classes[j]
        return float((pred[keep] == self.classes[j]).float().mean()) if keep.any() else 0.0


def warp_reach(
    model: nn.Module,
    fit: Tensor,
    val: Tensor,
    cls: int,
    bound: float,
    pushes: int = 10,
    steps: int = 3,
) -> float:
    """Share of ``val``'s images outside class ``cls`` that a universal warp of at most
    ``bound``, fitted on ``fit`` (``pushes`` times ``steps`` signed steps), sends to ``cls``: a
    backdoor keyed to a warp answers it on nearly all of them (1.00 on three development WaNet
    models), other models on far fewer (docs/benchmarks.md, "A universal warp for the warping
    backdoor")."""
    warps = UniversalWarp([cls], int(fit.shape[-2]), int(fit.shape[-1]), bound)
    with eval_mode(model):
        for _ in range(pushes):
            warps.push(model, fit, 0, steps)
        return warps.success(model, val, 0)
