"""Model-folder layouts the scanner recognises (registry kind ``scan-layout``).

A layout says whether a folder is laid out its way (``matches``, from names and small
metadata files) and checks the folder as a whole (``scan``), on top of the per-file scan:
relations between files that no single file shows (code a config names, a tokenizer or
weights that do not fit the config, indexes pointing elsewhere). ``scan`` returns the
folder's description for the report (with a one-line ``summary``) and its findings, and may
mark the subjects of the files it read as scanned. A new layout is one registered class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from trojanscope.registry import register
from trojanscope.report.model import Finding, Subject
from trojanscope.scan.rules import Policy


class FolderLayout(ABC):
    """One kind of model folder; layouts are tried in ``order`` and every match runs."""

    order: int = 500

    @abstractmethod
    def matches(self, folder: Path) -> bool:
        """Whether ``folder`` is laid out this way (cheap: names and small JSON files)."""

    @abstractmethod
    def scan(self, folder: Path, policy: Policy,
             subjects: dict[str, Subject]) -> tuple[dict[str, Any], list[Finding]]:
        """The folder's description (with ``summary``) and the folder-level findings."""


@register("scan-layout", "huggingface")
class HuggingFaceLayout(FolderLayout):
    """Hugging Face model folders: auto_map remote code read with ast, tokenizer files, config
    against the safetensors headers, shard indexes and links leaving the folder."""

    order = 10

    def matches(self, folder: Path) -> bool:
        """A folder laid out as Hugging Face writes one (``io.hf_folder.is_hf_folder``: a
        trojanscope run without a ``config.json`` is not)."""
        from trojanscope.io.hf_folder import is_hf_folder

        return is_hf_folder(folder)

    def scan(self, folder, policy, subjects):
        from trojanscope.scan.hf_scan import scan_hf_folder

        return scan_hf_folder(folder, policy, subjects)
