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

``conv_gap=D`` (opt-in, issue 12 stop 68: h12c): the bar relative to the model's own reach. A
clean CNN of data where small perturbations move it (the suite's synthetic 16x16 set) is reached
towards most classes alike (stripe 1.0, 1.0, 0.67, 1.0), so an absolute bar opens it; with D > 0
a reading counts only where its class also stands D above the next-best class of the same kind
(stripe or warp): the other classes' reach is the model's clean baseline.
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

# ``conv_gate``'s default: off (opt-in, issue 12 stop 66); ``conv_gap``'s: off (stop 68).
CONV_GATE = 0.0
CONV_GAP = 0.0


def reaches(model: nn.Module, fit: TensorDataset, val: TensorDataset, classes: list[int],
            stripe_eps: float, warp: float) -> dict[int, tuple[float, float]]:
    """Per class of ``classes``: (the share of ``val``'s images outside it that a striped
    perturbation of at most ``stripe_eps``, fitted on ``fit``, sends there; the same for a
    universal warp of at most ``warp``, 0 where ``warp`` is 0)."""
    return {c: (probe.perturbation_asr(model, fit, val, c, stripe_eps),
                warp_reach(model, fit.x, val.x, c, warp) if warp > 0 else 0.0)
            for c in classes}


def standing_out(read: dict[int, tuple[float, float]], ranked: list[int],
                 gap: float) -> dict[int, float]:
    """The readings that count, class -> reach: with ``gap`` 0 every class's best of its stripe
    and warp; otherwise, per kind, only the class reached best and only where it stands at
    least ``gap`` above the next-best class of that kind (0 where there is none)."""
    if gap <= 0:
        return {c: max(read[c]) for c in ranked}
    out: dict[int, float] = {}
    for kind in (0, 1):
        order = sorted(ranked, key=lambda c: -read[c][kind])  # stable: the detector's order
        best = read[order[0]][kind]
        second = read[order[1]][kind] if len(order) > 1 else 0.0
        if best - second >= gap - 1e-9:
            out[order[0]] = max(out.get(order[0], 0.0), best)
    return out


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
    counted = standing_out(read, ranked, g.conv_gap)
    pool = [c for c in ranked if c in counted] or ranked
    suspect = max(pool, key=lambda c: counted.get(c, max(read[c])))  # first-ranked on a tie
    reach = counted.get(suspect, max(read[suspect]))
    opens = suspect in counted and reach >= g.conv_gate
    seen: dict[str, Any] = {
        "suspect": suspect, "reach": round(reach, 3),
        "stripe": {c: round(s, 3) for c, (s, _) in read.items()},
        "warp": {c: round(w, 3) for c, (_, w) in read.items()}}
    seen["action"] = (f"opened: reached {reach:.2f} >= {g.conv_gate}" if opens
                      else f"closed: reached {reach:.2f} < {g.conv_gate}")
    if not counted:  # conv_gap: no class stands out of the model's own reach
        seen["action"] = f"closed: no class stands {g.conv_gap} above the next-best (conv_gap)"
    if opens and suspect != ranked[0]:  # the class reached becomes every later stage's suspect
        verdict.target_classes = [suspect] + [c for c in ranked if c != suspect]
        seen["action"] += (f" towards class {suspect}, the detector's "
                           f"#{ranked.index(suspect) + 1}: now the suspect")
    g.report_["conv_gate"] = seen
    return opens
