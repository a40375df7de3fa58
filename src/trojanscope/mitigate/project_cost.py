"""Hand back the first stage's model where a kept stripe projection cost accuracy: ``project_cost``.

Why (issue 12, stop 72: h12a): where ``dense_project``'s projection is kept and the residual
probe then finds no backdoor left, ``revert`` hands the *projected* model back: no weight
trained, striped directions taken out of its first layer. On development SIG MLPs that model
lost 2.9 (2467/sig-002) and 4.6 points (2492/sig-007) of clean accuracy, both issue 12 misses,
while the first stage's model (FT-SAM, trained from the projected one) stood at +2.0 and +0.1
points with 0.7% and 0.6% of the attacker's images through; where the projection cost little
the projected model was as good (docs/benchmarks.md, issue 12 stop 72). The cost can be read
by the method itself: neither the projected model nor the model as it came has trained on the
method's clean images, so their accuracies there are two fair readings of the same images (one
image in 200 is half a point). With ``project_cost=D`` the projection records that cost
(the note's ``project`` → ``cost``), and where it is at least D the first stage's model comes
back instead of the projected one (``project_first``'s choice, for these models only). Off (0,
the default) nothing is read. It reads the method's clean images, never the attacker's trigger.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import accuracy

# Off by default: opt-in until a fresh population meets the rule written before it.
PROJECT_COST = 0.0
# A reading equal to the bar counts (accuracies are shares of the same images).
TOLERANCE = 1e-9


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


def first_instead(g: Any) -> bool:
    """Whether the projected model's hand-back gives way to the first stage's model: the kept
    projection cost at least ``g.project_cost`` of the clean images' accuracy."""
    cost = g.report_.get("project", {}).get("cost")
    return g.project_cost > 0 and cost is not None and cost >= g.project_cost - TOLERANCE
