"""Hand back the first stage's model where a kept stripe projection cost accuracy that no later
step gives back: ``project_cost``.

Why (issue 12, stop 72: h12a): where ``dense_project``'s projection is kept and the residual
probe then finds no backdoor left, ``revert`` hands the *projected* model back: no weight
trained, striped directions taken out of its first layer. Every development SIG MLP read took
that path; the projected model lost up to 4.6 points, and ``teach_last`` gave them back wherever
it fitted (the detector's reversed trigger still sending at least ``TEACH_FLIP`` of the clean
images to the suspect on the output). Where it did not fit, nothing did: 2467/sig-002 and
2492/sig-007 came back 2.9 and 3.6 points down, issue 12 misses, while the first stage's model
(FT-SAM, trained from the projected one) stood at +2.0 and +0.1 points with 0.7% and 0.6% of the
attacker's images through (docs/benchmarks.md, issue 12 stop 72). Both are read by the method:
the cost on its clean images (neither the projected model nor the model as it came has trained
on them, so the two accuracies are fair readings of the same images; one image of 200 is half a
point) and the reversed trigger's share on the projected model (``teach_last``'s own reading).
With ``project_cost=D`` the projection records the cost (the note's ``project`` → ``cost``);
where it is at least D and the trigger's share is under ``FLIP`` (``project`` → ``flip``), the
first stage's model comes back instead of the projected one (``project_first``'s choice, for
these models only). Off (0, the default) nothing is read. It reads the detector's suspect and
reversed trigger and the method's clean images, never the attacker's trigger.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import accuracy
from trojanscope.mitigate.gated_defaults import TEACH_FLIP
from trojanscope.mitigate.sent_share import sent_share

# Off by default: opt-in until a fresh population meets the rule written before it.
PROJECT_COST = 0.0
# A reading equal to the bar counts (accuracies are shares of the same images).
TOLERANCE = 1e-9
# ``teach_last``'s bar (``gated_defaults.TEACH_FLIP``, one number for both): at or above it
# ``teach_last`` fits the output and gives the projection's cost back.
FLIP = TEACH_FLIP


def accuracy_before(g: Any, model: nn.Module, clean: TensorDataset) -> float | None:
    """``model``'s accuracy on the method's clean images before the projection, where
    ``g.project_cost`` is on (None: off, nothing read)."""
    return accuracy(model, clean.x, clean.y) if g.project_cost > 0 else None


def record(report: dict[str, Any], before: float | None, model: nn.Module,
           clean: TensorDataset) -> None:
    """The projection's ``cost`` in ``report``: the accuracy ``before`` less the projected
    ``model``'s on the same images (nothing where ``before`` is None or no projection was
    kept)."""
    if before is None or not report.get("directions"):
        return
    report["cost"] = round(before - accuracy(model, clean.x, clean.y), 4)


def first_instead(g: Any, projected: nn.Module, clean: TensorDataset,
                  trigger: ReversedTrigger | None) -> bool:
    """Whether the projected model's hand-back gives way to the first stage's model: the kept
    projection cost at least ``g.project_cost`` of the clean images' accuracy, and ``trigger``
    (the detector's for the suspect; None: none, as ``teach_last`` then skips) sends fewer than
    ``FLIP`` of the clean images not of its class there on the ``projected`` model (read only
    where the cost reaches the bar; the note's ``project`` gets ``flip``)."""
    report = g.report_.get("project", {})
    cost = report.get("cost")
    if not (g.project_cost > 0 and cost is not None and cost >= g.project_cost - TOLERANCE):
        return False
    flip = 0.0 if trigger is None else sent_share(projected.eval(), clean.x, clean.y,
                                                  trigger.target, trigger.apply)
    report["flip"] = round(flip, 4)
    return flip < FLIP
