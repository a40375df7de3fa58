"""Fine-Pruning (Liu et al., RAID 2018): prune the last feature layer's channels that stay
dormant on clean data, then fine-tune with the pruned channels held at zero."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.base import (
    KeepPruned,
    Mitigation,
    clean_accuracy,
    fine_tune,
    last_feature_layer,
    recorded_outputs,
    zero_channels,
)
from trojanscope.registry import register


@register("mitigation", "fineprune")
class FinePruning(Mitigation):
    """Fine-Pruning (Liu et al., 2018): prune dormant channels of the last feature layer, then
    fine-tune.

    Channels are pruned in order of increasing mean activation on the clean samples, ``step`` of
    them at a time, while clean accuracy stays within ``max_drop`` of the start.

    Arguments:
        max_drop: accuracy the pruning may cost on the clean samples (fraction).
        max_ratio: at most this share of channels is pruned.
        step: share of channels pruned per round.
        epochs: fine-tuning epochs after pruning.
        lr: fine-tuning learning rate.
    """

    name = "fineprune"
    param_ranges: ClassVar = {"step": (0.0, 1.0, True, False)}  # a share of channels, not none

    def __init__(self, max_drop: float = 0.05, max_ratio: float = 0.9, step: float = 0.05,
                 epochs: int = 20, lr: float = 1e-3) -> None:
        self.max_drop = max_drop
        self.max_ratio = max_ratio
        self.step = step
        self.epochs = epochs
        self.lr = lr

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        name, _layer = last_feature_layer(model)
        model.eval()
        with torch.no_grad(), recorded_outputs(model, [name]) as rec:
            model(clean.x)
            act = torch.relu(rec[name])
        mean = act.mean(dim=[d for d in range(act.dim()) if d != 1])
        order = torch.argsort(mean)  # most dormant first
        n = len(order)
        base = clean_accuracy(model, clean)
        chunk = max(1, round(self.step * n))
        pruned = torch.empty(0, dtype=torch.long)
        for k in range(chunk, int(self.max_ratio * n) + 1, chunk):
            trial = {key: v.clone() for key, v in model.state_dict().items()}
            zero_channels(model, name, order[:k])
            if clean_accuracy(model, clean) < base - self.max_drop:
                model.load_state_dict(trial)
                break
            pruned = order[:k]
        fine_tune(model, clean, epochs=self.epochs, lr=self.lr, seed=seed,
                  callbacks=[KeepPruned({name: pruned})])
        self.pruned_ = len(pruned)
        return model
