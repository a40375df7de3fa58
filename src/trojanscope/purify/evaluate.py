"""Run a purifier over a batch, and measure what it leaves: clean accuracy (CA) on labelled
clean inputs and attack success rate (ASR) on triggered ones, before and after.

The API behind ``trojanscope purify`` and ``benchmarks/bench_purify.py``: the purifier never
sees which inputs are triggered; the figures use ground truth only to score it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import predict
from trojanscope.mitigate.run import TriggeredSet
from trojanscope.purify.base import InputPurifier

BATCH = 256  # inputs per purifier call (bounded memory for the gradient-based methods)


def purify_batch(purifier: InputPurifier, x: Tensor, *, model: nn.Module | None = None,
                 seed: int = 0) -> Tensor:
    """``purifier`` over ``x`` in batches of :data:`BATCH`, its randomness from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    parts = [purifier.apply(x[i:i + BATCH], model=model, generator=generator)
             for i in range(0, len(x), BATCH)]
    return torch.cat(parts) if parts else x.clone()


def ca_asr(model: nn.Module, clean: TensorDataset | None, clean_x: Tensor | None,
           triggered: TriggeredSet | None, triggered_x: Tensor | None) -> dict[str, float]:
    """CA of ``clean_x`` against ``clean``'s labels and ASR of ``triggered_x`` against the
    attacker's labels (each only when given)."""
    out: dict[str, float] = {}
    if clean is not None and clean_x is not None:
        out["ca"] = float((predict(model, clean_x).argmax(1) == clean.y).float().mean())
    if triggered is not None and triggered_x is not None:
        out["asr"] = float((predict(model, triggered_x).argmax(1) == triggered.target)
                           .float().mean())
    return out


@dataclass
class PurifyScore:
    """What one purifier leaves: CA/ASR after it, and its time per input."""

    method: str
    params: dict[str, Any]
    after: dict[str, float]
    ms_per_input: float

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "params": self.params, **self.after,
                "ms_per_input": self.ms_per_input}


def score_purifier(model: nn.Module, purifier: InputPurifier, clean: TensorDataset | None,
                   triggered: TriggeredSet | None, *, seed: int = 0) -> PurifyScore:
    """Purify the clean and the triggered inputs and measure CA and ASR on the results."""
    start = time.perf_counter()
    clean_x = purify_batch(purifier, clean.x, model=model, seed=seed) if clean else None
    trig_x = purify_batch(purifier, triggered.x, model=model, seed=seed + 1) if triggered \
        else None
    elapsed = time.perf_counter() - start
    count = (len(clean) if clean else 0) + (len(triggered.x) if triggered else 0)
    after = ca_asr(model, clean, clean_x, triggered, trig_x)
    return PurifyScore(purifier.name, purifier.get_params(), after,
                       1000.0 * elapsed / max(count, 1))


def baseline(model: nn.Module, clean: TensorDataset | None,
             triggered: TriggeredSet | None) -> dict[str, float]:
    """CA and ASR with no purification."""
    return ca_asr(model, clean, clean.x if clean else None, triggered,
                  triggered.x if triggered else None)
