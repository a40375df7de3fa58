"""``mixed_last``'s keep-or-undo read on clean images no step trained on: ``mixed_held``.

Why (issue 12, stop 74: h12): over 27 stored BadNets MLPs ``mixed_last`` brought two to issue 12's
goal and took four from it, all four on accuracy, and nothing the method reads told which way it
went (docs/benchmarks.md, issue 12 stop 73: h12a). A quarter held back from ``mixed_last``'s fit
alone decides nothing: the stages trained on it, so the output classifies 0.94-1.00 of it. Here a
share of the clean images (``gated.mixed_held``, per class, from the seed: ``held_pick``'s split)
is set apart after the detector's gate, before the projection and FT-SAM: no stage or step trains
or reads on it. ``mixed_last`` fits a copy of the output on the rest, and the copy is kept only
where :func:`keep_fit` says so on the share: its readings before and after (accuracy, the true
class's mean log-probability, and the detector's reversed trigger's share and probability).
The cost: every stage trains on fewer images. It reads the detector's suspect and trigger and
the method's clean images, never the attacker's trigger or poison indices.

Opt-in (``MIXED_HELD`` = 0 in ``gated_defaults``): ``mixed_held=0.1`` failed the rule written
before fresh zoos 2505/2506 (benchmarks/data/mitigate_s74_h12/rule.md): 16 of 24 backdoored MLPs
at the goal against 18, two lost, four ASRs up by more than a point. The share's readings were
real (the output classified 0.90-1.00 of the 20) but mostly tied, and training on 180 images
cost the unlearning more than the keep-or-undo gave back.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import accuracy, predict
from trojanscope.mitigate.adaptive import trigger_probability
from trojanscope.mitigate.trigger_last import trigger_flip


def held_readings(model: nn.Module, held: TensorDataset, suspect: int,
                  trigger: ReversedTrigger) -> dict[str, float]:
    """``model``'s readings on the share: ``acc`` (accuracy), ``logp`` (the true class's mean
    log-probability), ``flip`` (the share of its images not of ``suspect`` that ``trigger``
    sends there) and ``tprob`` (the suspect's mean probability on them, stamped)."""
    model.eval()
    with torch.no_grad():
        logp = -F.cross_entropy(predict(model, held.x), held.y).item()
    return {"acc": accuracy(model, held.x, held.y), "logp": logp,
            "flip": trigger_flip(model, held.x, held.y, suspect, trigger),
            "tprob": trigger_probability(model, trigger, held)}


def keep_fit(before: dict[str, float], after: dict[str, float]) -> bool:
    """Whether ``mixed_last``'s fitted copy is kept: it classifies at least as much of the share
    as the output did (ties keep the fit, today's choice)."""
    return after["acc"] >= before["acc"] - 1e-9


def held_fit(gated: Any, out: nn.Module, held: TensorDataset, suspect: int,
             trigger: ReversedTrigger, fit: Any, note: dict[str, Any]) -> nn.Module:
    """``fit`` (``mixed_last``'s, in place) on a copy of ``out``; the copy where
    :func:`keep_fit` keeps it on ``held``, otherwise ``out`` as it came. The note gets the
    readings (``held``) and whether the fit was kept."""
    before = held_readings(out, held, suspect, trigger)
    fitted = copy.deepcopy(out)
    fit(fitted)
    after = held_readings(fitted, held, suspect, trigger)
    kept = keep_fit(before, after)
    note["held"] = {"n": len(held), "share": gated.mixed_held, "kept": kept,
                    "before": {k: round(v, 4) for k, v in before.items()},
                    "after": {k: round(v, 4) for k, v in after.items()}}
    return fitted.eval() if kept else out.eval()
