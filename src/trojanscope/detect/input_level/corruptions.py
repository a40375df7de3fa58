"""Image corruptions at five severities (after ImageNet-C, scaled to small images), as pure
functions of a batch and fixed noise drawn once (so an input's result never depends on its batch).
Used by TeCo; each takes ``x`` (N×C×H×W in [0, 1]), a severity index 0..4 and a noise tensor of
one input's shape."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

Corruption = Callable[[Tensor, int, Tensor], Tensor]


def _gaussian_kernel(sigma: float) -> Tensor:
    radius = max(1, round(2 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    return k / k.sum()


def _separable(x: Tensor, k: Tensor) -> Tensor:
    c = x.shape[1]
    pad = len(k) // 2
    kx = k.view(1, 1, 1, -1).expand(c, 1, 1, -1)
    ky = k.view(1, 1, -1, 1).expand(c, 1, -1, 1)
    x = F.conv2d(F.pad(x, (pad, pad, 0, 0), mode="replicate"), kx, groups=c)
    return F.conv2d(F.pad(x, (0, 0, pad, pad), mode="replicate"), ky, groups=c)


def gaussian_noise(x: Tensor, s: int, noise: Tensor) -> Tensor:
    return x + (0.08, 0.12, 0.18, 0.26, 0.38)[s] * noise


def shot_noise(x: Tensor, s: int, noise: Tensor) -> Tensor:
    lam = (60.0, 25.0, 12.0, 5.0, 3.0)[s]
    return x + torch.sqrt(x.clamp_min(0) / lam) * noise


def impulse_noise(x: Tensor, s: int, noise: Tensor) -> Tensor:
    amount = (0.03, 0.06, 0.09, 0.17, 0.27)[s]
    u = torch.special.ndtr(noise)  # the fixed normal noise as uniforms
    out = torch.where(u < amount / 2, torch.zeros_like(x), x)
    return torch.where(u > 1 - amount / 2, torch.ones_like(x), out)


def gaussian_blur(x: Tensor, s: int, noise: Tensor) -> Tensor:
    return _separable(x, _gaussian_kernel((0.5, 0.75, 1.0, 1.5, 2.0)[s]))


def box_blur(x: Tensor, s: int, noise: Tensor) -> Tensor:
    size = (2, 3, 4, 5, 6)[s]
    left, right = (size - 1) // 2, size // 2
    padded = F.pad(x, (left, right, left, right), mode="replicate")
    return F.avg_pool2d(padded, size, stride=1)


def contrast(x: Tensor, s: int, noise: Tensor) -> Tensor:
    c = (0.4, 0.3, 0.2, 0.1, 0.05)[s]
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * c + mean


def brightness(x: Tensor, s: int, noise: Tensor) -> Tensor:
    return x + (0.1, 0.2, 0.3, 0.4, 0.5)[s]


def pixelate(x: Tensor, s: int, noise: Tensor) -> Tensor:
    h, w = x.shape[-2:]
    f = (0.6, 0.5, 0.4, 0.3, 0.25)[s]
    small = F.interpolate(x, size=(max(1, int(h * f)), max(1, int(w * f))), mode="area")
    return F.interpolate(small, size=(h, w), mode="nearest")


CORRUPTIONS: dict[str, Corruption] = {
    "gaussian_noise": gaussian_noise,
    "shot_noise": shot_noise,
    "impulse_noise": impulse_noise,
    "gaussian_blur": gaussian_blur,
    "box_blur": box_blur,
    "contrast": contrast,
    "brightness": brightness,
    "pixelate": pixelate,
}
SEVERITIES = 5


def corrupt(name: str, x: Tensor, severity: int, noise: Tensor) -> Tensor:
    """``x`` corrupted by ``name`` at ``severity`` (0..4), clipped to [0, 1]."""
    return CORRUPTIONS[name](x, severity, noise).clamp(0.0, 1.0)
