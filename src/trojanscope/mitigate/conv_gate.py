"""`gated`'s ``conv_gate``: a model with a convolution that the detector rates below the gate is
treated anyway where a stripe or a universal warp reaches one class.

Why (issue 12, stop 66: h12c): on fresh CNN zoo 2480 the detector passed a SIG CNN (p 0.017) and
a WaNet CNN (p 0.013), handed back at 95.7% and 94.9% ASR; ``stripe_gate``, which opens the gate
for SIG MLPs, reads dense models only. Here, on an image model with a convolution, a striped
perturbation of at most ``stripe_eps`` per pixel (SIG's shape, as ``stripe_gate`` reads it) and
a universal smooth warp of at most ``warp`` (WaNet's, as the second stage's ``warp_reach`` reads
it) are fitted towards each class the detector ranked, on the model as it is and on the stage's
split of the method's clean images; where one sends at least ``conv_gate`` of the held-back
images not of that class there, the model is treated with that class as its suspect. It reads
the method's clean images only, never the attacker's trigger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import residual as probe
from trojanscope.mitigate.gated_defaults import UNLEARN
from trojanscope.mitigate.guard import convolutional, hold_back
from trojanscope.mitigate.universal_warp import warp_reach

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated

# ``conv_gate``'s default: off (opt-in, issue 12 stop 66).
CONV_GATE = 0.0


def reaches(model: nn.Module, fit: TensorDataset, val: TensorDataset, classes: list[int],
            stripe_eps: float, warp: float) -> dict[int, tuple[float, float]]:
    """Per class of ``classes``: (the share of ``val``'s images outside it that a striped
    perturbation of at most ``stripe_eps``, fitted on ``fit``, sends there; the same for a
    universal warp of at most ``warp``, 0 where ``warp`` is 0)."""
    return {c: (probe.perturbation_asr(model, fit, val, c, stripe_eps),
                warp_reach(model, fit.x, val.x, c, warp) if warp > 0 else 0.0)
            for c in classes}


def conv_opens(g: Gated, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
               seed: int) -> bool:
    """``conv_gate``: whether an image model with a convolution that the detector rated below
    ``gate`` is treated anyway (a stripe or a warp towards one of the detector's ranked classes
    sends at least ``conv_gate`` of the held-back images there). The class reached best
    becomes the suspect; the note's ``conv_gate`` entry gives the readings."""
    if g.conv_gate <= 0 or not verdict.target_classes:
        return False
    if clean.x.dim() != 4 or not convolutional(model):  # asked for, not done: said
        g.report_["conv_gate"] = {"action": "skipped: image models with a convolution only"}
        return False
    fit, val, _, _ = hold_back(model, clean, UNLEARN["val_fraction"], seed)
    ranked = list(verdict.target_classes)
    eps = g.probe_eps if g.stripe_eps is None else g.stripe_eps
    read = reaches(model, fit, val, ranked, eps, g.warp)
    suspect = max(ranked, key=lambda c: max(read[c]))  # the first-ranked on a tie
    reach = max(read[suspect])
    opens = reach >= g.conv_gate
    seen: dict[str, Any] = {
        "suspect": suspect, "reach": round(reach, 3),
        "stripe": {c: round(s, 3) for c, (s, _) in read.items()},
        "warp": {c: round(w, 3) for c, (_, w) in read.items()}}
    seen["action"] = (f"opened: reached {reach:.2f} >= {g.conv_gate}" if opens
                      else f"closed: reached {reach:.2f} < {g.conv_gate}")
    if opens and suspect != ranked[0]:  # the class reached becomes every later stage's suspect
        verdict.target_classes = [suspect] + [c for c in ranked if c != suspect]
        seen["action"] += (f" towards class {suspect}, the detector's "
                           f"#{ranked.index(suspect) + 1}: now the suspect")
    g.report_["conv_gate"] = seen
    return opens
