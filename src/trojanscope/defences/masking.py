"""Masked training: the training-time half of PatchCleanser's certified patch defence."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from trojanscope.certify.patch import mask_set
from trojanscope.data.dataset import BatchDataset
from trojanscope.defences.base import Defence, DefenceOutcome, ModelFactory
from trojanscope.engine.callbacks import Callback, TrainState
from trojanscope.engine.train import Trainer
from trojanscope.errors import UserInputError
from trojanscope.io.manifest import ArchSpec
from trojanscope.registry import register


class MaskAugment(Callback):
    """Engine callback: each training image gets two random masks of the mask set (or none, with
    probability ``keep``), so the model learns to classify double-masked images."""

    def __init__(self, masks: torch.Tensor, keep: float, fill: float, seed: int) -> None:
        self.masks, self.keep, self.fill = masks, keep, fill
        self.gen = torch.Generator().manual_seed(seed)

    def on_batch_start(self, state: TrainState) -> None:
        x = state.x
        if x is None:
            return
        n, m = len(x), len(self.masks)
        pick = torch.randint(m, (n, 2), generator=self.gen)
        mask = self.masks[pick[:, 0]] | self.masks[pick[:, 1]]
        mask &= (torch.rand(n, generator=self.gen) >= self.keep)[:, None, None]
        state.x = torch.where(mask[:, None], torch.full_like(x, self.fill), x)


@register("defence", "patch-mask")
class PatchMask(Defence):
    """Masked training for PatchCleanser's double-masking certificate (Xiang et al., 2022):
    trains on images with two random masks so that ``certify`` can prove no patch flips them.

    Arguments:
        patch: largest patch side the mask set covers (``certify`` uses it by default).
        per_side: masks per image side (the mask set has per_side**2 masks).
        keep: share of training images left unmasked.
        fill: pixel value of masked areas.
    """

    name = "patch-mask"
    certificate = "patch"

    def __init__(
        self, patch: int = 4, per_side: int = 6, keep: float = 0.2, fill: float = 0.0
    ) -> None:
        if int(patch) < 1 or int(per_side) < 1:
            raise UserInputError("patch-mask: patch and per_side must be >= 1")
        if not 0 <= float(keep) < 1:
            raise UserInputError(f"patch-mask: keep must lie in [0, 1), got {keep}")
        self.patch, self.per_side = int(patch), int(per_side)
        self.keep, self.fill = float(keep), float(fill)

    def train(
        self,
        build: ModelFactory,
        data: BatchDataset,
        trainer: Trainer,
        *,
        callbacks: Sequence[Callback] = (),
        arch: ArchSpec | None = None,
    ) -> DefenceOutcome:
        shape = data.input_shape
        if len(shape) != 3:
            raise UserInputError(f"patch-mask needs images (C, H, W), got input shape {shape}")
        masks = mask_set(shape[1], shape[2], self.patch, self.per_side)
        model = build(trainer.seed)
        augment = MaskAugment(masks, self.keep, self.fill, trainer.seed)
        trainer.fit(model, data, callbacks=[augment, *callbacks])
        return DefenceOutcome(model, details={"masks": len(masks)})
