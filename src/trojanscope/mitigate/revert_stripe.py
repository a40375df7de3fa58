"""``gated``'s ``revert_stripe`` (opt-in): another suspect before the probe's revert.

The residual probe (:mod:`trojanscope.mitigate.residual`) reads the detector's suspect class
only. Where that class is not the target, a SIG MLP's first stage leaves nothing for the probe
to see towards it, and ``revert`` hands the original back with its backdoor: zoo-2427's
sig-002 (target 0, suspect 6, p 0.340) at 97.2% ASR, its first stage's model at 97.1% (issue 12,
stop 48: h12d). A striped perturbation (SIG's shape) towards the target reached 0.69 of the
held-back images on the original, towards the suspect 0.20. Nothing here reads the attacker's
trigger or target.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.engine.metrics import predict
from trojanscope.mitigate import residual as probe


def restriped(model: nn.Module, original: nn.Module, fit: TensorDataset, val: TensorDataset,
              verdict: ModelVerdict, eps: float, reach: float, left: float) -> dict[str, Any]:
    """The class (other than the detector's suspect) a striped perturbation of at most ``eps``
    fitted on ``fit`` sends most of ``val``'s images to on ``original``, with its reach there and
    on ``model`` (the first stage's); ``suspect`` is that class where it reached at least
    ``reach`` on the original and at least ``left`` on ``model``, else None."""
    suspect = verdict.target_classes[0] if verdict.target_classes else None
    classes = int(predict(original, val.x[:1]).shape[1])
    reaches = {c: probe.perturbation_asr(original, fit, val, c, eps)
               for c in range(classes) if c != suspect}
    if not reaches:
        return {"suspect": None, "action": "skipped: no other class"}
    best = max(reaches, key=lambda c: reaches[c])  # the lowest class on a tie
    after = probe.perturbation_asr(model, fit, val, best, eps) if reaches[best] >= reach else 0.0
    found = reaches[best] >= reach and after >= left
    return {"class": best, "reach_original": round(reaches[best], 3),
            "reach_first_stage": round(after, 3), "suspect": best if found else None,
            "action": (f"class {best}'s stripe reached {reaches[best]:.2f} >= {reach} on the "
                       f"original and {after:.2f} >= {left} on the first stage's model: the "
                       "suspect, the probe reads again") if found else
                      (f"kept the revert: class {best}'s stripe reached {reaches[best]:.2f} on "
                       f"the original (bar {reach}), {after:.2f} on the first stage's model "
                       f"(bar {left})")}
