"""JSON files a user hands us, read with a size cap and without letting deep nesting escape
as a ``RecursionError`` (``[[[[…`` a few thousand deep stops Python's decoder that way): every
problem is a ``ValueError`` the callers already turn into one clear error line."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

__all__ = ["MAX_JSON_BYTES", "dumps", "load_json", "loads", "strict"]

MAX_JSON_BYTES = 16 << 20  # manifests, configs, indexes are small; a larger one is not read


def strict(value: Any) -> Any:
    """``value`` with every NaN or infinite float (Python or NumPy) as ``None``: JSON has no
    NaN, and ``json.dumps`` would write the bare word ``NaN`` that strict readers (``jq``,
    JavaScript, most languages' parsers) refuse, e.g. ``zoo eval``'s target accuracy over no
    flagged model."""
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`strict` ``value``: always valid JSON (``allow_nan=False``)."""
    return json.dumps(strict(value), allow_nan=False, **kwargs)


def loads(text: str | bytes) -> Any:
    """``json.loads`` whose nesting limit is a ``ValueError``."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def load_json(path: str | Path, limit: int = MAX_JSON_BYTES) -> Any:
    """The JSON value in ``path``; ``ValueError`` when it is larger than ``limit`` bytes, not
    UTF-8 or not JSON (``OSError`` and ``FileNotFoundError`` as :func:`open` raises them)."""
    path = Path(path)
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"more than the {limit:,}-byte limit for a JSON file")
    return loads(data.decode("utf-8"))
