"""`gated`'s ``dense_fall``: where ``dense_gate`` opened, only the reversed trigger's fall through
the first stage opens the second stage; the striped perturbation alone hands the input back.

What and why (issue 12, stop 80 hwc): the residual probe opens the second stage where the
reversed trigger kept less than ``kept`` (0.5) of its success through the first stage (a
planted shortcut falls; a clean class's adversarial patch keeps 60-74%) or where a striped
perturbation still sends ``residual`` (0.2) of the held-back images to the suspect (SIG's
evidence on a flagged model). On a dense image model the detector passed (``dense_gate``
opened, p under the gate) the stripe is no such evidence: on spent user run 340a (a weak
``mnist`` MLP, target 8, p 0.005) the detector's first class was 5, its reversed trigger kept
0.842 of its success, a stripe sent 0.208, and the stages that this opened cost 6.93 points and
left 7.87% ASR (4.49% before); the weak run whose stages reached the goal (271a, at its target)
was opened by the trigger's fall (kept 0.154). A SIG MLP the detector passes is the stripe
gate's (``stripe_gate``), which opens before ``dense_gate`` is read. With ``dense_fall=1`` the
probe reads only the trigger's fall where ``dense_gate`` opened; elsewhere nothing changes.
The note's ``dense_fall`` says what was read. Reads the method's own held-back images only.
"""

from __future__ import annotations

from typing import Any

from trojanscope.mitigate.dense_gate import opened

__all__ = ["DENSE_FALL", "stripe_only"]

DENSE_FALL = 0  # off; 1: under an opened dense_gate the stripe alone opens no second stage


def stripe_only(g: Any, probe: dict[str, float], kept: float) -> bool:
    """Whether ``dense_fall`` reads the probe as nothing left: on, ``dense_gate`` opened, and
    the reversed trigger kept at least ``kept`` of its success (it did not fall), whatever the
    stripe sends. The note ``dense_fall`` says what was read where it is on and applies."""
    if not g.dense_fall or not opened(g):
        return False
    fell = probe["kept"] < kept
    g.report_["dense_fall"] = {
        "kept": probe["kept"], "perturbation": probe["perturbation"], "bar": kept,
        "action": ("none: the reversed trigger fell through the first stage; the probe "
                   "decides") if fell else
                  (f"the stripe alone is no evidence here: the reversed trigger kept "
                   f"{probe['kept']:.2f} >= {kept} of its success under an opened dense_gate; "
                   "nothing left for the second stage")}
    return not fell
