"""ShrinkPad (Li et al., 2021, "Backdoor attack in the physical world"): shrink the image by a
few pixels and pad it back at a random offset. A trigger trained at a fixed place and size no
longer lines up, while the object the model reads is barely changed."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.errors import UserInputError
from trojanscope.purify.base import InputPurifier, check_positive_int
from trojanscope.registry import register


@register("input-purifier", "shrinkpad")
class ShrinkPad(InputPurifier):
    """ShrinkPad (Li et al., 2021): shrink by ``pad`` pixels, zero-pad back at a random offset.

    Arguments:
        pad: pixels removed from each axis by the shrink (bilinear), then added back as zero
            padding split at random between the two sides of each axis. The paper uses 4
            on 32×32 images; 2 kept more clean accuracy on 28×28 MNIST (docs/benchmarks.md).
    """

    name = "shrinkpad"

    def __init__(self, pad: int = 2) -> None:
        check_positive_int("pad", pad)
        self.pad = pad

    def purify(self, x: Tensor, model: nn.Module | None,
               generator: torch.Generator | None) -> Tensor:
        n, _, h, w = x.shape
        if self.pad >= min(h, w):
            raise UserInputError(f"pad {self.pad} leaves nothing of a {h}×{w} image")
        small = F.interpolate(x, size=(h - self.pad, w - self.pad), mode="bilinear",
                              align_corners=False, antialias=True)
        top = torch.randint(0, self.pad + 1, (n,), generator=generator)
        left = torch.randint(0, self.pad + 1, (n,), generator=generator)
        out = torch.zeros_like(x)
        for i in range(n):
            t, lft = int(top[i]), int(left[i])
            out[i, :, t:t + h - self.pad, lft:lft + w - self.pad] = small[i]
        return out
