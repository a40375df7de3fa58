"""NAD, Neural Attention Distillation (Li et al., ICLR 2021).

A teacher is the suspect model fine-tuned on the clean samples; the student (the suspect model
again) is then fine-tuned on the same samples while matching the teacher's attention maps (the
channel-wise mean of squared activations, normalised) at every hidden layer. Both phases run
through the one engine.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.base import Mitigation, fine_tune, hidden_layers, recorded_outputs
from trojanscope.registry import register


def attention(features: Tensor, p: float = 2.0) -> Tensor:
    """Attention map: mean over channels of |a|^p, flattened and L2-normalised per sample."""
    a = features.abs().pow(p)
    a = a.mean(1) if a.dim() > 2 else a
    return F.normalize(a.flatten(1), dim=1)


@register("mitigation", "nad")
class NAD(Mitigation):
    """NAD (Li et al., 2021): fine-tune a teacher, then distil its attention into the suspect
    model.

    Arguments:
        teacher_epochs: fine-tuning epochs of the teacher.
        epochs: distillation epochs of the student.
        beta: weight of each layer's attention loss.
        lr: learning rate of both phases.
    """

    name = "nad"

    def __init__(self, teacher_epochs: int = 10, epochs: int = 20, beta: float = 5000.0,
                 lr: float = 1e-3) -> None:
        self.teacher_epochs = teacher_epochs
        self.epochs = epochs
        self.beta = beta
        self.lr = lr

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        teacher = copy.deepcopy(model)
        fine_tune(teacher, clean, epochs=self.teacher_epochs, lr=self.lr, seed=seed)
        teacher.eval()
        layers = [n for n, _ in hidden_layers(model)]
        with recorded_outputs(model, layers) as s_rec, recorded_outputs(teacher, layers) as t_rec:

            def loss_fn(net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
                with torch.no_grad():
                    teacher(x)
                loss = F.cross_entropy(net(x), y)
                for n in layers:
                    diff = attention(s_rec[n]) - attention(t_rec[n])
                    loss = loss + self.beta * diff.pow(2).mean()
                return loss

            fine_tune(model, clean, epochs=self.epochs, lr=self.lr, seed=seed + 1,
                      loss_fn=loss_fn)
        return model
