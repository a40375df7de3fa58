"""Turn command-line paths into the files to scan: folders recursively, symlink loops cut,
links to folders outside the scanned tree not followed (reported), special files (FIFOs,
devices) skipped, unreadable entries reported rather than fatal."""

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
    outside_link: str | None = None  # a link to a folder outside the tree: its target


def iter_files(paths: Iterable[str | Path]) -> Iterator[Entry]:
    """Every file under ``paths`` in a stable order; missing top-level paths are an error."""
    seen_dirs: set[tuple[int, int]] = set()
    for p in paths:
        path = Path(p)
        if not path.exists() and not path.is_symlink():
            raise UserInputError(f"{path}: no such file or folder")
        if path.is_dir():
            yield from _walk(path, seen_dirs, Path(os.path.realpath(path)))
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


def is_inside(target: Path, tree: Path) -> bool:
    """Whether the resolved path ``target`` is ``tree`` or lies under it."""
    return target == tree or tree in target.parents


def _walk(root: Path, seen: set[tuple[int, int]], tree: Path) -> Iterator[Entry]:
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
            if child.name in SKIP_DIRS:
                continue
            if child.is_symlink():
                target = Path(os.path.realpath(path))
                if not is_inside(target, tree):
                    yield Entry(path, f"link to a folder outside the scanned tree ({target}); "
                                "not followed", special=True, outside_link=str(target))
                    continue
            yield from _walk(path, seen, tree)
        else:
            yield _entry(path)
