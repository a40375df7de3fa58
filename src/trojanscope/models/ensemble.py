"""The saved form of a partition-aggregation (DPA) model: K base models and a vote.

Registered as an architecture so the run folder is a normal one (safetensors + manifest) that
every other command loads. The forward pass returns the *vote counts* per class (floats), so
``argmax`` is DPA's prediction: the most votes, ties to the smaller class index (as torch's
``argmax`` returns the first maximum). Votes are not differentiable: gradient-based tools see
a flat function.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.registry import register


@register("arch", "partition_vote")
class PartitionVote(nn.Module):
    """K base models (one per training partition) voting by their top class (DPA's ensemble).

    Arguments:
        base: registered architecture of every member.
        base_args: its constructor arguments.
        partitions: number of members K.
    """

    differentiable = False

    def __init__(
        self,
        input_shape: tuple[int, ...] = (1, 28, 28),
        num_classes: int = 10,
        base: str = "mlp",
        base_args: dict[str, Any] | None = None,
        partitions: int = 3,
    ) -> None:
        super().__init__()
        from trojanscope.models import create_model

        if base == "partition_vote":
            raise ValueError("a partition vote cannot nest another")
        self.num_classes = int(num_classes)
        self.members = nn.ModuleList(
            create_model(base, input_shape, num_classes, **(base_args or {}))
            for _ in range(int(partitions))
        )

    def member_predictions(self, x: Tensor) -> Tensor:
        """Top class of every member, shape (K, N)."""
        return torch.stack([m(x).argmax(1) for m in self.members])

    def forward(self, x: Tensor) -> Tensor:
        votes = torch.zeros(x.shape[0], self.num_classes, dtype=x.dtype, device=x.device)
        for member in self.members:
            top = member(x).argmax(1, keepdim=True)
            votes = votes.scatter_add(1, top, torch.ones_like(top, dtype=x.dtype))
        return votes
