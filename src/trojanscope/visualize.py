"""Pictures a person can check: what a trigger does to an input."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw
from torch import Tensor

from trojanscope.triggers.base import Trigger
from trojanscope.triggers.stamp import stamp


def to_pil(image: Tensor, scale: int) -> Image.Image:
    """A C×H×W tensor in [0, 1] as an upscaled (nearest) PIL image."""
    arr = (image.detach().clamp(0, 1).numpy() * 255).round().astype(np.uint8)
    arr = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
    img = Image.fromarray(arr)
    return img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)


def trigger_grid(samples: Tensor, triggers: Sequence[Trigger], *, cell: int = 112) -> bytes:
    """PNG bytes: one row per trigger — clean sample, triggered sample, amplified difference."""
    rows = []
    for sample, trig in zip(samples, triggers, strict=True):
        clean = sample[None]
        poisoned = trig.apply(clean)[0]
        diff = (poisoned - sample).abs()
        diff = diff / diff.max() if float(diff.max()) > 0 else diff
        rows.append((trig.name, [sample, poisoned, diff]))
    scale = max(1, cell // samples.shape[-1])
    size = samples.shape[-1] * scale
    label_h, pad = 18, 6
    grid = Image.new(
        "RGB", (3 * (size + pad) + pad, len(rows) * (size + label_h + pad) + pad), "white"
    )
    draw = ImageDraw.Draw(grid)
    for r, (name, images) in enumerate(rows):
        top = pad + r * (size + label_h + pad)
        for c, (title, img) in enumerate(
            zip(("clean", f"{name} triggered", "difference"), images, strict=True)
        ):
            left = pad + c * (size + pad)
            draw.text((left, top), title, fill="black")
            grid.paste(to_pil(img, scale).convert("RGB"), (left, top + label_h))
    buf = io.BytesIO()
    grid.save(buf, format="PNG")
    return buf.getvalue()


def png_bytes(image: Tensor, scale: int = 4) -> bytes:
    """One C×H×W image in [0, 1] as PNG bytes (upscaled, nearest)."""
    buf = io.BytesIO()
    to_pil(image, scale).save(buf, format="PNG")
    return buf.getvalue()


def reversed_trigger_images(mask: Tensor, pattern: Tensor, sample: Tensor) -> dict[str, bytes]:
    """PNGs of a recovered trigger: its mask, its pattern, and a clean sample carrying it."""
    scale = max(1, 112 // sample.shape[-1])
    stamped = stamp(sample, mask, pattern)
    return {
        "mask": png_bytes(mask, scale),
        "pattern": png_bytes(pattern * mask, scale),
        "applied": png_bytes(stamped, scale),
    }
