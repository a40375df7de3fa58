"""SAU, Shared Adversarial Unlearning (Wei et al., NeurIPS 2023).

Adversarial examples of a backdoored model often move an input the way its trigger does; the
ones that matter are *shared*: they fool the model being purified and the original backdoored
model into the *same* wrong class. Each batch, a per-sample perturbation (at most ``eps`` per
pixel, ``steps`` signed-gradient steps) is searched that maximises the probability that both
models agree on a wrong class; the model is then trained to classify the clean samples, to stop
predicting the original model's wrong class on the shared examples, and (``adv``) to classify
them correctly. All inside one engine run: the search is part of the loss function.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.modes import eval_mode
from trojanscope.mitigate.base import (
    Mitigation,
    distillation,
    fine_tune,
    frozen_copy,
)
from trojanscope.mitigate.guard import guarded
from trojanscope.params import check_option
from trojanscope.registry import register


def shared_wrong(p: Tensor, q: Tensor, y: Tensor) -> Tensor:
    """Per sample, the probability that two predictive distributions agree on a wrong class."""
    keep = 1.0 - F.one_hot(y, p.shape[1]).to(p.dtype)
    return (p * q * keep).sum(1)


@register("mitigation", "sau")
class SAU(Mitigation):
    """SAU (Wei et al., 2023): unlearn the adversarial examples the model shares with the
    original backdoored one.

    Arguments:
        eps: largest change per pixel of each sample's perturbation.
        steps: signed-gradient steps of the perturbation search per batch.
        shared: weight of the shared-adversarial unlearning term.
        adv: weight of the plain adversarial term (the shared examples under their true labels).
        distill: weight of distillation towards the original model on the clean samples
            (keeps the clean function; 0: none).
        val_fraction: share of the clean samples held back for the validation guard (0: none).
        ca_budget: the largest validation accuracy drop the guard accepts.
        epochs: passes over the clean samples.
        lr: Adam learning rate.
    """

    name = "sau"

    def __init__(self, eps: float = 0.3, steps: int = 3, shared: float = 1.0, adv: float = 1.0,
                 distill: float = 1.0, val_fraction: float = 0.0, ca_budget: float = 0.01,
                 epochs: int = 20, lr: float = 1e-3) -> None:
        self.val_fraction = val_fraction
        self.ca_budget = ca_budget
        self.eps = eps
        self.steps = steps
        self.shared = shared
        self.adv = adv
        self.distill = distill
        self.epochs = epochs
        self.lr = lr
        for opt in ("shared", "adv", "distill"):
            check_option(opt, getattr(self, opt))
        check_option("eps", eps, high=1.0, above=True)
        check_option("steps", steps, 1, integer=True)
        check_option("val_fraction", val_fraction, high=0.5)
        check_option("ca_budget", ca_budget, high=1.0)
        check_option("epochs", epochs, 1, integer=True)
        check_option("lr", lr, above=True)

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        ref = frozen_copy(model)
        fit, guard = guarded(model, clean, self.val_fraction, self.ca_budget, seed)
        gen = torch.Generator().manual_seed(seed)

        def search(net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
            """The shared adversarial examples of ``x`` (weights untouched)."""
            delta = (torch.rand(x.shape, generator=gen) * 2 - 1) * self.eps
            with eval_mode(net):
                for _ in range(self.steps):
                    delta.requires_grad_(True)
                    xa = (x + delta).clamp(0, 1)
                    p, q = F.softmax(net(xa), 1), F.softmax(ref(xa), 1)
                    obj = torch.log(shared_wrong(p, q, y) + 1e-12).mean()
                    (g,) = torch.autograd.grad(obj, [delta])
                    delta = (delta.detach() + self.eps / 2 * g.sign()).clamp(-self.eps, self.eps)
            return (x + delta.detach()).clamp(0, 1)

        def loss_fn(net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
            xa = search(net, x, y)
            logits = net(torch.cat([x, xa]))
            clean_logits, adv_logits = logits[: len(x)], logits[len(x):]
            loss = F.cross_entropy(clean_logits, y)
            with torch.no_grad():
                ref_pred = ref(xa).argmax(1)
                fooled = (ref_pred != y).float()
            p_ref = F.softmax(adv_logits, 1).gather(1, ref_pred[:, None]).squeeze(1)
            unlearn = -(torch.log(1 - p_ref + 1e-6) * fooled).mean()
            loss = loss + self.shared * unlearn + self.adv * F.cross_entropy(adv_logits, y)
            if self.distill > 0:
                loss = loss + self.distill * distillation(clean_logits, ref, x)
            return loss

        fine_tune(model, fit, epochs=self.epochs, lr=self.lr, seed=seed, loss_fn=loss_fn,
                  callbacks=[guard] if guard else [])
        if guard is not None:  # what the guard decided, for the notes
            self.report_ = {"guard": "took back" if guard.tripped else "kept"}
        return model
