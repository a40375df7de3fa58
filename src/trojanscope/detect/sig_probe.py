"""A probe in SIG's own form for GAP heads (issue 9, stop 77: h9sig; development only, opt-in).

SIG (Barni et al. 2019) adds one horizontal sinusoid ``A * sin(2 pi j f / W + phi)`` (the same on
every row) to the whole image. It is no blend: the blend probes (:mod:`.blend_probe`,
:mod:`.blend_low`) mix a pattern in at a fixed opacity, which shrinks the input, and read nothing
at a SIG backdoor's target on BatchNorm GAP heads (stop 77's spent and fresh SIG backdoors).
Here no pattern is optimised: a small grid of sinusoids (period counts :data:`FREQS`, amplitudes
:data:`AMPS` as shares of the data range, phases :data:`PHASES`) is added to the other classes'
clean inputs, clipped to the data's range, and for every class ``c`` the largest share of them
any one sinusoid sends to ``c`` is recorded:

* ``sig_share_<c>``: that share; :func:`sig_lead` gives the top class and its lead over the
  second (a count of decisions, free of the logit scale).

A model trained on a sinusoid answers a sinusoid of a nearby period and phase with its target;
a clean head answers it with its own sink class at most (a clipped sinusoid brightens dark
backgrounds). ``auto -p sig_probe=true`` records them on GAP heads; nothing reads them into a
verdict yet (no calibration term).
"""

from __future__ import annotations

import math

import torch

from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.blend_low import GAP_TRAIT, share_lead
from trojanscope.detect.universal import other_class_batch

SIG_SHARE = "sig_share_"  # + class: the largest share one sinusoid sends there
FREQS = (3, 4, 5, 6, 7, 8, 10, 12)  # periods over the image's width
AMPS = (0.15,)  # amplitude, a share of the data range: at 0.1-0.3 clean BatchNorm GAP heads
# send most inputs to their sink class; at 0.15 22 of 27 spent SIG backdoors led beyond every
# clean head of their kind, all 27 at their target (stop 77 development, docs/benchmarks.md)
PHASES = (0.0, 0.5 * math.pi, math.pi, 1.5 * math.pi)
PER_CLASS = 20  # other-class inputs per class


def sinusoid(width: int, freq: float, amp: float, phase: float) -> torch.Tensor:
    """``amp * sin(2 pi j freq / width + phase)`` over the columns ``j`` (a row to broadcast)."""
    j = torch.arange(width, dtype=torch.float32)
    return amp * torch.sin(2 * math.pi * j * freq / width + phase)


def sig_shares(target: InspectionTarget, generator: torch.Generator,
               freqs: tuple[float, ...] = FREQS, amps: tuple[float, ...] = AMPS,
               phases: tuple[float, ...] = PHASES, per_class_n: int = PER_CLASS) -> list[float]:
    """Per class, the largest share of other-class clean inputs (drawn with ``generator``) that
    one sinusoid of the grid, added and clipped to the data's range, sends to it."""
    assert target.clean is not None
    x = target.clean.x
    low, high = float(x.min()), float(x.max())
    span = max(high - low, 1e-6)
    batch, labels = other_class_batch(target, per_class_n, generator)
    k, n = batch.shape[0], batch.shape[1]
    flat = batch.flatten(0, 1)
    best = torch.zeros(k)
    with torch.no_grad():
        for f in freqs:
            for a in amps:
                for p in phases:
                    wave = sinusoid(flat.shape[-1], f, a * span, p)
                    hits = target.model((flat + wave).clamp(low, high)).argmax(1) == labels
                    best = torch.maximum(best, hits.float().view(k, n).mean(1))
    return best.tolist()


def sig_features(target: InspectionTarget, seed: int) -> dict[str, float]:
    """``sig_share_<c>`` for every class of an image model read on clean images (inputs drawn
    seeded ``seed``); nothing for other models."""
    if target.clean is None or len(target.input_shape) != 3:
        return {}
    shares = sig_shares(target, torch.Generator().manual_seed(seed))
    return {f"{SIG_SHARE}{c}": round(float(s), 6) for c, s in enumerate(shares)}


def sig_reading(target: InspectionTarget, seed: int) -> dict[str, float]:
    """:func:`sig_features` for a model with a GAP head (``auto -p sig_probe=true``); nothing
    otherwise."""
    from trojanscope.detect.coverage import architecture_traits

    if GAP_TRAIT not in architecture_traits(target.model):
        return {}
    return sig_features(target, seed)


def sig_lead(features: dict[str, float]) -> tuple[int, float, float] | None:
    """:func:`.blend_low.share_lead` of the sinusoids."""
    return share_lead(features, SIG_SHARE)
