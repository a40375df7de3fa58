"""JPEG compression as a defence (Dziugaite et al., 2016; Das et al., 2017): the 8×8 DCT
quantisation drops the fine detail many triggers live in. Done with Pillow's encoder, in
memory, so it is the real codec rather than an imitation."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn

from trojanscope.errors import UserInputError
from trojanscope.plain_numbers import whole
from trojanscope.purify.base import InputPurifier
from trojanscope.registry import register

_MODES = {1: "L", 3: "RGB"}


@register("input-purifier", "jpeg")
class JpegCompression(InputPurifier):
    """JPEG compression (Das et al., 2017): encode and decode each image at ``quality``.

    Arguments:
        quality: JPEG quality, 1 (coarsest) to 95; images need 1 or 3 channels.
    """

    name = "jpeg"

    def __init__(self, quality: int = 50) -> None:
        if not whole(quality, 1) or quality > 95:
            raise ValueError(f"quality must be an integer in [1, 95], got {quality!r}")
        self.quality = quality

    def purify(self, x: Tensor, model: nn.Module | None,
               generator: torch.Generator | None) -> Tensor:
        c = x.shape[1]
        if c not in _MODES:
            raise UserInputError(f"JPEG takes images with 1 or 3 channels, got {c}")
        pixels = np.clip(np.rint(x.numpy() * 255.0), 0, 255).astype(np.uint8)
        out = np.empty_like(pixels)
        for i, img in enumerate(pixels):
            arr = img[0] if c == 1 else img.transpose(1, 2, 0)
            buf = io.BytesIO()
            Image.fromarray(arr, _MODES[c]).save(buf, format="JPEG", quality=self.quality)
            buf.seek(0)
            with Image.open(buf) as decoded:
                back = np.asarray(decoded.convert(_MODES[c]))
            out[i] = back[None] if c == 1 else back.transpose(2, 0, 1)
        return torch.from_numpy(out.astype(np.float32) / 255.0)
