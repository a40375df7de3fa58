"""I-BAU, Implicit Backdoor Adversarial Unlearning (Zeng et al., ICLR 2022), first-order form.

Backdoor removal as a min-max problem: the inner step finds the universal perturbation (one
additive pattern for every input, L2 norm at most ``radius``) that most raises the clean loss;
the outer step trains the model to classify the perturbed samples correctly. The paper solves
the outer step with an implicit hypergradient; this implementation alternates the two with
plain (first-order) gradients, all inside one engine run.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.base import Mitigation, fine_tune
from trojanscope.registry import register


@register("mitigation", "ibau")
class IBAU(Mitigation):
    """I-BAU (Zeng et al., 2022), first-order: unlearn the universal adversarial perturbation.

    Arguments:
        radius: L2 bound of the universal perturbation.
        inner_steps: gradient-ascent steps on the perturbation per batch.
        epochs: passes over the clean samples.
        lr: model learning rate.
    """

    name = "ibau"

    def __init__(self, radius: float = 6.0, inner_steps: int = 5, epochs: int = 20,
                 lr: float = 1e-3) -> None:
        self.radius = radius
        self.inner_steps = inner_steps
        self.epochs = epochs
        self.lr = lr

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        delta = torch.zeros(1, *clean.input_shape)

        def project(d: Tensor) -> Tensor:
            norm = d.norm()
            return d * (self.radius / norm) if norm > self.radius else d

        def loss_fn(net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
            nonlocal delta
            d = delta.clone().requires_grad_(True)
            for _ in range(self.inner_steps):
                loss = F.cross_entropy(net((x + d).clamp(0, 1)), y)
                (g,) = torch.autograd.grad(loss, d)
                d = project(d + 0.5 * self.radius * g / (g.norm() + 1e-12)).detach()
                d.requires_grad_(True)
            delta = d.detach()
            adv = F.cross_entropy(net((x + delta).clamp(0, 1)), y)
            return 0.5 * F.cross_entropy(net(x), y) + 0.5 * adv

        fine_tune(model, clean, epochs=self.epochs, lr=self.lr, seed=seed, loss_fn=loss_fn)
        return model
