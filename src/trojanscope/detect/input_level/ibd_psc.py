"""IBD-PSC (Hou et al., ICML 2024): amplify the scale parameters of a model's deeper layers and a
clean input's prediction drifts, while a triggered input keeps its (target) prediction —
parameter-oriented scaling consistency.

The scaled parameters are the BatchNorm weights and biases where the model has BatchNorm (the
paper's setting); for a model without it, the weights and biases of its convolution and linear
layers (the paper's suggestion for such models), the output layer left as it is. Copy ``i``
(``i = 0 .. n_models - 1``) multiplies the last ``start + i`` of these layers by ``factor``;
``start`` is chosen at fit time on the clean inputs, the smallest depth at which the first
copy changes the prediction of at least ``min_error`` of them (the paper's adaptive layer
selection). The score is the mean probability, over the copies, of the class the unmodified
model predicts. ``1 + n_models`` forward passes per input.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from trojanscope.detect.input_level.base import InputDetector
from trojanscope.detect.input_level.features import feature_view
from trojanscope.registry import register

NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)
WEIGHTED = (nn.Conv2d, nn.Conv1d, nn.Linear)


def scalable_layers(model: nn.Module) -> list[nn.Module]:
    """The layers IBD-PSC scales, in forward order: BatchNorm layers, else conv/linear layers
    without the last (the output layer)."""
    norms = [m for m in model.modules() if isinstance(m, NORMS) and m.affine]
    if norms:
        return norms
    return [m for m in model.modules() if isinstance(m, WEIGHTED)][:-1]


def amplified(model: nn.Module, depth: int, factor: float) -> nn.Module:
    """A copy of ``model`` whose last ``depth`` scalable layers are multiplied by ``factor``."""
    out = copy.deepcopy(model).eval()
    with torch.no_grad():
        for layer in scalable_layers(out)[-depth:] if depth > 0 else []:
            layer.weight.mul_(factor)
            if layer.bias is not None:
                layer.bias.mul_(factor)
    return out


@register("input-detector", "ibd-psc")
class IbdPsc(InputDetector):
    """IBD-PSC: a triggered input keeps its prediction when deeper layers are amplified."""

    name = "ibd-psc"
    needs_clean_data = True
    min_clean = 20

    def __init__(self, n_models: int = 4, factor: float = 1.5, min_error: float = 0.6) -> None:
        self.n_models = n_models
        self.factor = factor
        self.min_error = min_error
        if n_models < 1 or factor <= 1 or not 0 < min_error < 1:
            raise ValueError("n_models must be >= 1, factor > 1, min_error in (0, 1)")

    @property
    def forward_passes_per_input(self) -> int:
        return 1 + self.n_models

    def _fit(self, model: nn.Module, clean_x: Tensor | None, generator: torch.Generator) -> None:
        assert clean_x is not None
        view = feature_view(model, tuple(clean_x.shape[1:]))  # TorchScript: its ONNX export
        n_layers = len(scalable_layers(view))
        self.view_ = view
        if n_layers == 0:
            self.notes_ = ["the model has no layer IBD-PSC can scale; every input scores 1"]
            self.copies_ = []
            return
        pred = view(clean_x).argmax(1)
        start = n_layers
        for depth in range(1, n_layers + 1):
            changed = (amplified(view, depth, self.factor)(clean_x).argmax(1) != pred)
            if float(changed.float().mean()) >= self.min_error:
                start = depth
                break
        self.start_ = start
        self.notes_ = []
        self.copies_ = [amplified(view, min(start + i, n_layers), self.factor)
                        for i in range(self.n_models)]

    def _score(self, x: Tensor) -> Tensor:
        pred = self.view_(x).argmax(1)
        if not self.copies_:
            return torch.ones(len(x), dtype=torch.float64)
        kept = [torch.softmax(c(x).double(), 1).gather(1, pred[:, None])[:, 0]
                for c in self.copies_]
        return torch.stack(kept, 1).mean(1)
