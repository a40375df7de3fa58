"""Helpers the defences share: a lazy index view of a dataset and per-sample losses."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import BatchDataset
from trojanscope.data.view import DatasetView
from trojanscope.engine.metrics import predict


class IndexSubset(DatasetView):
    """The samples of ``base`` at ``index`` (a view: batches are fetched from ``base``)."""

    def __init__(self, base: BatchDataset, index: Tensor) -> None:
        super().__init__(base, f"{base.name}[subset]")
        self.index = torch.as_tensor(index, dtype=torch.long)

    def __len__(self) -> int:
        return int(self.index.numel())

    def get_batch(self, index: Tensor) -> tuple[Tensor, Tensor]:
        return self.base.get_batch(self.index[index])

    @property
    def labels(self) -> Tensor:
        return self.base.labels[self.index]

    @property
    def texts(self) -> list[str]:
        """The subset's sentences (text data; an AttributeError, as on the base, otherwise)."""
        texts = self.base.texts
        return [texts[i] for i in self.index.tolist()]


def per_sample_loss(model: nn.Module, data: BatchDataset, batch_size: int = 1024) -> Tensor:
    """Cross-entropy of every sample of ``data`` under ``model`` (eval mode, no gradients)."""
    out = []
    for start in range(0, len(data), batch_size):
        idx = torch.arange(start, min(start + batch_size, len(data)))
        x, y = data.get_batch(idx)
        out.append(F.cross_entropy(predict(model, x), y, reduction="none"))
    return torch.cat(out)
