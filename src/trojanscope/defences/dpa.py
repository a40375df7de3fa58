"""DPA as a training-time defence: one base model per hash partition, saved as a vote."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from trojanscope.certify.partition import partition_of
from trojanscope.data.dataset import BatchDataset
from trojanscope.defences.base import Defence, DefenceOutcome, ModelFactory
from trojanscope.defences.subset import IndexSubset
from trojanscope.engine.callbacks import Callback
from trojanscope.engine.train import Trainer
from trojanscope.errors import UserInputError
from trojanscope.io.manifest import ArchSpec
from trojanscope.registry import register


@register("defence", "dpa")
class DPA(Defence):
    """Deep Partition Aggregation (Levine & Feizi, 2021): K models on disjoint hash partitions
    of the training set vote; certifies how many poisoned samples each prediction tolerates.

    Arguments:
        partitions: number of partitions K (``--partitions``).
        min_steps: optimiser steps per member at least (small partitions get more epochs).
    """

    name = "dpa"
    certificate = "partition"

    def __init__(self, partitions: int = 50, min_steps: int = 100) -> None:
        if int(partitions) < 2:
            raise UserInputError(f"dpa: partitions must be >= 2, got {partitions}")
        self.partitions = int(partitions)
        self.min_steps = int(min_steps)

    def train(
        self,
        build: ModelFactory,
        data: BatchDataset,
        trainer: Trainer,
        *,
        callbacks: Sequence[Callback] = (),
        arch: ArchSpec | None = None,
    ) -> DefenceOutcome:
        from trojanscope.models.ensemble import PartitionVote

        if arch is None:
            raise UserInputError("dpa needs the base architecture")
        if trainer.steps is not None:
            raise UserInputError(
                "dpa: --steps does not apply; each partition's model trains for --epochs "
                f"(at least {self.min_steps} steps)"
            )
        if self.partitions > len(data):
            raise UserInputError(
                f"dpa: {self.partitions} partitions for {len(data)} training samples; "
                "use at most one partition per sample"
            )
        x, _ = data.get_batch(torch.arange(len(data)))
        part = partition_of(x, self.partitions)
        sizes = np.bincount(part, minlength=self.partitions)
        params = trainer.get_params()
        members = []
        for k in range(self.partitions):
            member = build(trainer.seed + k)
            idx = torch.as_tensor(np.flatnonzero(part == k))
            if len(idx):
                steps = math.ceil(len(idx) / trainer.batch_size)
                epochs = max(trainer.epochs, math.ceil(self.min_steps / steps))
                Trainer(**{**params, "epochs": epochs, "seed": trainer.seed + k}).fit(
                    member, IndexSubset(data, idx)
                )
            members.append(member)
        spec = ArchSpec(
            name="partition_vote",
            args={"base": arch.name, "base_args": dict(arch.args), "partitions": self.partitions},
        )
        ensemble = PartitionVote(
            tuple(data.input_shape), data.num_classes, arch.name, dict(arch.args), self.partitions
        )
        for slot, member in zip(ensemble.members, members, strict=True):
            slot.load_state_dict(member.state_dict())
        details = {
            "partition_hash": "sha256(float32 LE pixels)[:8] big-endian mod K",
            "partition_sizes": {"min": int(sizes.min()), "max": int(sizes.max()),
                                "empty": int((sizes == 0).sum())},
        }
        return DefenceOutcome(ensemble.eval(), details=details, arch=spec)
