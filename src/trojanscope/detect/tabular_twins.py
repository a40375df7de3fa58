"""Clean twin networks trained on the user's own clean file (issue 16 stop 41).

A network's ``tab_excess`` is its response to column values beyond a linear reference fitted
on the clean rows. With a 200-row file that reference loosens and every clean credit-default
MLP's excess rises into the backdoors' range (docs/benchmarks.md, issue 16 stop 40): what a
clean network answers beyond a linear model on this file is not known. Here it is measured:
``count`` networks of the inspected model's own shape (a copy with fresh, seeded weights) are
trained on the same clean rows, and the same excess search is run on them. Their excess is
what a clean network of that shape shows on this file; the inspected model's excess less
theirs (``tab_excess_twin_ref``) is the part the file does not explain.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from trojanscope.detect.tabular_excess import fit_full_batch

TWIN_STEPS = 300
TWIN_LR = 1e-2
TWIN_DECAY = 1e-3


def fresh_copy(model: nn.Module, seed: int) -> nn.Module:
    """``model``'s architecture with new weights drawn with ``seed`` (every layer that can
    reset its parameters does); the inspected model is left untouched."""
    twin = copy.deepcopy(model).requires_grad_(True)  # an inspected model comes frozen
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for layer in twin.modules():
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
    return twin


def twin_networks(model: nn.Module, x: Tensor, y: Tensor, count: int,
                  seed: int) -> list[nn.Module]:
    """``count`` clean networks shaped like ``model``, trained on the clean rows ``x``, ``y``
    with seeds ``seed``, ``seed + 1``, ... (full-batch Adam, weight-decayed)."""
    return [fit_full_batch(fresh_copy(model, seed + k), x, y, TWIN_STEPS, TWIN_LR, TWIN_DECAY)
            for k in range(count)]


class MeanOfNets(nn.Module):
    """The twins as one reference: the log of their mean class probabilities (logits)."""

    def __init__(self, nets: list[nn.Module]) -> None:
        super().__init__()
        self.nets = nn.ModuleList(nets)

    def forward(self, x: Tensor) -> Tensor:
        probs = torch.stack([torch.softmax(n(x).float(), 1) for n in self.nets]).mean(0)
        return torch.log(probs.clamp_min(1e-12))


def twin_features(own: Tensor, twins: Tensor, vs_twins: float) -> dict[str, float]:
    """The inspected model's per-class excess ``own`` (C) set against its twins' (K x C, on
    the same file and search): ``tab_excess_twin`` the twins' mean largest excess,
    ``tab_excess_twin_ref`` the model's largest less that, ``tab_excess_class_twin_ref`` the
    largest of the per-class differences, ``tab_excess_gap_twin_ref`` the model's class gap
    less the twins' mean gap, and ``tab_excess_vs_twins`` the model's largest excess with
    the twins (:class:`MeanOfNets`) as the reference instead of the linear model."""

    def gap(e: Tensor) -> Tensor:
        top = torch.sort(e, dim=-1).values
        return top[..., -1] - top[..., -2] if e.shape[-1] > 1 else top[..., -1]

    twin_max = float(twins.max(1).values.mean())
    return {
        "tab_excess_twin": twin_max,
        "tab_excess_twin_ref": float(own.max()) - twin_max,
        "tab_excess_class_twin_ref": float((own - twins.mean(0)).max()),
        "tab_excess_gap_twin_ref": float(gap(own)) - float(gap(twins).mean()),
        "tab_excess_vs_twins": float(vs_twins),
    }
