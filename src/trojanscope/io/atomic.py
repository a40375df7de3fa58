"""Atomic writes: a failure never leaves a half-written file or output folder behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trojanscope.errors import UserInputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _cannot_write(path: Path, exc: OSError, option: str | None = None) -> UserInputError:
    """An error that names the user's path (never our temporary file) and the reason."""
    what = f"{option} {path}" if option else str(path)
    return UserInputError(f"cannot write {what}: {exc.strerror or exc}")


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _check_creatable(path: Path, option: str | None) -> None:
    """Refuse ``path`` when its nearest existing ancestor is not a writable folder (a read-only
    file system or missing permissions), so that long work does not start for nothing."""
    base = _nearest_existing(path.parent)
    what = f"{option} {path}" if option else str(path)
    if not base.is_dir():
        raise UserInputError(f"cannot write {what}: {base} is not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        reason = "read-only file system" if _read_only_fs(base) else "permission denied"
        raise UserInputError(f"cannot write {what}: {base} is not writable ({reason})")


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:  # pragma: no cover - statvfs is there on every POSIX system
        return False


def check_output_file(path: str | Path, option: str = "--output") -> Path:
    """Refuse an output file that cannot be written (a folder, an unwritable place); call before
    any expensive work."""
    path = Path(path)
    _refuse_folder(path, option)
    _check_creatable(path, option)  # the file is replaced by a rename: its folder must be writable
    return path


def _refuse_folder(path: Path, option: str | None) -> None:
    if path.is_dir():
        what = f"{option} {path}" if option else str(path)
        raise UserInputError(f"{what} is a folder; give a file name")


def write_bytes_atomic(path: str | Path, data: bytes, option: str | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    _refuse_folder(path, option)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _cannot_write(path, exc, option) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _cannot_write(path, exc, option) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str, option: str | None = None) -> None:
    """Text version of :func:`write_bytes_atomic` (UTF-8)."""
    write_bytes_atomic(path, text.encode("utf-8"), option)


def check_output_dir(out: str | Path, force: bool, option: str = "--out") -> Path:
    """Refuse an existing non-empty ``out`` unless ``force``, and a place where the folder cannot
    be created; call before any expensive work."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserInputError(f"{option} {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UserInputError(f"{option} {out} exists and is not empty; use --force to replace it")
    _check_creatable(out, option)  # the folder is written beside itself, then renamed
    return out


@contextmanager
def atomic_dir(out: str | Path, force: bool = False, option: str = "--out") -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success it replaces ``out`` in one rename.

    On any error the temporary folder is removed and ``out`` is left as it was.
    """
    out = check_output_dir(out, force, option)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    except OSError as exc:
        raise _cannot_write(out, exc, option) from exc
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp creates 0700
        yield tmp
        for child in tmp.iterdir():
            if child.is_file():
                os.chmod(child, 0o666 & ~_umask())
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if exc.filename and Path(exc.filename).is_relative_to(tmp):
            raise _cannot_write(out, exc, option) from exc
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
