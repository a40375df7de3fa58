"""Signed-gradient steps on one pattern placed into a batch of images, towards a class: the
search behind the re-searched stamped margin (``stamp_margin``) and the blend reading and
blended copies (``blend_push``).

What and why (issue 12, stop 68: h12): the two searches repeated the same loop (the pattern in
[0, 1], cross-entropy towards the class, a signed step, the model in eval mode) and differ only
in how the pattern is put into the images (a stamp inside a mask, a blend at an opacity), so
that is the one argument here.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.engine.modes import eval_mode


def pattern_steps(model: nn.Module, x: Tensor, pattern: Tensor, target: int, steps: int,
                  size: float, place: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    """``pattern`` (one for all of ``x``'s images) after ``steps`` signed-gradient steps of
    ``size`` that send ``place(x, pattern)`` towards class ``target``, kept in [0, 1]; the
    model in eval mode (its mode restored after)."""
    labels = torch.full((len(x),), target, dtype=torch.long)
    pattern = pattern.detach().clone()
    with eval_mode(model):
        for _ in range(steps):
            pattern.requires_grad_(True)
            loss = F.cross_entropy(model(place(x, pattern)), labels)
            (grad,) = torch.autograd.grad(loss, [pattern])
            with torch.no_grad():
                pattern = (pattern - size * grad.sign()).clamp(0, 1)
    return pattern.detach()
