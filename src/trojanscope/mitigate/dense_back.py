"""`gated`'s ``dense_back``: where ``dense_gate`` opened, hand the input model back when the run
cost more than a bar on clean images no stage trained on.

What and why (issue 12, stop 80 hwc): ``dense_gate=0`` (stop 79) treats a dense image model the
detector rated below the gate, with the detector's first class as the suspect. On fresh user
run 340a (a weak ``mnist`` MLP, target 8) that class was 5, the probe let the stages run, and
they cost 6.93 CA points (4.49% ASR before, 7.87% after); a clean MLP read that way would lose
as much, where issue 12 allows a clean model one point. Every stage trains on all the method's
clean images, so nothing in the method could read that cost. With ``dense_back=B`` (B > 0), where
``dense_gate`` opened and ``dense_mask`` did not take the model, a share of the clean images
(``BACK_SHARE``, per class, from the seed: ``held_pick``'s split) is set apart before the first
stage; the stages and the steps after them work on the rest, and last the run's output and the
input model are read on the share: where the output classifies more than B fewer of it, the
input model comes back. The note's ``dense_back`` gives both readings and the action. It reads
the method's own clean images only (never the scoring split, the trigger or the poison indices).
Flagged models (p at or above the gate) and models ``dense_mask`` treats are never touched.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import predict
from trojanscope.mitigate.base import with_state
from trojanscope.mitigate.dense_gate import opened
from trojanscope.mitigate.dense_options import dense_scope
from trojanscope.mitigate.step_note import step_note

__all__ = ["BACK_SHARE", "DENSE_BACK", "after_step", "back_share", "opened"]

DENSE_BACK = 0.0  # off; B > 0: the input model back where the output loses more than B
BACK_SHARE = 0.25  # the share set apart for the reading (25 of a user's 99 images)


def back_share(g: Any, model: nn.Module, clean: TensorDataset) -> float:
    """The share of the clean images to set apart for ``dense_back``'s reading: ``BACK_SHARE``
    where it is on, ``dense_gate`` opened, the model is a dense image model and the steps after
    the stages run (``free_reach`` > 0: the reading is the last of them); otherwise 0."""
    on = g.dense_back > 0 and g.free_reach > 0 and opened(g) and dense_scope(g, model, clean)
    return BACK_SHARE if on else 0.0


def held_answers(came: nn.Module, out: nn.Module, held: TensorDataset) -> dict[str, float]:
    """Both models read once on ``held`` (the engine's predict: eval mode, batched): each
    one's accuracy (``input_acc``, ``output_acc``), how many the output answers differently
    from the input model (``moved``), and of those how many the input model had right
    (``lost``): what the accuracy's net figure hides where losses and gains cancel."""
    was, now = predict(came, held.x).argmax(1), predict(out, held.x).argmax(1)
    moved = was != now
    return {"input_acc": float((was == held.y).float().mean()),
            "output_acc": float((now == held.y).float().mean()),
            "moved": int(moved.sum()), "lost": int((moved & (was == held.y)).sum())}


def after_step(g: Any, state: Any) -> nn.Module:
    """The registered step (:mod:`~trojanscope.mitigate.after_steps`), last: where the share
    was set apart for ``dense_back``, the input model (``state.came``) where the output
    classifies more than ``g.dense_back`` fewer of the share than it, else the output."""
    if state.held is None or not opened(g):
        return state.out
    with step_note(g, "dense_back") as note:
        came = with_state(state.out, state.came)
        read = held_answers(came, state.out, state.held)
        cost = read["input_acc"] - read["output_acc"]
        note.update(held=len(state.held), rest=len(state.clean),
                    input_acc=round(read["input_acc"], 4), output_acc=round(read["output_acc"], 4),
                    cost=round(cost, 4), bar=g.dense_back, moved=read["moved"], lost=read["lost"])
        back = cost > g.dense_back + 1e-9
        note["action"] = (
            f"the input model handed back: the run cost {cost:.3f} > dense_back "
            f"{g.dense_back} of the {len(state.held)} images no stage saw" if back else
            f"kept: the run cost {cost:.3f} <= dense_back {g.dense_back} of the "
            f"{len(state.held)} images no stage saw")
    if not back:
        return state.out
    g.report_["action"] = ("not treated: dense_gate opened and the stages ran, but they cost "
                           f"more than dense_back {g.dense_back} on held images; the input "
                           "model is returned")
    for prm in came.parameters():  # handed back as every other path's model
        prm.requires_grad_(True)
    return came
