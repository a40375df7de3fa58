"""Labelled text: raw strings kept beside the token ids the engine trains on.

A :class:`TextDataset` holds the sentences and an encoder (a tokenizer that turns strings into
fixed-length int64 token ids, ``(N, L)``; id 0-padding is the encoder's ``pad_id``). The engine,
the metrics and the detectors see only ``get_batch`` → ``(ids, labels)``, so training is the same
loop as for images; text attacks edit the *strings* and re-encode them, so a trigger word is
tokenised exactly as the victim's pipeline would tokenise it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import Tensor

from trojanscope.data.dataset import check_split, stratified_split
from trojanscope.errors import UserInputError

MODALITY = "text"


@runtime_checkable
class TextEncoder(Protocol):
    """Strings → ``(N, max_len)`` int64 token ids; saved beside the model it was trained with."""

    kind: str
    max_len: int
    pad_id: int

    def encode(self, texts: Sequence[str]) -> Tensor: ...

    def save(self, folder) -> list[str]:
        """Write the encoder's files into ``folder``; return their names."""
        ...


@dataclass(frozen=True, eq=False)
class TextDataset:
    """Sentences ``texts`` with int64 labels ``y``; ``encoder`` makes the token ids.

    Build with :func:`make_text_dataset`, which validates. Without an encoder the dataset holds
    strings only (an architecture chooses the encoder, see :func:`trojanscope.data.text_prepare`).
    """

    texts: tuple[str, ...]
    y: Tensor
    class_names: tuple[str, ...]
    name: str = "text"
    source: str = field(default="", compare=False)
    encoder: TextEncoder | None = field(default=None, compare=False)
    modality = MODALITY

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", None)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def ids(self) -> Tensor:
        """Token ids of every sample (encoded once, on first use)."""
        if self._ids is None:  # type: ignore[has-type]
            if self.encoder is None:
                raise UserInputError(
                    f"{self.source or self.name}: text data has no tokenizer yet; "
                    "train through an architecture that takes text (e.g. --arch textcnn)"
                )
            object.__setattr__(self, "_ids", self.encoder.encode(self.texts))
        return self._ids  # type: ignore[return-value]

    def get_batch(self, index: Tensor) -> tuple[Tensor, Tensor]:
        return self.ids[index], self.y[index]

    @property
    def x(self) -> Tensor:
        """All token ids (for code that reads a whole split as ``.x``)."""
        return self.ids

    @property
    def labels(self) -> Tensor:
        return self.y

    @property
    def input_shape(self) -> tuple[int, ...]:
        if self.encoder is None:
            raise UserInputError(f"{self.source or self.name}: text data has no tokenizer yet")
        return (int(self.encoder.max_len),)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def encode(self, texts: Sequence[str]) -> Tensor:
        """Token ids of other strings, with this dataset's encoder."""
        if self.encoder is None:
            raise UserInputError(f"{self.source or self.name}: text data has no tokenizer yet")
        return self.encoder.encode(list(texts))

    def with_encoder(self, encoder: TextEncoder) -> TextDataset:
        """The same samples, encoded by ``encoder``."""
        return replace(self, encoder=encoder)

    def subset(
        self, index: Tensor | np.ndarray | list[int], name: str | None = None
    ) -> TextDataset:
        """A new dataset holding the samples at ``index`` (in that order)."""
        idx = np.asarray(index, dtype=np.int64)
        return replace(
            self,
            texts=tuple(self.texts[int(i)] for i in idx),
            y=self.y[torch.from_numpy(idx)],
            name=name or self.name,
        )

    def with_samples(
        self, index: np.ndarray, texts: Sequence[str], labels: np.ndarray
    ) -> TextDataset:
        """A copy with the samples at ``index`` replaced by ``texts`` and ``labels``."""
        new_texts = list(self.texts)
        new_y = self.y.clone()
        for i, text, label in zip(index, texts, labels, strict=True):
            new_texts[int(i)] = text
            new_y[int(i)] = int(label)
        return replace(self, texts=tuple(new_texts), y=new_y)

    def appended(self, texts: Sequence[str], labels: np.ndarray) -> TextDataset:
        """A copy with ``texts`` / ``labels`` added after the last sample (same encoder)."""
        extra = torch.as_tensor(np.asarray(labels, dtype=np.int64))
        if len(texts) != len(extra):
            raise ValueError("appended: texts and labels differ in length")
        return replace(self, texts=(*self.texts, *texts), y=torch.cat([self.y, extra]))


def is_text(data: object) -> bool:
    """Whether ``data`` is a text dataset (or a view over one)."""
    while data is not None:
        if getattr(data, "modality", None) == MODALITY:
            return True
        data = getattr(data, "base", None)
    return False


def make_text_dataset(
    texts: Sequence[str],
    labels: Sequence[int] | np.ndarray,
    *,
    class_names: Sequence[str] | None = None,
    name: str = "text",
    source: str = "",
) -> TextDataset:
    """Validate strings and integer labels and wrap them as a :class:`TextDataset`.

    Errors name ``source``: no samples, empty (or whitespace-only) texts, lengths that differ,
    labels outside ``[0, K)``, fewer than two classes present.
    """
    where = source or name
    texts = [str(t) for t in texts]
    y = np.asarray(labels)
    if len(texts) == 0:
        raise UserInputError(f"{where}: the dataset is empty")
    if len(texts) != len(y):
        raise UserInputError(f"{where}: {len(texts)} texts but {len(y)} labels")
    empty = [i for i, t in enumerate(texts) if not t.strip()]
    if empty:
        raise UserInputError(
            f"{where}: {len(empty)} empty text(s) (first at row {empty[0] + 1}); "
            "remove them or fill them in"
        )
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise UserInputError(f"{where}: labels must be integers, got dtype {y.dtype}")
    k = len(class_names) if class_names is not None else int(y.max()) + 1
    if y.min() < 0 or y.max() >= k:
        raise UserInputError(
            f"{where}: labels must lie in [0, {k - 1}], found [{y.min()}, {y.max()}]"
        )
    present = np.unique(y)
    names = tuple(class_names) if class_names is not None else tuple(str(i) for i in range(k))
    if len(present) < 2:
        raise UserInputError(
            f"{where}: the label column holds one class only ({names[int(present[0])]!r}); "
            "need at least 2"
        )
    return TextDataset(tuple(texts), torch.tensor(y.astype(np.int64)), names, name, where)


def select_text_split(full: TextDataset, split: str, test_fraction: float) -> TextDataset:
    """The fixed stratified split (seed 0) ``train``/``test`` of ``full``, or ``all``."""
    check_split(split)
    if split == "all":
        return replace(full, name=f"{full.name}:all")
    train, test = stratified_split(full.y.numpy(), test_fraction, 0)
    idx = train if split == "train" else test
    if len(idx) == 0:
        raise UserInputError(
            f"{full.source or full.name}: too few samples per class for a {split} split"
        )
    return full.subset(idx, name=f"{full.name}:{split}")
