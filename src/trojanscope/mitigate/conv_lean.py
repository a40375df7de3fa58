"""`gated`'s ``conv_lean`` and ``conv_early``: less CPU per treated CNN, towards issue 12's
60 s per model (issue 12, stop 71: h12c).

Why: under today's CNN defaults (``fast_conv=6,conv_epochs=20,conv_round_epochs=7``) a treated
MNIST CNN cost a median 79.2 s of CPU on fresh zoo 2486 (stop 70): the detector about 28 s, the
six rounds about 25 s, the check about 9 s, the rounds' trigger searches about 7 s.

``conv_lean`` (a flag), on a model with a convolution: work whose result nothing reads is not
done, and the same model comes back (the same weights; only the note's unread figures differ):

- the check (:func:`~trojanscope.mitigate.accept.compare`, ``lean``) fits the universal
  perturbation only where it can judge: on the second stage's model for the read classes
  outside the suspects (a suspect's reach is reported, never judged), on the first stage's
  model only for a class the second's reaches by the rise or more (a reach is never below 0);
- each round's CA guard reads its accuracy once the round ends, on the last epoch's weights and
  backwards only where that is below the floor (:class:`~trojanscope.mitigate.guard.LateGuard`),
  not after every epoch;
- the last round's fresh trigger search, which would steer no later round, is not run.

``conv_early`` (a flag), on a model with a convolution and the ``auto`` detector: the detector
runs first without its three input-space probes (``auto``'s own ``empty``, ``pixels`` and
``frame`` switches: MM-BD, its calibration and the trigger search of its suspects); where that
verdict's calibrated probability already reaches the gate, it stands (the model is treated, its
suspects and reversed triggers MM-BD's). Elsewhere the full detector runs, and the model is
gated as without the option. The probes' shipped terms only raise the probability or rename the
suspect; what is not reproduced is a rename, so the rule reads the suspects side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate.guard import convolutional

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated

# ``conv_lean``'s and ``conv_early``'s defaults: on since issue 12 stop 71 (T71's rule met on
# fresh CNN zoo 2490: 5 of 5 at the goal both ways, the same outcome to the image on every
# model, the clean CNN passed both ways, a median 27.4 s of CPU per treated CNN against 47.2 s
# side by side, 0.58); 0 / False: stop 70's treatment.
CONV_LEAN = True
CONV_EARLY = True
# ``auto``'s switches that leave its three input-space probes out (``conv_early``)
NO_PROBES = {"empty": False, "pixels": False, "frame": False}

Verdict = Callable[..., ModelVerdict]


def lean(g: Gated, model: nn.Module) -> bool:
    """Whether ``conv_lean`` is on and ``model`` has a convolution."""
    return bool(g.conv_lean) and convolutional(model)


def verdict(g: Gated, model: nn.Module, clean: TensorDataset, seed: int,
            detect: Verdict) -> ModelVerdict:
    """The verdict ``g`` gates ``model`` on: with ``conv_early`` on a model with a convolution
    and the ``auto`` detector, the verdict without the input-space probes where its probability
    reaches the gate (``g.report_['conv_early']`` says which), else ``detect``'s full one.
    ``detect(name, model, clean, seed[, params])`` is ``gated.detector_verdict`` (the
    parameters passed by position, so a stand-in taking ``*args`` serves both calls)."""
    if not (g.conv_early and g.detector == "auto" and convolutional(model)):
        return detect(g.detector, model, clean, seed)
    early = detect(g.detector, model, clean, seed, NO_PROBES)
    p = float(early.probability or 0.0)
    if p >= g.gate:
        g.report_["conv_early"] = (f"p={p:.3f} without the input-space probes reaches the gate: "
                                   "that verdict stands")
        return early
    g.report_["conv_early"] = (f"p={p:.3f} without the input-space probes is below the gate: "
                               "the full detector ran")
    return detect(g.detector, model, clean, seed)
