"""SCALE-UP (Guo et al., ICLR 2023): a triggered input keeps its prediction when its pixel values
are amplified, while a clean input's prediction drifts — scaled prediction consistency (SPC).

Each input is multiplied by every factor in ``scales`` (clipped to [0, 1]); the score is the share
of scaled copies that keep the original prediction (the paper's SPC). ``soft=True`` averages the
probability of the original class instead, which breaks the ties a handful of scales leave. With
clean inputs, the score is standardised per predicted class by the clean inputs' mean and
standard deviation (the paper's variant with a few benign samples).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.detect.input_level.base import InputDetector
from trojanscope.registry import register


@register("input-detector", "scale-up")
class ScaleUp(InputDetector):
    """SCALE-UP: a triggered input's prediction survives amplified pixel values."""

    name = "scale-up"
    needs_clean_data = False
    min_clean = 0

    def __init__(self, scales: tuple[float, ...] = (3.0, 5.0, 7.0, 9.0), soft: bool = True,
                 standardise: bool = True) -> None:
        self.scales = tuple(scales)
        self.soft = soft
        self.standardise = standardise
        if not self.scales or min(self.scales) <= 0:
            raise ValueError("scales must be a non-empty list of positive factors")

    @property
    def forward_passes_per_input(self) -> int:
        return 1 + len(self.scales)

    def _fit(self, model: nn.Module, clean_x: Tensor | None, generator: torch.Generator) -> None:
        self.class_stats_ = None
        if clean_x is None or not self.standardise:
            return
        spc, pred = self._spc(clean_x)
        k = int(pred.max()) + 1 if len(pred) else 1
        mean = torch.full((k,), float(spc.mean()))
        std = torch.full((k,), float(spc.std().clamp_min(1e-3)))
        for c in range(k):
            own = spc[pred == c]
            if len(own) >= 5:
                mean[c], std[c] = own.mean(), own.std().clamp_min(1e-3)
        self.class_stats_ = (mean, std, float(spc.mean()), float(spc.std().clamp_min(1e-3)))

    def _spc(self, x: Tensor) -> tuple[Tensor, Tensor]:
        logits = self.model(x)
        pred = logits.argmax(1)
        kept = []
        for s in self.scales:
            out = self.model((x * s).clamp(0.0, 1.0))
            if self.soft:
                kept.append(torch.softmax(out.double(), 1).gather(1, pred[:, None])[:, 0])
            else:
                kept.append((out.argmax(1) == pred).double())
        return torch.stack(kept, 1).mean(1), pred

    def _score(self, x: Tensor) -> Tensor:
        spc, pred = self._spc(x)
        if self.class_stats_ is None:
            return spc
        mean, std, all_mean, all_std = self.class_stats_
        known = pred < len(mean)
        m = torch.where(known, mean[pred.clamp_max(len(mean) - 1)], torch.tensor(all_mean))
        s = torch.where(known, std[pred.clamp_max(len(std) - 1)], torch.tensor(all_std))
        return (spc - m.double()) / s.double()
