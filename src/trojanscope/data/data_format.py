"""What a reader of user data on disk provides (registry kind ``data-format``).

A format recognises its files or folders by content and layout (never by name alone) and loads
a split of them. :func:`trojanscope.data.files.load_path` tries the registered formats in their
``order``; a new format is one module with one registered subclass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from trojanscope.data.dataset import TensorDataset


class DataFormat(ABC):
    """A kind of user data on disk: ``matches`` recognises it, ``load`` reads a split."""

    order: int = 100  # formats are tried in this order (a more specific format first)
    description: str = ""  # one line for error messages and docs

    @abstractmethod
    def matches(self, path: Path) -> bool:
        """Whether ``path`` is data of this format (checked by content and layout)."""

    @abstractmethod
    def load(self, path: Path, split: str) -> TensorDataset:
        """The ``train``, ``test`` or ``all`` split of the data at ``path``."""
