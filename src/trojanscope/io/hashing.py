"""Streaming SHA-256 of files."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def sha256_file(path: str | Path, chunk_size: int = CHUNK) -> str:
    """Hex SHA-256 of a file, read in chunks so memory stays flat for any size."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()
