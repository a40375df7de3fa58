"""`gated`'s ``stripe_gate``: a dense image model rated below the gate is treated anyway where a
stripe reaches a class.

What and why: the detector can rate a SIG MLP low (development SIG MLPs at p 0.074-0.200), but a
striped perturbation of at most ``stripe_eps`` per pixel sends most clean images to its target
class, which no clean development MLP allowed (issue 12 stops 37-46). The class reached best
becomes the suspect of both stages. The options: :class:`~.gated_options.GateOptions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import dense_gate
from trojanscope.mitigate import residual as probe
from trojanscope.mitigate.dense_options import dense_scope
from trojanscope.mitigate.gated_defaults import UNLEARN
from trojanscope.mitigate.guard import hold_back

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated


def stripe_opens(g: Gated, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
                 seed: int) -> bool:
    """``stripe_gate``: whether a dense image model the detector rated below ``gate`` is
    treated anyway, because a striped perturbation of at most ``probe_eps`` towards its
    suspect class sends at least ``stripe_gate`` of the held-back images there on the
    model as it is (SIG's shape; the stage's split, as the probe fits it)."""
    if g.stripe_gate <= 0 or not verdict.target_classes:
        return False
    if not dense_scope(g, model, clean):  # asked for, not done: said, not a silent no-op
        g.report_["stripe_gate"] = {"action": "skipped: dense image models only"}
        return False
    fit, val, _, _ = hold_back(model, clean, UNLEARN["val_fraction"], seed)
    ranked = verdict.target_classes[: g.stripe_top or None]  # 0: every class
    eps = g.probe_eps if g.stripe_eps is None else g.stripe_eps
    reaches = {c: probe.perturbation_asr(model, fit, val, c, eps) for c in ranked}
    suspect = max(ranked, key=lambda c: reaches[c])  # the first-ranked on a tie
    reach = reaches[suspect]
    opens = reach >= g.stripe_gate
    seen: dict[str, Any] = {"suspect": suspect, "reach": round(reach, 3)}
    if g.stripe_top != 1:
        seen["reach_top"] = {c: round(r, 3) for c, r in reaches.items()}
    seen["action"] = (f"{dense_gate.OPENED}: a stripe reached {reach:.2f} >= {g.stripe_gate}"
                      if opens
                      else f"closed: a stripe reached {reach:.2f} < {g.stripe_gate}")
    if opens and suspect != verdict.target_classes[0]:
        # the class the stripe reached becomes the suspect of every later stage
        verdict.target_classes = [suspect] + [c for c in verdict.target_classes
                                              if c != suspect]
        seen["action"] += (f" towards class {suspect}, the detector's "
                           f"#{ranked.index(suspect) + 1}: now the suspect")
    g.report_["stripe_gate"] = seen
    return opens


def stripe_opened(g: Gated) -> bool:
    """Whether ``stripe_gate`` opened the gate in this run (a model rated below it treated):
    its note's action starts with the gates' one word, :data:`~.dense_gate.OPENED`, which
    :func:`stripe_opens` writes (``fit_back`` reads it; stop 81 review, hrev: it matched the
    literal word the note held, as ``dense_back`` did at stop 80)."""
    return str(g.report_.get("stripe_gate", {}).get("action", "")).startswith(dense_gate.OPENED)
