"""`gated`'s ``dense_gate``: a dense image model (an MLP) rated below the gate is treated anyway
where the detector's probability is at least ``dense_gate``.

What and why (issue 12, stop 79 hwc): on fresh user runs 264-275 today's ``gated`` took none of
six weak ``mnist`` MLPs (poison rate 0.005-0.01) to the goal; three of them were handed back
untreated at 6.6-29.4% ASR because the detector rated them p 0.000-0.076, as low as the clean
``mnist`` MLPs beside them (p 0.000-0.005). The detector's p does not part them, so no lower
gate can; ``dense_gate=0`` treats every dense image model, the stages as for a flagged one
(the detector's first class the suspect, the probe may still hand the model back), and reports
it in the note's ``dense_gate`` entry. The default since its rule was met on fresh user runs
332-343 (docs/benchmarks.md, issue 12 stop 79 hwc: 7 of 18 backdoored runs at the goal against
6, none lost, no clean run moved); -1: off, the gate alone decides. Models with a convolution
and inputs that are not images are never touched by it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate.dense_options import dense_scope

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated

__all__ = ["DENSE_GATE", "OPENED", "dense_opens", "opened"]

DENSE_GATE = 0.0  # every dense image model under the gate treated (stop 79 rule met); -1: off
# the first word of the note's action where the gate opened: written by :func:`dense_opens`,
# read by :func:`opened` (``dense_back`` and ``dense_fall`` act only then), so rewording the
# note cannot turn them off unsaid
OPENED = "opened"


def dense_opens(g: Gated, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
                p: float) -> bool:
    """Whether ``dense_gate`` treats a model the detector rated ``p`` (below ``gate``): a dense
    image model at ``p >= dense_gate``; the note's ``dense_gate`` entry says what it did."""
    if g.dense_gate < 0 or not verdict.target_classes:  # no class: nothing to treat
        return False
    if not dense_scope(g, model, clean):
        g.report_["dense_gate"] = {"action": "skipped: dense image models only"}
        return False
    opens = p >= g.dense_gate
    g.report_["dense_gate"] = {"action": (
        f"{OPENED}: a dense image model at p={p:.3f} >= dense_gate {g.dense_gate} is treated "
        f"below the gate {g.gate}" if opens else
        f"closed: p={p:.3f} < dense_gate {g.dense_gate}")}
    return opens


def opened(g: Gated) -> bool:
    """Whether ``dense_gate`` opened the gate in this run (a model rated below it treated):
    its note's action starts with :data:`OPENED`."""
    return str(g.report_.get("dense_gate", {}).get("action", "")).startswith(OPENED)
