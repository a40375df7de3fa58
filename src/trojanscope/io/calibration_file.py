"""A calibration file's outer form, read without torch: the loader
(:func:`trojanscope.detect.calibration.load_calibrators`) and the CLI's early refusal
(:mod:`trojanscope.cli.early_calibration`, before torch's imports) word it the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHAPE = "expected an object of calibrator objects"


def missing_words(path: str | Path) -> str:
    """The error line for a calibration file that does not exist."""
    return f"{path}: no such calibration file"


def entries_of(raw: Any) -> dict[str, dict]:
    """``raw`` (a parsed calibration file) where it is an object of objects; ``ValueError``
    (:data:`SHAPE`) otherwise."""
    if not isinstance(raw, dict) or not all(isinstance(c, dict) for c in raw.values()):
        raise ValueError(SHAPE)
    return raw
