"""Clean twin networks trained on the user's own clean file (issue 16 stop 41).

A network's ``tab_excess`` is its response to column values beyond a linear reference fitted
on the clean rows. With a 200-row file that reference loosens and every clean credit-default
MLP's excess rises into the backdoors' range (docs/benchmarks.md, issue 16 stop 40): what a
clean network answers beyond a linear model on this file is not known. Here it is measured:
``count`` networks of the inspected model's own shape (a copy with fresh, seeded weights) are
trained on the same clean rows, and the same excess search is run on them. Their excess is
what a clean network of that shape shows on this file; the inspected model's excess less
theirs (``tab_excess_twin_ref``) is the part the file does not explain.

How the twins are trained (``twin_fit``): 30 steps on the labels (stop 41) left the twins of
sigmoid networks answering nearly a constant and made others overshoot the model, so the
excess against them followed the zoo's mix of activations (issue 16 stop 43); since stop 43
they are distilled by default: trained towards the inspected model's own answers on the clean
rows, which carry no trigger (:func:`distil`).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import Tensor, nn

from trojanscope.detect.tabular_excess import fit_full_batch

TWIN_STEPS = 30  # few steps: 300 fit the 200 rows (development, stop 41)
TWIN_LR = 1e-2
TWIN_DECAY = 1e-3
BAND_TWINS = 2  # the default's count where a size band's calibrator reads the twins (stop 41)
MAX_TWINS = 16  # each twin is a full copy of the model, trained: a count above is a mistake
# ``twin_fit="distil"``: steps of full-batch Adam towards the inspected model's own class
# probabilities on the clean rows
DISTIL_STEPS = 100
TWIN_FITS = ("steps", "distil")
NO_TWINS_NOTE = ("twins not trained: not every weight of this model can be drawn afresh (a "
                 "TorchScript archive, or weights outside standard layers); read without them, "
                 "as with twins=0")


def redrawable(model: nn.Module) -> bool:
    """Whether every weight of ``model`` lies in a layer that can draw it afresh
    (``reset_parameters``). A model without weights here (a TorchScript archive run in the
    sandboxed child) or with a weight held outside such a layer (an ONNX graph's un-lifted
    initializer, a custom ``nn.Parameter``) cannot have a clean twin: its copy would keep the
    inspected weights (a backdoor included) or have nothing to train."""
    params = list(model.parameters())
    owned = {id(p) for layer in model.modules() if hasattr(layer, "reset_parameters")
             for p in layer.parameters(recurse=False)}
    return bool(params) and all(id(p) in owned for p in params)


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


def distil(module: nn.Module, model: nn.Module, x: Tensor,
           steps: int = DISTIL_STEPS) -> nn.Module:
    """``module`` trained by the twins' full-batch Adam to answer the clean rows ``x`` as
    ``model`` does (cross-entropy to its class probabilities), in eval mode. Only clean rows
    are seen, so a trigger the rows do not hold is not copied; the twin's spread of answers
    is the model's own, whatever its activation or the file (issue 16 stop 43)."""
    with torch.no_grad():
        soft = torch.softmax(model(x).float(), 1)
    opt = torch.optim.Adam(module.parameters(), lr=TWIN_LR, weight_decay=TWIN_DECAY)
    module.train()
    with torch.enable_grad():
        for _ in range(steps):
            opt.zero_grad()
            logp = torch.log_softmax(module(x).float(), 1)
            (-(soft * logp).sum(1).mean()).backward()
            opt.step()
    return module.eval()


def twin_networks(model: nn.Module, x: Tensor, y: Tensor, count: int,
                  seed: int, fit: str = "steps") -> list[nn.Module]:
    """``count`` clean networks shaped like ``model``, trained on the clean rows ``x``, ``y``
    with seeds ``seed``, ``seed + 1``, ... (full-batch Adam, weight-decayed): ``fit="steps"``
    ``TWIN_STEPS`` steps on the labels; ``"distil"`` towards ``model``'s answers on the rows
    (:func:`distil`)."""
    if fit not in TWIN_FITS:
        raise ValueError(f"twin_fit must be one of {', '.join(TWIN_FITS)}")
    if fit == "distil":
        return [distil(fresh_copy(model, seed + k), model, x) for k in range(count)]
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


def twin_features(vs_twins: np.ndarray) -> dict[str, float]:
    """The network's per-class excess with its twins as the reference (``vs_twins``, C):
    ``tab_excess_vs_twins`` the largest, ``tab_excess_vs_twins_gap`` how far it stands above
    the next class's (a backdoor answers towards one class)."""
    top = np.sort(vs_twins)
    second = top[-2] if len(top) > 1 else 0.0
    return {"tab_excess_vs_twins": float(top[-1]),
            "tab_excess_vs_twins_gap": float(top[-1] - second)}
