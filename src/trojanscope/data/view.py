"""A lazy view over a dataset: the base of views that change some samples or labels on the fly
(poisoned training sets, the defences' marked, relabelled and subset views)."""

from __future__ import annotations

from torch import Tensor

from trojanscope.data.dataset import BatchDataset


class DatasetView:
    """Same samples, shapes and classes as ``base``; subclasses override what they change."""

    def __init__(self, base: BatchDataset, name: str) -> None:
        self.base, self.name, self.class_names = base, name, base.class_names

    def __len__(self) -> int:
        return len(self.base)

    def get_batch(self, index: Tensor) -> tuple[Tensor, Tensor]:
        return self.base.get_batch(index)

    @property
    def labels(self) -> Tensor:
        return self.base.labels

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.base.input_shape

    @property
    def num_classes(self) -> int:
        return self.base.num_classes
