"""Streaming SHA-256 of files (shared by model saving, signing and the BOM)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in chunks so memory stays flat for any size; hashlib
    releases the GIL while hashing, so several files hash in parallel threads."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
