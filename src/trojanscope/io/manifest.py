"""``manifest.json``: what a saved model is, how it was made and what it scored.

Written by ``trojanscope attack``/``train`` beside ``model.safetensors``; read back to rebuild
the architecture and by later tools (detect, audit, bom). Validated with pydantic so a
hand-edited or hostile manifest fails with a clear message instead of a crash.
"""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trojanscope.errors import UserInputError
from trojanscope.io.json_file import load_json

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION = 1


class ArchSpec(BaseModel):
    """The registered architecture name and its constructor arguments."""

    model_config = ConfigDict(extra="forbid")
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class AttackSpec(BaseModel):
    """The attack as planted: names, parameters, target mapping and the exact poison count."""

    model_config = ConfigDict(extra="allow")
    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    trigger: dict[str, Any] = Field(default_factory=dict)
    mapping: str = "all-to-one"
    target: int | None = None
    target_of_class: list[int] = Field(default_factory=list)
    poison_rate: float
    poison_count: int
    clean_label: bool = False


class Manifest(BaseModel):
    """Everything needed to rebuild, reproduce and audit a saved model."""

    model_config = ConfigDict(extra="allow")
    schema_version: int = SCHEMA_VERSION
    kind: str = "model"
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    arch: ArchSpec
    input_shape: list[int]
    value_range: list[float] = Field(default_factory=lambda: [0.0, 1.0])
    class_names: list[str]
    dataset: dict[str, Any] = Field(default_factory=dict)
    attack: AttackSpec | None = None
    training: dict[str, Any] = Field(default_factory=dict)
    seed: int | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    files: dict[str, str] = Field(default_factory=dict, description="file name -> SHA-256")
    versions: dict[str, str] = Field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def library_versions() -> dict[str, str]:
    """Versions that matter for reproducing a model."""
    import numpy
    import safetensors
    import torch

    from trojanscope import __version__

    return {
        "trojanscope": __version__,
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "safetensors": safetensors.__version__,
        "python": platform.python_version(),
    }


def read_manifest(path: str | Path) -> Manifest:
    """Parse and validate a ``manifest.json`` (a file, or a folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        raw = load_json(path)  # size-capped; deep nesting is a ValueError
    except FileNotFoundError:
        raise UserInputError(f"{path}: no manifest.json found") from None
    except (OSError, ValueError) as exc:
        raise UserInputError(f"{path}: not a readable JSON manifest ({exc})") from None
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise UserInputError(f"{path}: invalid manifest: {where}: {first['msg']}") from None
