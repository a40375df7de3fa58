"""Prune the first-layer units of a dense model that a recovered trigger drives most.

On MNIST MLPs FT-SAM, `gated`'s first stage, costs a backdoored model 1.4-2.9 points of
accuracy (docs/benchmarks.md, issue 12 stop 34). A patch, blend or stripe trigger enters an MLP
through its first layer, and the units it drives there can be silenced without training: the
units are ranked by how much the recovered trigger raises their output (in units of their spread
on clean inputs, :func:`~trojanscope.mitigate.trigger_prune.trigger_gaps`), and the largest
count k of at most ``most`` (1, 2, 4, ... and ``most``) whose pruning keeps the held-back
clean accuracy within ``drop`` of the unpruned model's is pruned.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import accuracy
from trojanscope.mitigate.base import zero_channels
from trojanscope.mitigate.trigger_prune import trigger_gaps

# One of the 50 held-back images (the stage's quarter of 200): the most clean accuracy the
# pruning may cost there (development data only, issue 12 stop 34b).
DROP = 0.02


def sizes(most: int) -> list[int]:
    """The counts tried: 1, 2, 4, ... below ``most``, and ``most`` itself."""
    out, k = [], 1
    while k < most:
        out.append(k)
        k *= 2
    return [*out, most] if most > 0 else []


def prune_first_layer(
    model: nn.Module,
    layer: nn.Module,
    triggers: list[ReversedTrigger],
    fit: TensorDataset,
    gx: Tensor,
    gy: Tensor,
    most: int,
    drop: float = DROP,
) -> dict[str, Any]:
    """Prune ``layer``'s units that ``triggers`` drive most (ranked on ``fit``), in place: the
    largest count of at most ``most`` whose held-back accuracy on ``gx``/``gy`` stays within
    ``drop`` of the unpruned model's. Returns what was tried and pruned."""
    name = next(n for n, m in model.named_modules() if m is layer)
    ranked = [u for gap, _, u in trigger_gaps(model, [name], fit.x, triggers) if gap > 0][:most]
    base = accuracy(model, gx, gy)
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
    tried: dict[int, float] = {}
    chosen = 0
    with torch.no_grad():
        for k in sizes(len(ranked)):
            zero_channels(model, name, ranked[:k])
            tried[k] = round(accuracy(model, gx, gy), 3)
            model.load_state_dict(saved)
            if tried[k] >= base - drop - 1e-9:
                chosen = k
        zero_channels(model, name, ranked[:chosen])
    return {"layer": name, "units": ranked[:chosen], "held_back": round(base, 3), "tried": tried}
