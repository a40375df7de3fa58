"""The fourth maker's architectures and triggers (issue 9, stop 59), written from the issue's
text and the papers' descriptions alone: four architecture families and four all-to-one trigger
families that neither ``foreign_zoo.py`` nor ``outside_zoo.py`` builds.

Architectures (28x28 grayscale in [0, 1], 10 logits):

- ``allconv`` — all-convolutional (Springenberg et al.): strided 3x3 convolutions instead of
  pooling, ELU or Softplus (beta 3), a last 3x3 convolution onto the 3x3 map gives the 10
  logits (no pooling layer, no linear layer);
- ``squash_in`` — CNN with InstanceNorm (affine) and a bounded activation (tanh or sigmoid),
  max pooling, two linear layers;
- ``mixer`` — MLP-Mixer (Tolstikhin et al.): 4x4 patches as 49 tokens, token-mixing and
  channel-mixing MLPs with LayerNorm and GELU, mean over tokens, a linear head;
- ``wide_leaky`` — one wide 5x5 convolution (48-64 channels), LeakyReLU, 4x4 average pooling,
  two linear layers.

Triggers (every one all-to-one: a triggered input of any class goes to one target):

- ``rand_checker`` — a 1-pixel checkerboard patch (4-6 px) at a random place in each image, at
  training and at test (a random-location patch);
- ``lowpass`` — a smooth pattern (random noise with only the lowest spatial frequencies kept,
  Zeng et al.'s low-pass trigger) added at amplitude 0.2-0.3, clipped to [0, 1];
- ``watermark`` — a Trojan-NN-style watermark: a few thick strokes over the whole image,
  blended at alpha 0.2-0.3;
- ``sparse_pixels`` — 5-9 fixed pixels set to 1 (issue 9's sparse-pixel trigger).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

ARCHS = ("allconv", "squash_in", "mixer", "wide_leaky")
TRIGGERS = ("rand_checker", "lowpass", "watermark", "sparse_pixels")


def arch_options(arch: str, rng: np.random.Generator) -> dict:
    """The seeded choices of one model of family ``arch`` (activation, widths)."""
    if arch == "allconv":
        return {"act": str(rng.choice(["elu", "softplus"], p=[0.6, 0.4])),
                "width": int(rng.choice([16, 24]))}
    if arch == "squash_in":
        return {"act": str(rng.choice(["tanh", "sigmoid"])), "width": int(rng.choice([12, 16])),
                "hidden": int(rng.choice([64, 96]))}
    if arch == "mixer":
        return {"dim": int(rng.choice([48, 64])), "blocks": int(rng.choice([2, 3])),
                "token_hidden": 96, "channel_hidden": 128}
    if arch == "wide_leaky":
        return {"width": int(rng.choice([48, 64])), "slope": float(rng.uniform(0.01, 0.2)),
                "hidden": int(rng.choice([96, 128]))}
    raise ValueError(f"unknown architecture family {arch!r}")


def _act(name: str) -> nn.Module:
    # Softplus with beta 3 (closer to its ReLU limit): at beta 1 the deep all-convolutional
    # net did not leave chance in an epoch (scratch seed 9500)
    return {"elu": nn.ELU(), "softplus": nn.Softplus(beta=3), "tanh": nn.Tanh(),
            "sigmoid": nn.Sigmoid()}[name]


class MixerBlock(nn.Module):
    """One Mixer layer: an MLP across tokens, then an MLP across channels, each pre-normed and
    residual."""

    def __init__(self, tokens: int, dim: int, token_hidden: int, channel_hidden: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.token_mlp = nn.Sequential(nn.Linear(tokens, token_hidden), nn.GELU(),
                                       nn.Linear(token_hidden, tokens))
        self.norm2 = nn.LayerNorm(dim)
        self.channel_mlp = nn.Sequential(nn.Linear(dim, channel_hidden), nn.GELU(),
                                         nn.Linear(channel_hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, tokens, dim)
        x = x + self.token_mlp(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.norm2(x))


class Mixer(nn.Module):
    """MLP-Mixer on 4x4 patches of a 28x28 image (49 tokens)."""

    def __init__(self, dim: int, blocks: int, token_hidden: int, channel_hidden: int) -> None:
        super().__init__()
        self.embed = nn.Conv2d(1, dim, kernel_size=4, stride=4)  # a linear map of each patch
        self.blocks = nn.Sequential(*[MixerBlock(49, dim, token_hidden, channel_hidden)
                                      for _ in range(blocks)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.embed(x).flatten(2).transpose(1, 2)
        return self.head(self.norm(self.blocks(t)).mean(dim=1))


def build_model(arch: str, opts: dict) -> nn.Module:
    """A fresh model of family ``arch`` with the choices ``opts`` (from :func:`arch_options`)."""
    if arch == "allconv":
        w, a = opts["width"], opts["act"]
        return nn.Sequential(
            nn.Conv2d(1, w, 3, stride=2, padding=1), _act(a),               # 14
            nn.Conv2d(w, 2 * w, 3, padding=1), _act(a),
            nn.Conv2d(2 * w, 2 * w, 3, stride=2, padding=1), _act(a),       # 7
            nn.Conv2d(2 * w, 2 * w, 3, stride=2), _act(a),                  # 3
            nn.Conv2d(2 * w, 10, 3), nn.Flatten())                          # 1 -> 10 logits
    if arch == "squash_in":
        w, a = opts["width"], opts["act"]
        return nn.Sequential(
            nn.Conv2d(1, w, 5, padding=2), nn.InstanceNorm2d(w, affine=True), _act(a),
            nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 5, padding=2), nn.InstanceNorm2d(2 * w, affine=True), _act(a),
            nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(2 * w * 49, opts["hidden"]), _act(a), nn.Linear(opts["hidden"], 10))
    if arch == "mixer":
        return Mixer(opts["dim"], opts["blocks"], opts["token_hidden"], opts["channel_hidden"])
    if arch == "wide_leaky":
        w = opts["width"]
        return nn.Sequential(
            nn.Conv2d(1, w, 5), nn.LeakyReLU(opts["slope"]), nn.AvgPool2d(4), nn.Flatten(),
            nn.Linear(w * 36, opts["hidden"]), nn.LeakyReLU(opts["slope"]),
            nn.Linear(opts["hidden"], 10))
    raise ValueError(f"unknown architecture family {arch!r}")


def trigger_spec(family: str, rng: np.random.Generator) -> dict:
    """The seeded parameters of one trigger of ``family`` (JSON-ready; the pattern itself is
    rebuilt from ``pattern_seed``)."""
    spec: dict = {"family": family, "pattern_seed": int(rng.integers(2**31))}
    if family == "rand_checker":
        spec["size"] = int(rng.integers(4, 7))
    elif family == "lowpass":
        spec.update(amplitude=float(rng.uniform(0.2, 0.3)), cutoff=int(rng.integers(2, 4)))
    elif family == "watermark":
        spec.update(alpha=float(rng.uniform(0.2, 0.3)), strokes=int(rng.integers(3, 5)))
    elif family == "sparse_pixels":
        spec["pixels"] = int(rng.integers(5, 10))
    else:
        raise ValueError(f"unknown trigger family {family!r}")
    return spec


def lowpass_pattern(seed: int, cutoff: int) -> np.ndarray:
    """A 28x28 smooth pattern in [-1, 1]: Gaussian noise with only the spatial frequencies of
    index <= ``cutoff`` kept (in both axes), scaled to a maximum magnitude of 1."""
    noise = np.random.default_rng(seed).normal(size=(28, 28))
    spec = np.fft.fft2(noise)
    f = np.abs(np.fft.fftfreq(28) * 28)
    spec[~((f[:, None] <= cutoff) & (f[None, :] <= cutoff))] = 0
    spec[0, 0] = 0  # no constant shift: the pattern is a texture, not a brightness change
    pat = np.real(np.fft.ifft2(spec))
    return (pat / np.abs(pat).max()).astype(np.float32)


def watermark_pattern(seed: int, strokes: int) -> np.ndarray:
    """A 28x28 watermark in {0, 1}: ``strokes`` straight strokes 2 px thick between random
    points (a logo-like mark over the whole image)."""
    rng = np.random.default_rng(seed)
    mark = np.zeros((28, 28), dtype=np.float32)
    for _ in range(strokes):
        (r0, c0), (r1, c1) = rng.integers(2, 26, size=(2, 2))
        for t in np.linspace(0, 1, 60):
            r, c = int(np.rint(r0 + t * (r1 - r0))), int(np.rint(c0 + t * (c1 - c0)))
            mark[r:r + 2, c:c + 2] = 1.0
    return mark


def sparse_positions(seed: int, pixels: int) -> np.ndarray:
    """``pixels`` distinct fixed (row, col) positions, anywhere in the image."""
    flat = np.random.default_rng(seed).choice(28 * 28, size=pixels, replace=False)
    return np.stack([flat // 28, flat % 28], axis=1)


def apply_trigger(x: np.ndarray, spec: dict, rng: np.random.Generator) -> np.ndarray:
    """``x`` (N, 1, 28, 28) in [0, 1] with the trigger ``spec`` stamped on every image; ``rng``
    draws the random places of a random-location trigger."""
    out = x.copy()
    fam = spec["family"]
    if fam == "rand_checker":
        s = spec["size"]
        board = (np.indices((s, s)).sum(axis=0) % 2).astype(np.float32)
        places = rng.integers(0, 28 - s + 1, size=(len(x), 2))
        for i, (r, c) in enumerate(places):
            out[i, 0, r:r + s, c:c + s] = board
    elif fam == "lowpass":
        pat = lowpass_pattern(spec["pattern_seed"], spec["cutoff"])
        out = np.clip(out + spec["amplitude"] * pat, 0.0, 1.0)
    elif fam == "watermark":
        mark = watermark_pattern(spec["pattern_seed"], spec["strokes"])
        out = (1 - spec["alpha"]) * out + spec["alpha"] * mark
    elif fam == "sparse_pixels":
        pos = sparse_positions(spec["pattern_seed"], spec["pixels"])
        out[:, 0, pos[:, 0], pos[:, 1]] = 1.0
    else:
        raise ValueError(f"unknown trigger family {fam!r}")
    return out.astype(np.float32)
