"""A poisoned text training set: the clean sentences with the trigger inserted into the chosen
ones (strings edited, then tokenised like every other sentence), with exact ground truth."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from trojanscope.data.text import TextDataset, TextEncoder


class PoisonedTextDataset:
    """``base`` with ``texts`` at ``poison_indices`` and labels ``poison_labels`` (the same
    interface as :class:`~trojanscope.data.poisoned.PoisonedDataset`); ``cross_texts`` at
    ``cross_indices`` are edited sentences that keep their labels (an attack's negative
    augmentation: not poison); ``duplicate_indices`` name clean sentences ``base`` holds twice
    (``keep_prior=copies``: duplicated to keep the class prior; not poison)."""

    modality = "text"

    def __init__(self, base: TextDataset, trigger, poison_indices: np.ndarray,
                 poison_labels: np.ndarray, texts: Sequence[str],
                 cross_indices: np.ndarray | None = None,
                 cross_texts: Sequence[str] = (),
                 duplicate_indices: np.ndarray | None = None) -> None:
        order = np.argsort(poison_indices)
        self.base = base
        self.trigger = trigger
        self.poison_indices = np.asarray(poison_indices, dtype=np.int64)[order]
        self.poison_labels = np.asarray(poison_labels, dtype=np.int64)[order]
        self.poison_texts = tuple(texts[int(i)] for i in order)
        cross = np.asarray(cross_indices if cross_indices is not None else [], dtype=np.int64)
        keep = np.argsort(cross)
        self.cross_indices = cross[keep]
        dup = duplicate_indices if duplicate_indices is not None else []
        self.duplicate_indices = np.sort(np.asarray(dup, dtype=np.int64))
        edited = np.concatenate([self.poison_indices, self.cross_indices])
        labels = np.concatenate([self.poison_labels, base.labels.numpy()[self.cross_indices]])
        self.data = base.with_samples(edited, (*self.poison_texts,
                                               *(cross_texts[int(i)] for i in keep)), labels)
        self.name = f"{base.name}+{trigger.name}"
        self.class_names = base.class_names

    def __len__(self) -> int:
        return len(self.base)

    @property
    def texts(self) -> tuple[str, ...]:
        """The training sentences as the victim sees them."""
        return self.data.texts

    @property
    def encoder(self) -> TextEncoder | None:
        return self.data.encoder

    def with_encoder(self, encoder: TextEncoder) -> PoisonedTextDataset:
        out = PoisonedTextDataset.__new__(PoisonedTextDataset)
        out.__dict__.update(self.__dict__)
        out.base, out.data = self.base.with_encoder(encoder), self.data.with_encoder(encoder)
        return out

    def get_batch(self, index: Tensor) -> tuple[Tensor, Tensor]:
        return self.data.get_batch(index)

    @property
    def labels(self) -> Tensor:
        return self.data.labels

    @property
    def is_poisoned(self) -> Tensor:
        mask = torch.zeros(len(self), dtype=torch.bool)
        mask[torch.from_numpy(self.poison_indices)] = True
        return mask

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.data.input_shape

    @property
    def num_classes(self) -> int:
        return self.data.num_classes
