"""ANP, Adversarial Neuron Pruning (Wu & Wang, NeurIPS 2021).

Backdoor neurons are the ones whose small perturbation flips the model most easily. ANP learns a
mask in [0, 1] per channel that keeps the clean loss low while the channels' gains are perturbed
adversarially (by up to ``eps``), then prunes the channels whose mask falls below ``threshold``.
The masks are trained through the one engine (the model's own weights stay fixed).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.callbacks import Callback, TrainState
from trojanscope.engine.train import Trainer
from trojanscope.mitigate.base import Mitigation, hidden_layers, scaled_outputs, zero_channels
from trojanscope.registry import register


class _ClampMasks(Callback):
    def __init__(self, masks: list[nn.Parameter]) -> None:
        self.masks = masks

    def on_batch_end(self, state: TrainState) -> None:
        with torch.no_grad():
            for m in self.masks:
                m.clamp_(0.0, 1.0)


@register("mitigation", "anp")
class ANP(Mitigation):
    """ANP (Wu & Wang, 2021): learn channel masks under adversarial neuron perturbation, prune
    the channels whose mask falls low.

    Arguments:
        eps: largest relative perturbation of a channel's gain.
        alpha: weight of the natural loss (1 - alpha weighs the perturbed loss).
        threshold: channels whose mask ends below this are pruned.
        epochs: passes over the clean samples while learning the masks.
        lr: SGD learning rate of the masks.
    """

    name = "anp"

    def __init__(self, eps: float = 0.4, alpha: float = 0.2, threshold: float = 0.2,
                 epochs: int = 30, lr: float = 0.2) -> None:
        self.eps = eps
        self.alpha = alpha
        self.threshold = threshold
        self.epochs = epochs
        self.lr = lr

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        layers = [n for n, _ in hidden_layers(model)]
        sizes = {n: model.get_submodule(n).weight.shape[0] for n in layers}
        masks = {n: nn.Parameter(torch.ones(sizes[n])) for n in layers}
        noise = {n: torch.zeros(sizes[n]) for n in layers}
        perturb = {"on": False}
        gen = torch.Generator().manual_seed(seed)

        def gain(n: str):
            return lambda: masks[n] + noise[n] if perturb["on"] else masks[n]

        def loss_fn(net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
            # one signed-gradient step of the perturbation from a random start (the inner max)
            for n in layers:
                noise[n] = ((torch.rand(sizes[n], generator=gen) * 2 - 1) * self.eps
                            ).requires_grad_(True)
            perturb["on"] = True
            inner = -F.cross_entropy(net(x), y)
            grads = torch.autograd.grad(inner, [noise[n] for n in layers])
            for n, g in zip(layers, grads, strict=True):
                noise[n] = (noise[n] - self.eps * g.sign()).clamp(-self.eps, self.eps).detach()
            robust = F.cross_entropy(net(x), y)
            perturb["on"] = False
            natural = F.cross_entropy(net(x), y)
            return self.alpha * natural + (1 - self.alpha) * robust

        for p in model.parameters():
            p.requires_grad_(False)
        trainer = Trainer(epochs=self.epochs, batch_size=64, lr=self.lr, optimizer="sgd",
                          schedule="constant", seed=seed)
        with scaled_outputs(model, {n: gain(n) for n in layers}):
            trainer.fit(model, clean, loss_fn=loss_fn, params=list(masks.values()),
                        callbacks=[_ClampMasks(list(masks.values()))])
        self.pruned_ = 0
        for n in layers:
            idx = torch.nonzero(masks[n].detach() < self.threshold).flatten()
            zero_channels(model, n, idx)
            self.pruned_ += len(idx)
        return model
