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

from trojanscope.params import check_option
from trojanscope.registry import register

# Votes are counted in the input's float32: whole numbers are exact up to 2**24, so a vote of
# more members could tie or flip by rounding, and DPA's certificate (half the gap between the
# two largest counts) would be wrong. DPA itself refuses more partitions than training samples.
MAX_PARTITIONS = 2**24
# What one member costs beyond its parameters (module objects, their dicts and hooks):
# measured about 20 KiB for a one-unit MLP; 32 KiB leaves room.
MEMBER_OVERHEAD = 32 << 10


@register("arch", "partition_vote")
class PartitionVote(nn.Module):
    """K base models (one per training partition) voting by their top class (DPA's ensemble).

    Arguments:
        base: registered architecture of every member.
        base_args: its constructor arguments.
        partitions: number of members K, 1 to 2**24 (:data:`MAX_PARTITIONS`: vote counts
            exact in float32), and no more than the machine's memory holds (checked on the
            first member before the others are built).
    """

    differentiable = False

    @classmethod
    def check_weights(cls, args: dict[str, Any], keys: list[str]) -> None:
        """Before the members are built: the saved weights must hold ``partitions`` members
        (a manifest asking for 2**22 members beside weights of three would take an hour)."""
        members = {k.split(".")[1] for k in keys if k.startswith("members.")}
        want = int(args.get("partitions", 3))
        if len(members) != want:
            raise ValueError(f"partitions: the manifest asks for {want} members but the "
                             f"weights hold {len(members)}")

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
        check_option("partitions", partitions, 1, MAX_PARTITIONS, integer=True)
        self.num_classes = int(num_classes)
        first = create_model(base, input_shape, num_classes, **(base_args or {}))
        _check_memory(first, int(partitions))
        self.members = nn.ModuleList(
            [
                first,
                *(
                    create_model(base, input_shape, num_classes, **(base_args or {}))
                    for _ in range(int(partitions) - 1)
                ),
            ]
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


def _check_memory(member: nn.Module, partitions: int) -> None:
    """Refuse ``partitions`` copies of ``member`` that the machine's memory cannot hold (a
    ValueError the registry turns into one line), before building them one by one until no
    memory is left."""
    import os

    size = sum(t.numel() * t.element_size() for t in (*member.parameters(), *member.buffers()))
    size += MEMBER_OVERHEAD
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):  # not a POSIX system: not checked
        return
    if size * partitions > memory:
        raise ValueError(
            f"partitions: {partitions} members of {size / 2**20:.2f} MiB need "
            f"{size * partitions / 2**30:.1f} GiB, more than this machine's memory "
            f"({memory / 2**30:.1f} GiB)"
        )
