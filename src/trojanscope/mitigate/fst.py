"""FST, Feature Shift Tuning (Min et al., NeurIPS 2023).

Plain fine-tuning with a few clean samples barely moves a backdoored model's features: the old
classifier head still fits them, so the backdoor features stay. FST re-initialises the head and
fine-tunes the whole model with a penalty ``alpha · <w, w_orig>`` that pushes the new head's
weights away from (towards orthogonal to, and beyond) the original head's, under a norm bound
``||w|| <= ||w_orig||``; the features must shift to fit a head unlike the old one, and the
backdoor features go with the old head. One engine run; the bound is a callback.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.callbacks import Callback, TrainState
from trojanscope.engine.modes import eval_mode
from trojanscope.engine.train import seeded
from trojanscope.errors import UserInputError
from trojanscope.mitigate.base import (
    Mitigation,
    distillation,
    fine_tune,
    frozen_copy,
)
from trojanscope.mitigate.guard import guarded
from trojanscope.params import check_option
from trojanscope.registry import register


def output_layer(model: nn.Module, x: Tensor) -> nn.Linear:
    """The model's last linear layer (its classifier head), checked on the inputs ``x``: its
    output must be the model's logits — a lifted model whose classifier is a MatMul + Add, or
    a 1×1 convolution after a hidden linear layer, would otherwise have a hidden layer reset."""
    heads = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if heads:
        seen: list[Tensor] = []
        hook = heads[-1].register_forward_hook(lambda _m, _i, out: seen.append(out.detach()))
        try:
            with eval_mode(model), torch.no_grad():
                logits = model(x)
        finally:
            hook.remove()
        if seen and seen[-1].shape == logits.shape and torch.allclose(seen[-1], logits,
                                                                      atol=1e-5):
            return heads[-1]
    raise UserInputError("mitigation 'fst' re-initialises the classifier head: the model's "
                         "output does not come straight from a linear layer it can reset; "
                         "choose another method")


class NormBound(Callback):
    """After each step the head's weight matrix is scaled back inside the norm ``bound``."""

    def __init__(self, head: nn.Linear, bound: float) -> None:
        self.head, self.bound = head, bound

    def on_batch_end(self, state: TrainState) -> None:
        with torch.no_grad():
            norm = float(self.head.weight.norm())
            if norm > self.bound:
                self.head.weight.mul_(self.bound / norm)


@register("mitigation", "fst")
class FST(Mitigation):
    """FST (Min et al., 2023): re-initialised head, whole-model fine-tuning, and a penalty on the
    new head's alignment with the original one under a norm bound.

    Arguments:
        alpha: weight of the alignment penalty ``<w, w_orig>``.
        distill: weight of distillation towards the original model's outputs on the clean
            samples (the features shift, the clean function stays; 0: none).
        recover_epochs: epochs of a second phase that distils the original model's outputs on
            the clean samples, each batch moved by a random shift of up to ``shift`` pixels
            (the shifted feature extractor relearns the clean function, but on our zoo it also
            brought SIG backdoors back; 0: no second phase).
        shift: largest random shift (pixels) of a sample in the recovery phase.
        val_fraction: share of the clean samples held back for the validation guard (0: none).
        ca_budget: the largest validation accuracy drop the guard accepts; a run that never
            stays within it returns the model unchanged.
        epochs: passes over the clean samples.
        lr: Adam learning rate.
    """

    name = "fst"

    def __init__(self, alpha: float = 1.0, distill: float = 1.0, val_fraction: float = 0.0,
                 ca_budget: float = 0.01, recover_epochs: int = 0, shift: int = 2,
                 epochs: int = 20, lr: float = 1e-3) -> None:
        self.recover_epochs = recover_epochs
        self.shift = shift
        self.alpha = alpha
        self.distill = distill
        self.val_fraction = val_fraction
        self.ca_budget = ca_budget
        self.epochs = epochs
        self.lr = lr
        for opt in ("alpha", "distill"):
            check_option(opt, getattr(self, opt))
        check_option("val_fraction", val_fraction, high=0.5)
        check_option("ca_budget", ca_budget, high=1.0)
        check_option("recover_epochs", recover_epochs, integer=True)
        check_option("shift", shift, integer=True)
        check_option("epochs", epochs, 1, integer=True)
        check_option("lr", lr, above=True)

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        teacher = frozen_copy(model)
        fit, guard = guarded(model, clean, self.val_fraction, self.ca_budget, seed,
                             fallback=copy.deepcopy(model.state_dict()))
        head = output_layer(model, clean.x[:8])
        original = head.weight.detach().clone()
        with seeded(seed):
            head.reset_parameters()

        def loss_fn(net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
            logits = net(x)
            loss = F.cross_entropy(logits, y) + self.alpha * (head.weight * original).sum()
            if self.distill > 0:
                loss = loss + self.distill * distillation(logits, teacher, x)
            return loss

        callbacks: list[Callback] = [NormBound(head, float(original.norm()))]
        if self.recover_epochs > 0:
            fine_tune(model, fit, epochs=self.epochs, lr=self.lr, seed=seed, loss_fn=loss_fn,
                      callbacks=callbacks)
            gen = torch.Generator().manual_seed(seed)

            def recover(net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
                if self.shift > 0 and x.dim() == 4:
                    dy, dx = torch.randint(-self.shift, self.shift + 1, (2,),
                                           generator=gen).tolist()
                    x = torch.roll(x, (dy, dx), dims=(2, 3))
                logits = net(x)
                return F.cross_entropy(logits, y) + distillation(logits, teacher, x, 2.0)

            loss_fn, epochs = recover, self.recover_epochs
        else:
            epochs = self.epochs
        fine_tune(model, fit, epochs=epochs, lr=self.lr, seed=seed, loss_fn=loss_fn,
                  callbacks=callbacks + ([guard] if guard else []))
        if guard is not None:  # what the guard decided, for the notes
            self.report_ = {"guard": "took back" if guard.tripped else "kept"}
        return model
