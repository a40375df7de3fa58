"""``ensemble``: several input detectors at once, an input flagged by whichever finds it most
unusual.

Each member's score is put on a common scale — robust z-score (median, MAD) against clean
inputs the members were not fitted on — and the ensemble's score is the largest. Measured
(docs/benchmarks.md, issue 14): multi-layer Mahalanobis is best on trojanscope's own models but
loses most triggered inputs on some architectures from another training script (ELU + dropout,
LayerNorm + GELU, MLPs), where STRIP holds; the default pairs Mahalanobis (1 pass) with a
4-overlay STRIP, 5 forward passes per input in all (Mahalanobis without its consistency
transforms).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope import registry
from trojanscope.detect.input_level.base import InputDetector
from trojanscope.params import parse_assignments
from trojanscope.registry import register


@register("input-detector", "ensemble")
class Ensemble(InputDetector):
    """The largest robust z-score of several input detectors.

    Arguments:
        members: comma-separated detectors, each ``name`` or ``name:param=value``.
        scale_share: share of the clean inputs kept out of the members' fitting to put their
            scores on one scale.
    """

    name = "ensemble"
    needs_clean_data = True
    min_clean = 60

    # the mahalanobis member is the one-pass set-up ``serve``'s guard runs: its isolated and
    # rare columns off, as there (five-pass defaults since stops 35 and 38, not the guard's)
    def __init__(self, members: str = "mahalanobis:transforms=[]:rare=false:isolated=false,"
                                      "strip:n_overlays=4",
                 scale_share: float = 0.3) -> None:
        if not isinstance(members, str):  # -p members=0 is read as a number
            raise ValueError(
                f"members must name input detectors (name:key=value,…), got {members!r}"
            )
        self.members = members
        self.scale_share = scale_share
        if not 0 < scale_share < 1:
            raise ValueError("scale_share must be in (0, 1)")
        self.detectors_ = [_member(spec) for spec in members.split(",") if spec.strip()]
        if not self.detectors_:
            raise ValueError("members must name at least one input detector")

    @property
    def forward_passes_per_input(self) -> int:
        return sum(d.forward_passes_per_input for d in self.detectors_)

    def _fit(self, model: nn.Module, clean_x: Tensor | None, generator: torch.Generator) -> None:
        assert clean_x is not None
        order = torch.randperm(len(clean_x), generator=generator)
        n_scale = max(int(len(clean_x) * self.scale_share), 10)
        scale_x, fit_x = clean_x[order[:n_scale]], clean_x[order[n_scale:]]
        self.scales_ = []
        for detector in self.detectors_:
            detector.fit(model, fit_x, generator=generator, input_shape=self.input_shape)
            s = detector.score(scale_x).double()
            median = s.median()
            mad = (s - median).abs().median().clamp_min(1e-9)
            self.scales_.append((median, mad))

    def _score(self, x: Tensor) -> Tensor:
        z = [(d.score(x).double() - m) / mad
             for d, (m, mad) in zip(self.detectors_, self.scales_, strict=True)]
        return torch.stack(z).amax(0)


def _member(spec: str) -> InputDetector:
    """``name`` or ``name:param=value[:param=value]`` -> a fresh input detector."""
    name, *params = spec.strip().split(":")
    kwargs = parse_assignments(params, "ensemble member parameter")
    return registry.create("input-detector", name, **kwargs)
