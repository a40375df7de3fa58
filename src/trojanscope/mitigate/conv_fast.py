"""`gated`'s ``fast_conv``: a shorter second stage and a narrower check on a model with a
convolution, towards issue 12's 60 s of CPU per model.

Why (issue 12, stop 67: h12c): a treated MNIST CNN cost 107-151 s of CPU on fresh zoos
2480-2482, against the goal's median of 60 s. Stop 66's profile of one (spent
zoo-2480/badnets-000, 124.5 s of CPU): the detector 20%, the first stage 17%, the second stage
63%, of which its six unlearning rounds 34% (each ten epochs, then a fresh trigger search that
on a CNN always finds an adversarial patch, so the stage's own stop never fires) and the check
(:func:`~trojanscope.mitigate.accept.compare`) 23%, for a free universal perturbation fitted
towards each of the ten classes on both the first and the second stage's model.

With ``fast_conv=K`` (K > 0), on a model with a convolution only: the second stage runs at
most K rounds, and the check reads the per-class reach on the classes that matter to it (the
stage's suspects and the detector's top ``CANDIDATES`` classes, whose reversed triggers it
already measures) rather than on all of them; the others are reported as not read. 6 is the
default since stop 69 (``FAST_CONV``; the six rounds kept, the check narrowed); 0: every class
checked, as before. Dense models never read it.

With ``conv_stop=P`` (issue 12, stop 68: h12c), on a model with a convolution only: the
second stage stops on a reading rather than a count, after the round at which the triggers it
started from give their class a mean probability of at most P on its clean images, or once a
round took less than a tenth off that reading (the ``stop_trigger`` reading ``dense_stop`` uses
on MLPs, :meth:`~trojanscope.mitigate.adaptive.Adaptive._gone`), never before the second round
(``STOP_FROM``), ``rounds`` (6) the safety net; and the
check is narrowed as under ``fast_conv``. Why: a fixed cap of two rounds lost a BadNets CNN that
needed four (spent zoo-2480/badnets-005: 0.4% -> 18.1% ASR); on development CNNs that reading
fell round by round with the attacker's trigger's success (docs/benchmarks.md, issue 12 stop
68). None (the default): off.

With ``conv_epochs=E`` (issue 12, stop 69: h12c), on a model with a convolution only: the first
stage (FT-SAM) runs E passes over the clean images instead of its own 40. Why: with the check
narrowed, the detector (about 22 s at load 13-16) and FT-SAM (about 12 s, 40 epochs of two
passes each) are the parts of a treated CNN that no round count touches; the detector's CPU is
spread over five probes that each feed its calibrated probability (the empty-pixel probe 30%,
the pixel probe 21%, the trigger search 16%, MM-BD 15%, the frame probe 11% on spent
zoo-2484/badnets-000), so cutting one changes which models are treated, while FT-SAM's epochs
change only what the six rounds after it start from. 20 is the default since stop 69
(``CONV_EPOCHS``); 0: FT-SAM's own epochs.

With ``conv_round_epochs=E`` (issue 12, stop 70: h12c), on a model with a convolution only:
each of the second stage's rounds trains E epochs instead of its own 10, the six rounds and
their fresh trigger searches kept. Why: under T69 (the defaults above) the rounds' training
was the largest part left of a treated CNN (about 32 of 80 s on fresh zoo 2485), and both cuts
read before cut the *count* of rounds (``fast_conv=2``, ``conv_stop``) and lost BadNets, SIG
and sparse CNNs; this one keeps every round's fresh trigger search and shortens what happens
between them. 7 is the default since stop 70 (``CONV_ROUND_EPOCHS``); 0: the stage's own
epochs.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from torch import nn

from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate.gated_defaults import CANDIDATES
from trojanscope.mitigate.guard import convolutional

if TYPE_CHECKING:
    from trojanscope.mitigate.base import Mitigation
    from trojanscope.mitigate.gated import Gated

# ``fast_conv``'s default: 6 since issue 12 stop 69 (T69's rule met on fresh CNN zoo 2485:
# today's six rounds, the check narrowed; a larger ``rounds`` is capped at 6 on a CNN);
# ``conv_stop``'s: off (stop 68).
FAST_CONV = 6
CONV_STOP: float | None = None
# ``conv_epochs``'s default: 20 since issue 12 stop 69 (T69's rule, with ``fast_conv=6``);
# 0: the first stage's own epochs (40).
CONV_EPOCHS = 20
# ``conv_round_epochs``'s default: 7 since issue 12 stop 70 (T70's rule met on fresh CNN zoo
# 2486, with T69's ``fast_conv=6,conv_epochs=20``); 0: the second stage's own ten epochs.
CONV_ROUND_EPOCHS = 7
# The first round after which ``conv_stop``'s reading may end the stage: on spent zoo-2480's
# sparse-009 the first round raised both the reading (0.013 -> 0.033) and the attacker's
# success (3.8% -> 9.2%) before the second took them down (0.008, 1.8%), issue 12 stop 68.
STOP_FROM = 2


def applies(g: Gated, model: nn.Module) -> bool:
    """Whether ``fast_conv`` or ``conv_stop`` is on and ``model`` has a convolution."""
    return (g.fast_conv > 0 or g.conv_stop is not None) and convolutional(model)


def stage(g: Gated, model: nn.Module, settings: dict[str, Any]) -> dict[str, Any]:
    """The second stage's settings on ``model``: its rounds at most ``fast_conv`` and, with
    ``conv_stop``, its ``stop_trigger``, where they apply; with ``conv_round_epochs``, its
    epochs per round on a model with a convolution; ``settings`` otherwise."""
    out = dict(settings)
    if g.conv_round_epochs > 0 and convolutional(model):
        out["epochs"] = int(g.conv_round_epochs)
    if not applies(g, model):
        return out
    if g.fast_conv > 0:
        out["rounds"] = min(out["rounds"], int(g.fast_conv))
    if g.conv_stop is not None:
        out["stop_trigger"] = float(g.conv_stop)
        out["stop_from"] = STOP_FROM
    return out


def check_classes(g: Gated, model: nn.Module, verdict: ModelVerdict,
                  suspects: list[int]) -> list[int] | None:
    """The classes whose reach the check reads on ``model``: the ``suspects`` and the
    detector's top ``CANDIDATES`` classes where ``fast_conv`` or ``conv_stop`` applies; None
    (every class) otherwise."""
    if not applies(g, model):
        return None
    return sorted({*suspects, *verdict.target_classes[:CANDIDATES]})


def first_stage(g: Gated, model: nn.Module, inner: Mitigation) -> Mitigation:
    """The first stage for ``model``: a copy of ``inner`` with ``conv_epochs`` passes where
    that is on, ``model`` has a convolution and ``inner`` has ``epochs``; ``inner`` itself
    otherwise (it stays as it was, for the next model)."""
    if g.conv_epochs <= 0 or not hasattr(inner, "epochs") or not convolutional(model):
        return inner
    out = copy.copy(inner)
    out.epochs = int(g.conv_epochs)  # type: ignore[attr-defined]
    return out
