"""TeCo (Liu et al., CVPR 2023): a clean input's prediction breaks at similar severities across
corruption types, a triggered input's at very different ones (the trigger is robust to some
corruptions and fragile to others).

For each corruption, the first severity (1..5) at which the prediction leaves the original one
is recorded (6 when it never does); the score is the standard deviation of these severities
across corruption types. Data-free: it needs only the model.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.detect.input_level.base import InputDetector
from trojanscope.detect.input_level.corruptions import CORRUPTIONS, SEVERITIES, corrupt
from trojanscope.registry import register


@register("input-detector", "teco")
class TeCo(InputDetector):
    """TeCo: the spread of the corruption severities at which an input's prediction breaks."""

    name = "teco"
    needs_clean_data = False
    min_clean = 0

    def __init__(self, corruptions: tuple[str, ...] = tuple(CORRUPTIONS)) -> None:
        self.corruptions = tuple(corruptions)
        unknown = [c for c in self.corruptions if c not in CORRUPTIONS]
        if unknown or len(self.corruptions) < 2:
            raise ValueError(f"corruptions must be two or more of {', '.join(CORRUPTIONS)}; "
                             f"unknown: {unknown}")

    @property
    def forward_passes_per_input(self) -> int:
        return 1 + SEVERITIES * len(self.corruptions)

    def _fit(self, model: nn.Module, clean_x: Tensor | None, generator: torch.Generator) -> None:
        self.seed_ = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))

    def _noise(self, shape: tuple[int, ...], i: int) -> Tensor:
        return torch.randn(shape, generator=torch.Generator().manual_seed(self.seed_ + i))

    def _score(self, x: Tensor) -> Tensor:
        pred = self.model(x).argmax(1)
        breaks = []
        for i, name in enumerate(self.corruptions):
            noise = self._noise(tuple(x.shape[1:]), i)
            first = torch.full((len(x),), SEVERITIES + 1.0)
            for s in range(SEVERITIES):
                flipped = self.model(corrupt(name, x, s, noise)).argmax(1) != pred
                first = torch.where(flipped & (first > SEVERITIES), torch.tensor(s + 1.0), first)
            breaks.append(first)
        return torch.stack(breaks, 1).std(1)
