"""Fine-tuning (the baseline): train the suspect model a few epochs on the clean samples."""

from __future__ import annotations

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.base import Mitigation, fine_tune
from trojanscope.params import check_option
from trojanscope.registry import register


@register("mitigation", "finetune")
class FineTune(Mitigation):
    """Fine-tuning on clean data: the baseline every other method must beat.

    Arguments:
        epochs: passes over the clean samples.
        lr: Adam learning rate (cosine-annealed).
    """

    name = "finetune"

    def __init__(self, epochs: int = 20, lr: float = 1e-3) -> None:
        check_option("epochs", epochs, 1, integer=True)  # refused when made, not per model
        check_option("lr", lr, 0.0, above=True)
        self.epochs = epochs
        self.lr = lr

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        fine_tune(model, clean, epochs=self.epochs, lr=self.lr, seed=seed)
        return model
