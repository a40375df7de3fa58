"""Pruning the units a recovered trigger drives (Neural Cleanse's pruning, Wang et al. 2019),
with a stopping rule on the validation split instead of a fixed count.

A recovered trigger is rarely the attacker's trigger pixel for pixel, but it drives the same
units: the ones whose activation rises most when the trigger is stamped. Those units of the last
convolution and the last hidden layer are ranked by that rise (in units of their own spread on
clean inputs) and pruned one at a time until the recovered triggers no longer succeed on the
validation samples, or until one more unit would cost more clean accuracy than allowed.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import accuracy, predict
from trojanscope.mitigate.base import hidden_layers, recorded_outputs, zero_channels
from trojanscope.mitigate.sent_share import sent_share


def proxy_asr(model: nn.Module, trigger: ReversedTrigger, val: TensorDataset) -> float:
    """Share of the validation samples outside the trigger's class that it sends there."""
    return sent_share(model, val.x, val.y, trigger.target, trigger.apply)


def candidate_layers(model: nn.Module) -> list[str]:
    """The last convolution (if any) and the last hidden layer: where backdoor units sit."""
    layers = hidden_layers(model)
    convs = [n for n, m in layers if isinstance(m, nn.Conv2d)]
    names = [convs[-1]] if convs else []
    if layers[-1][0] not in names:
        names.append(layers[-1][0])
    return names


def _per_unit(out: Tensor) -> Tensor:
    """Samples × units: a convolution's channels averaged over space."""
    return out.flatten(2).mean(2) if out.dim() > 2 else out


def trigger_gaps(model: nn.Module, names: list[str], x: Tensor,
                 triggers: list[ReversedTrigger]) -> list[tuple[float, str, int]]:
    """(rise, layer, unit) for every unit, the largest rise first: the mean activation with a
    recovered trigger minus without, over the unit's spread on clean inputs (worst trigger)."""
    rows: dict[tuple[str, int], float] = {}
    with torch.no_grad(), recorded_outputs(model, names) as rec:
        predict(model, x)
        clean = {n: _per_unit(rec[n]) for n in names}
        for t in triggers:
            predict(model, t.apply(x))
            for n in names:
                stamped = _per_unit(rec[n])
                gap = (stamped.mean(0) - clean[n].mean(0)) / (clean[n].std(0) + 1e-6)
                for u, g in enumerate(gap.tolist()):
                    rows[(n, u)] = max(rows.get((n, u), float("-inf")), g)
    return sorted(((g, n, u) for (n, u), g in rows.items()), reverse=True)


def prune_by_trigger(model: nn.Module, triggers: list[ReversedTrigger], fit: TensorDataset,
                     val: tuple[Tensor, Tensor], vset: TensorDataset, *, floor: float,
                     stop_asr: float, max_fraction: float) -> dict[str, list[int]]:
    """Prune ``model`` in place, unit by unit, until no recovered trigger succeeds on more than
    ``stop_asr`` of ``vset`` or the next unit would take accuracy on ``val`` below ``floor``.
    Returns the pruned units per layer."""
    names = candidate_layers(model)
    ranked = trigger_gaps(model, names, fit.x, triggers)
    budget = int(max_fraction * len(ranked))
    pruned: dict[str, list[int]] = {n: [] for n in names}
    for gap, name, unit in ranked[:budget]:
        if gap <= 0 or max(proxy_asr(model, t, vset) for t in triggers) <= stop_asr:
            break
        saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
        zero_channels(model, name, [unit])
        if accuracy(model, *val) < floor:
            model.load_state_dict(saved)
            break
        pruned[name].append(unit)
    return {n: u for n, u in pruned.items() if u}
