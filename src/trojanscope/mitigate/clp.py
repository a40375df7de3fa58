"""CLP, Channel Lipschitzness-based Pruning (Zheng et al., ECCV 2022): data-free.

A channel that a trigger drives has an unusually large Lipschitz upper bound (the spectral norm
of its kernel, scaled by its BatchNorm); channels above ``mean + u·std`` of their layer are
pruned. No data and no training. A network without convolutions is refused (stop 70): it has
no channels in the paper's sense, and on a dense network it pruned nothing, silently.
"""

from __future__ import annotations

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.errors import UserInputError
from trojanscope.mitigate.base import Mitigation, following_norm, hidden_layers, zero_channels
from trojanscope.registry import register

NO_CONVOLUTION = (
    "clp prunes the channels of convolutions by their Lipschitz bound, and this model has no "
    "convolution (a dense network: clp was never measured on one, and on stop 69's it pruned "
    "nothing and handed the model back unchanged); give clean data (--data) and a method that "
    "trains (auto, or see `trojanscope list mitigation`)")


def channel_lipschitz(model: nn.Module, name: str) -> torch.Tensor:
    """Upper bound of each output channel's Lipschitz constant in layer ``name``."""
    layer = model.get_submodule(name)
    w = layer.weight.detach()
    norm = following_norm(model, name)
    if norm is not None and norm.affine and norm.running_var is not None:
        scale = norm.weight.detach() / torch.sqrt(norm.running_var + norm.eps)
        w = w * scale.view(-1, *([1] * (w.dim() - 1)))
    if w.dim() == 2:  # a linear layer: each unit's row is a vector
        return w.norm(dim=1)
    return torch.linalg.matrix_norm(w.flatten(2), ord=2)  # (out, in, k*k) -> spectral norms


@register("mitigation", "clp")
class CLP(Mitigation):
    """CLP (Zheng et al., 2022): data-free pruning of channels with outlying Lipschitz bounds.

    Arguments:
        u: a channel is pruned when its bound exceeds its layer's mean by ``u`` standard
            deviations (the paper's default is 3; smaller prunes more).
    """

    name = "clp"
    needs_data = False
    min_samples = 0

    def __init__(self, u: float = 3.0) -> None:
        self.u = u

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        if not any(isinstance(m, nn.Conv2d) for m in model.modules()):
            raise UserInputError(NO_CONVOLUTION)
        self.pruned_ = 0
        for name, _ in hidden_layers(model):
            lips = channel_lipschitz(model, name)
            if len(lips) < 2:
                continue
            cut = lips.mean() + self.u * lips.std()
            idx = torch.nonzero(lips > cut).flatten()
            zero_channels(model, name, idx)
            self.pruned_ += len(idx)
        self.report_ = {"pruned": self.pruned_}  # shown in the notes: 0 means unchanged
        return model
