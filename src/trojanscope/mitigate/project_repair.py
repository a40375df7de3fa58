"""``gated``'s ``project_repair`` (opt-in): fit the clean function back behind a kept projection.

Why (issue 12, stop 49: h12b): on the development SIG MLPs of zoos 2427-2430 every CA loss of
2.7-4.5 points is the striped projection's (``dense_project``), not a training stage's: the
probe found no backdoor left after FT-SAM and ``revert`` returned the *projected* model
(2430/sig-002 90.6% -> 87.9%, 2430/sig-007 88.3% -> 85.0%, 2428/sig-007 89.9% -> 85.4%), while
FT-SAM, trained from that model on every weight, took the accuracy back and part of the
backdoor with it (2430/sig-007: 10.7% ASR). Here the projected first layer is frozen, so the
directions it no longer sees stay unseen, and every later layer is fitted for a few epochs on
the clean labels and on the *input* model's outputs on unlabelled neighbours of the clean images
(the suspect class left out of the distillation, as ``dense_repair`` does), while each batch
also carries copies moved by a striped perturbation (SIG's shape, at most ``eps`` per pixel)
fitted towards the suspect on the model as it is, under their true labels: fitted back alone,
the stripe's response grew back through the directions the projection kept (development
2430/sig-007: 0.1% -> 13.9% ASR). Nothing here reads the attacker's trigger or target.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.adaptive import neighbourhood
from trojanscope.mitigate.base import distillation, fine_tune
from trojanscope.mitigate.dense_repair import REPAIR_SEED
from trojanscope.mitigate.residual import striped_perturbation
from trojanscope.mitigate.stripe_projection import first_linear

# The fit's Adam learning rate (the stages' own 1e-3: only the layers behind the projection move).
REPAIR_LR = 1e-3
# The signed-gradient steps of each batch's striped perturbation (the probe's 30, fewer: one per
# batch, on the batch's own images).
STRIPE_STEPS = 10


def repair_behind(model: nn.Module, teacher: nn.Module, clean: TensorDataset, epochs: int,
                  seed: int, suspect: int | None, eps: float,
                  lr: float = REPAIR_LR) -> dict[str, Any]:
    """Train every layer of ``model`` but its first ``Linear`` (the projected one, frozen) for
    ``epochs`` on ``clean``: its labels, ``teacher``'s outputs on seeded neighbours of its images
    (``suspect`` left out), and, with a ``suspect``, the batch's images outside it moved by a
    striped perturbation of at most ``eps`` towards it (fitted on the model as it is) under
    their labels. In place; returns what was done. A model whose first weighted module is not a
    ``Linear`` with a bias is left as it is (a note says so)."""
    layer = first_linear(model, clean.x[:2])
    if layer is None:
        return {"action": "skipped: no projected first Linear to keep frozen"}
    frozen = {id(p) for p in layer.parameters()}
    for prm in model.parameters():
        prm.requires_grad_(id(prm) not in frozen)
    try:
        fine_tune(model, clean, epochs=epochs, lr=lr, seed=seed,
                  loss_fn=_loss(teacher, suspect, eps, seed))
    finally:
        for prm in model.parameters():
            prm.requires_grad_(True)
    return {"action": f"fitted {epochs} epoch(s) behind the frozen projected first layer",
            "epochs": int(epochs)}


def _loss(teacher: nn.Module, suspect: int | None, eps: float, seed: int):
    """``repair_behind``'s loss: labels, the teacher on neighbours, the striped copies."""
    gen = torch.Generator().manual_seed(seed + REPAIR_SEED)

    def loss_fn(net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        near = neighbourhood(x, gen)
        logits = net(near)
        keep = None if suspect is None else [c for c in range(logits.shape[1]) if c != suspect]
        loss = F.cross_entropy(net(x), y) + distillation(logits, teacher, near, classes=keep)
        away = y != suspect if suspect is not None else y < 0
        if bool(away.any()) and eps > 0:
            delta = striped_perturbation(net, x[away], int(suspect), eps,  # type: ignore[arg-type]
                                         STRIPE_STEPS)
            loss = loss + F.cross_entropy(net((x[away] + delta).clamp(0, 1)), y[away])
        return loss

    return loss_fn
