"""A lazy poisoned view over a clean dataset, with exact ground truth.

Nothing is copied: ``get_batch`` applies the trigger to the poisoned samples of each batch and
relabels them on the fly, so the clean data stay untouched and the poison set is known exactly.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from trojanscope.data.dataset import BatchDataset
from trojanscope.data.view import DatasetView
from trojanscope.triggers.base import Trigger


class PoisonedDataset(DatasetView):
    """``base`` with ``trigger`` applied at ``poison_indices`` and labels set to ``poison_labels``.

    ``cross_indices`` (WaNet's noise mode) are transformed by ``trigger.apply_noise`` with fresh
    randomness from ``seed`` at every access, and keep their labels.
    """

    def __init__(
        self,
        base: BatchDataset,
        trigger: Trigger,
        poison_indices: np.ndarray,
        poison_labels: np.ndarray,
        *,
        cross_indices: np.ndarray | None = None,
        seed: int = 0,
    ) -> None:
        n = len(base)
        super().__init__(base, f"{base.name}+{trigger.name}")
        self.trigger = trigger
        order = np.argsort(poison_indices)
        self.poison_indices = np.asarray(poison_indices, dtype=np.int64)[order]
        self.poison_labels = np.asarray(poison_labels, dtype=np.int64)[order]
        self.cross_indices = np.sort(
            np.asarray(cross_indices if cross_indices is not None else [], dtype=np.int64)
        )
        self._is_poison = torch.zeros(n, dtype=torch.bool)
        self._is_poison[torch.from_numpy(self.poison_indices)] = True
        self._new_label = base.labels.clone()
        self._new_label[torch.from_numpy(self.poison_indices)] = torch.from_numpy(
            self.poison_labels
        )
        self._is_cross = torch.zeros(n, dtype=torch.bool)
        self._is_cross[torch.from_numpy(self.cross_indices)] = True
        self._noise = torch.Generator().manual_seed(seed)

    @property
    def labels(self) -> Tensor:
        return self._new_label

    @property
    def is_poisoned(self) -> Tensor:
        """Boolean mask over samples: True where the trigger is applied."""
        return self._is_poison

    def get_batch(self, index: Tensor) -> tuple[Tensor, Tensor]:
        x, _ = self.base.get_batch(index)
        y = self._new_label[index]
        poison = self._is_poison[index]
        cross = self._is_cross[index]
        if poison.any() or cross.any():
            x = x.clone()
            if poison.any():
                x[poison] = self.trigger.apply(x[poison])
            if cross.any():
                x[cross] = self.trigger.apply_noise(x[cross], generator=self._noise)  # type: ignore[attr-defined]
        return x, y
