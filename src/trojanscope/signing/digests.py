"""SHA-256 digests of every file in a model folder, hashed in streaming chunks and in parallel."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from trojanscope.errors import UserInputError
from trojanscope.io.hashing import sha256_file

DEFAULT_IGNORE = (".git", ".gitattributes", ".github", ".gitignore")


def list_files(root: Path, ignore: Iterable[str] = ()) -> list[str]:
    """Relative POSIX paths of the regular files under ``root`` (symlinked files followed,
    symlinked folders not), minus ``ignore`` (exact relative paths or top-level names)."""
    if not root.is_dir():
        raise UserInputError(f"{root}: not a folder")
    skip = set(DEFAULT_IGNORE) | {str(p) for p in ignore}
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if (rel_dir / d).as_posix() not in skip
                             and d not in DEFAULT_IGNORE)
        for name in filenames:
            rel = (rel_dir / name).as_posix()
            if rel in skip or name in DEFAULT_IGNORE:
                continue
            if (Path(dirpath) / name).is_file():
                out.append(rel)
    return sorted(out)


def hash_tree(root: Path, ignore: Iterable[str] = (), workers: int | None = None) -> dict[str, str]:
    """``{relative path: sha256 hex}`` for every file under ``root``."""
    files = list_files(root, ignore)
    workers = workers or min(32, (os.cpu_count() or 2) * 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        digests = list(pool.map(lambda rel: sha256_file(root / rel), files))
    return dict(zip(files, digests, strict=True))


def root_digest(digests: dict[str, str]) -> str:
    """One SHA-256 for a folder: over the per-file digests in path order (the signed subject)."""
    return hashlib.sha256(b"".join(bytes.fromhex(digests[n]) for n in sorted(digests))).hexdigest()
