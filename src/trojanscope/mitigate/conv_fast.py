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
already measures) rather than on all of them; the others are reported as not read. 0 (the
default): today's stage and check. Dense models never read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import nn

from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate.gated_defaults import CANDIDATES
from trojanscope.mitigate.guard import convolutional

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated

# ``fast_conv``'s default: off (opt-in, issue 12 stop 67).
FAST_CONV = 0


def applies(g: Gated, model: nn.Module) -> bool:
    """Whether ``fast_conv`` is on and ``model`` has a convolution."""
    return g.fast_conv > 0 and convolutional(model)


def rounds(g: Gated, model: nn.Module, given: int) -> int:
    """The second stage's rounds on ``model``: at most ``fast_conv`` where it applies,
    ``given`` otherwise."""
    return min(given, int(g.fast_conv)) if applies(g, model) else given


def check_classes(g: Gated, model: nn.Module, verdict: ModelVerdict,
                  suspects: list[int]) -> list[int] | None:
    """The classes whose reach the check reads on ``model``: the ``suspects`` and the
    detector's top ``CANDIDATES`` classes where ``fast_conv`` applies; None (every class)
    otherwise."""
    if not applies(g, model):
        return None
    return sorted({*suspects, *verdict.target_classes[:CANDIDATES]})
