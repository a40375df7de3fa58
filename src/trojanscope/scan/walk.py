"""Turn command-line paths into the files to scan: folders recursively, symlink loops cut,
special files (FIFOs, devices) skipped, unreadable entries reported rather than fatal."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from trojanscope.errors import UserInputError

SKIP_DIRS = {".git", ".hg", ".svn"}


@dataclass(frozen=True)
class Entry:
    path: Path
    problem: str | None = None  # why it cannot be scanned (unreadable, special file…)
    special: bool = False


def iter_files(paths: Iterable[str | Path]) -> Iterator[Entry]:
    """Every file under ``paths`` in a stable order; missing top-level paths are an error."""
    seen_dirs: set[tuple[int, int]] = set()
    for p in paths:
        path = Path(p)
        if not path.exists() and not path.is_symlink():
            raise UserInputError(f"{path}: no such file or folder")
        if path.is_dir():
            yield from _walk(path, seen_dirs)
        else:
            yield _entry(path)


def _entry(path: Path) -> Entry:
    try:
        st = os.stat(path)
    except OSError as exc:
        return Entry(path, f"cannot stat: {exc.strerror or exc}")
    if not stat.S_ISREG(st.st_mode):
        return Entry(path, "not a regular file (FIFO, socket or device)", special=True)
    return Entry(path)


def _walk(root: Path, seen: set[tuple[int, int]]) -> Iterator[Entry]:
    try:
        st = os.stat(root)
    except OSError as exc:
        yield Entry(root, f"cannot stat folder: {exc.strerror or exc}")
        return
    key = (st.st_dev, st.st_ino)
    if key in seen:
        return  # symlink loop or a folder reached twice
    seen.add(key)
    try:
        with os.scandir(root) as it:
            children = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield Entry(root, f"cannot list folder: {exc.strerror or exc}")
        return
    for child in children:
        path = Path(child.path)
        try:
            is_dir = child.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = False
        if is_dir:
            if child.name not in SKIP_DIRS:
                yield from _walk(path, seen)
        else:
            yield _entry(path)
