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
backgrounds). ``auto -p sig_probe=true`` records them on GAP heads.

The second reading (stop 78): a clean BatchNorm head's sink answers any fine vertical stripes
(or the brightness a clipped sinusoid adds) whatever their position; a SIG backdoor answers its
own period at its own position, and a half or quarter period over much less. Per period count of
:data:`PHASE_FREQS` (2-12, so periods outside SIG's usual 4-7 are read too) the four phases are
read at amplitude :data:`PHASE_AMP` on :data:`PHASE_PER_CLASS` inputs per class, and

* ``sig_phase_<c>``: per class, the largest range over one period's phases of the share the
  sinusoid sends to ``c``;

:func:`sig_phase_lead` gives its top class and lead, which a ``"<scorer>:sig"`` entry reads
(:func:`sig_term`: blend-low's raise, :func:`.blend_low.share_raise`, with its own bar per
trait set).

Stop 79: a SIG of a short period (9-10 across the width) answers every phase alike, so the
second reading misses it while the first names it; ``"<scorer>:sig-share"`` reads the first
(its grid now 2-12) with its own bars per trait set, where ``"<scorer>:sig"`` did not lead
beyond its bar (:func:`sig_term`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.blend_low import (
    GAP_TRAIT,
    check_share_terms,
    share_beyond,
    share_lead,
    share_note,
    share_raise,
)
from trojanscope.detect.universal import other_class_batch

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

SIG_SHARE = "sig_share_"  # + class: the largest share one sinusoid sends there
FREQS = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)  # periods over the image's width: stop 77's
# grid (3-8, 10, 12) did not read 9 and 11, where fresh 9222's missed SIG backdoors lie (stop 79)
AMPS = (0.15,)  # amplitude, a share of the data range: at 0.1-0.3 clean BatchNorm GAP heads
# send most inputs to their sink class; at 0.15 22 of 27 spent SIG backdoors led beyond every
# clean head of their kind, all 27 at their target (stop 77 development, docs/benchmarks.md)
PHASES = (0.0, 0.5 * math.pi, math.pi, 1.5 * math.pi)
PER_CLASS = 20  # other-class inputs per class
SIG_PHASE = "sig_phase_"  # + class: the largest range of one period's shares over its phases
PHASE_FREQS = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
PHASE_AMP = 0.25  # about SIG's training amplitude (0.2-0.3): the clean heads' sink answers every
# phase alike, so the range stays low where the share alone does not (stop 78 development)
PHASE_PER_CLASS = 20
TERM = "sig"  # "auto:sig", "auto:out-of-coverage:sig": the phase reading
SHARE_TERM = "sig-share"  # "auto:sig-share": the share reading, where the phase one did not
# lead beyond its bar (stop 79)
SIG_BY_SHARE = "sig_by_share"  # 1.0 where the share reading raised or renamed
SIG_LOGIT = "sig_logit"  # the logit the term added (where it raised)
SIG_UNNAMED = "sig_unnamed_class"  # the class named first before the term named its own


def sinusoid(width: int, freq: float, amp: float, phase: float) -> torch.Tensor:
    """``amp * sin(2 pi j freq / width + phase)`` over the columns ``j`` (a row to broadcast)."""
    j = torch.arange(width, dtype=torch.float32)
    return amp * torch.sin(2 * math.pi * j * freq / width + phase)


def grid_shares(target: InspectionTarget, generator: torch.Generator, freqs: tuple[float, ...],
                amps: tuple[float, ...], phases: tuple[float, ...], per_class_n: int
                ) -> torch.Tensor:
    """Per sinusoid of the grid (period count x amplitude x phase) and class ``c``, the share
    of other-class clean inputs (drawn with ``generator``) it sends to ``c``, added and clipped
    to the data's range: a (freqs, amps, phases, classes) tensor."""
    assert target.clean is not None
    x = target.clean.x
    low, high = float(x.min()), float(x.max())
    span = max(high - low, 1e-6)
    batch, labels = other_class_batch(target, per_class_n, generator)
    k, n = batch.shape[0], batch.shape[1]
    flat = batch.flatten(0, 1)
    out = torch.zeros(len(freqs), len(amps), len(phases), k)
    with torch.no_grad():
        for i, f in enumerate(freqs):
            for j, a in enumerate(amps):
                for m, p in enumerate(phases):
                    wave = sinusoid(flat.shape[-1], f, a * span, p)
                    hits = target.model((flat + wave).clamp(low, high)).argmax(1) == labels
                    out[i, j, m] = hits.float().view(k, n).mean(1)
    return out


def sig_shares(target: InspectionTarget, generator: torch.Generator,
               freqs: tuple[float, ...] = FREQS, amps: tuple[float, ...] = AMPS,
               phases: tuple[float, ...] = PHASES, per_class_n: int = PER_CLASS) -> list[float]:
    """Per class, the largest share of other-class clean inputs (drawn with ``generator``) that
    one sinusoid of the grid, added and clipped to the data's range, sends to it."""
    return grid_shares(target, generator, freqs, amps, phases, per_class_n).amax((0, 1, 2)).tolist()


def phase_ranges(target: InspectionTarget, generator: torch.Generator,
                 freqs: tuple[float, ...] = PHASE_FREQS, amp: float = PHASE_AMP,
                 phases: tuple[float, ...] = PHASES, per_class_n: int = PHASE_PER_CLASS
                 ) -> list[float]:
    """Per class, the largest range over one period's ``phases`` of the share its sinusoid
    sends there (module docstring). Eighth-period steps for short periods were measured at
    stop 79 and not taken: they read the period 9-10 SIG backdoors no better and lifted the
    clean heads' ranges (docs/benchmarks.md, "issue 9, stop 79: h9sig")."""
    got = grid_shares(target, generator, freqs, (amp,), phases, per_class_n)[:, 0]
    return (got.amax(1) - got.amin(1)).amax(0).tolist()


def sig_features(target: InspectionTarget, seed: int) -> dict[str, float]:
    """``sig_share_<c>`` for every class of an image model read on clean images (inputs drawn
    seeded ``seed``); nothing for other models."""
    if target.clean is None or len(target.input_shape) != 3:
        return {}
    shares = sig_shares(target, torch.Generator().manual_seed(seed))
    ranges = phase_ranges(target, torch.Generator().manual_seed(seed))
    return {**{f"{SIG_SHARE}{c}": round(float(s), 6) for c, s in enumerate(shares)},
            **{f"{SIG_PHASE}{c}": round(float(r), 6) for c, r in enumerate(ranges)}}


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


def sig_phase_lead(features: dict[str, float]) -> tuple[int, float, float] | None:
    """:func:`.blend_low.share_lead` of the second reading (``sig_phase_<c>``)."""
    return share_lead(features, SIG_PHASE)


def sig_term(verdict: ModelVerdict, calibrators: dict[str, Calibrator], scored_by: str) -> float:
    """Apply ``"<scored_by>:sig"`` in place where it reads: where the second reading's top
    class leads by the bar of the model's trait set (else the entry's ``lead``), that class is
    named first and a probability under the flag is raised to the flag (past it by the
    entry's ``beyond`` slope times the lead over the bar, where it holds one: stop 81), never
    down; where it does not, ``"<scored_by>:sig-share"`` the same way on the first reading
    (stop 79: a SIG of a short period answers every phase alike, a sink any fine stripes: each
    reading sees what the other cannot, each beyond its own bar). Returns the logit added."""
    key = f"{scored_by}:{TERM}"
    if share_beyond(verdict, calibrators, key, sig_phase_lead):
        return share_raise(verdict, calibrators, key, sig_phase_lead, SIG_LOGIT, SIG_UNNAMED)
    lift = share_raise(verdict, calibrators, f"{scored_by}:{SHARE_TERM}", sig_lead, SIG_LOGIT,
                       SIG_UNNAMED)
    if SIG_LOGIT in verdict.features or SIG_UNNAMED in verdict.features:
        verdict.features[SIG_BY_SHARE] = 1.0
    return lift


def sig_note(features: dict[str, float]) -> str | None:
    """One line where the term raised or renamed (None otherwise)."""
    if features.get(SIG_BY_SHARE):
        return share_note(features, sig_lead, SIG_LOGIT, SIG_UNNAMED, lambda cls, share, lead: (
            f"one horizontal sinusoid sends {share:.0%} of other classes' clean inputs to class "
            f"{cls} (lead {lead:.2f}), beyond every clean GAP head of its kind the term was "
            "set on"))
    return share_note(features, sig_phase_lead, SIG_LOGIT, SIG_UNNAMED, lambda cls, rng, lead: (
        f"a horizontal sinusoid sends {rng:.0%} more of other classes' clean inputs to class "
        f"{cls} at one phase than at another (lead {lead:.2f}), beyond every clean GAP head "
        "of its kind the term was set on"))


def sig_entries(calibrators: dict[str, Calibrator]) -> bool:
    """Whether a calibration file holds a ``"…:sig"`` or ``"…:sig-share"`` entry (then ``auto``
    records the probe by default, stop 79)."""
    return any(k.endswith((f":{TERM}", f":{SHARE_TERM}")) for k in calibrators)


def check_sig_terms(calibrators: dict[str, Calibrator]) -> None:
    """:func:`.blend_low.check_share_terms` for ``"…:sig"`` and ``"…:sig-share"`` entries."""
    check_share_terms(calibrators, TERM)
    check_share_terms(calibrators, SHARE_TERM)
