"""HDF5 files behind a user block: libhdf5 looks for the superblock signature at byte 0, 512,
1024, 2048, … (every power of two from 512), so a file whose first bytes are anything at all
(a pickle, a zip header, zeros) is still an HDF5 file to ``h5py.File`` and to Keras's
``load_model`` when the signature sits at one of those offsets. Sniffing the first bytes misses
it; this probe finds it, so the file is scanned as HDF5 too (its Keras config checked)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, BinaryIO

SIGNATURE = b"\x89HDF\r\n\x1a\n"
FIRST_OFFSET = 512
_HDF5_NAMES = (".h5", ".hdf5", ".hdf", ".he5")
# what a compressed file's name ends in (its decompressed stream is scanned under that name)
_COMPRESSED_NAMES = (".gz", ".gzip", ".bz2", ".xz", ".lzma", ".lz4", ".zst", ".zstd", ".z")


def named_hdf5(name: str) -> bool:
    """Whether ``name`` is an HDF5 file's, also once compressed (``model.h5.gz``)."""
    name = name.lower()
    for suffix in _COMPRESSED_NAMES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.endswith(_HDF5_NAMES)


def _read_full(f: BinaryIO, n: int) -> bytes:
    """``n`` bytes or up to the end: a decompressing stream's ``read`` may hand back fewer
    (where one concatenated stream ends), which is not the end of the data."""
    out = b""
    while len(out) < n:
        part = f.read(n - len(out))
        if not part:
            break
        out += part
    return out


def _offsets(size: int | None) -> list[int] | None:
    if size is None:
        return None
    out, off = [], FIRST_OFFSET
    while off + len(SIGNATURE) <= size:
        out.append(off)
        off *= 2
    return out


def superblock_offset(f: BinaryIO, size: int | None, check: Callable[[], None] = lambda: None,
                      forward_limit: int = 64 << 20) -> int | None:
    """The first offset past 0 at which libhdf5 would find the HDF5 signature in ``f`` (read
    from its start), or None. A stream that cannot seek (a decompressed one: libhdf5 cannot
    open it as it is, only once written out) is read forward up to ``forward_limit`` bytes;
    ``check`` is called between probes (it raises at the time limit)."""
    offsets = _offsets(size)
    try:
        seekable = f.seekable()
    except (OSError, ValueError):
        seekable = False
    if seekable and offsets is not None:
        for off in offsets:
            check()
            f.seek(off)
            if _read_full(f, len(SIGNATURE)) == SIGNATURE:
                return off
        return None
    pos, target = 0, FIRST_OFFSET
    while target <= forward_limit:
        check()
        while pos < target:  # skip forward in bounded reads
            chunk = f.read(min(target - pos, 1 << 20))
            if not chunk:
                return None
            pos += len(chunk)
        head = _read_full(f, len(SIGNATURE))
        if head == SIGNATURE:
            return target
        if len(head) < len(SIGNATURE):
            return None
        pos += len(head)
        target *= 2
    return None


class SignatureWatch(io.RawIOBase):
    """``src`` passed through, noting whether the HDF5 signature sits at one of the offsets
    libhdf5 searches past 0: the probe of a stream that is read once and cannot be read
    again (a tar member too large to hold), at no extra read."""

    def __init__(self, src: BinaryIO) -> None:
        self.src, self.pos = src, 0
        self.target, self.head = FIRST_OFFSET, b""
        self.found: int | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.src.read(len(b))
        n = len(data)
        b[:n] = data
        start, self.pos = self.pos, self.pos + n
        while self.found is None and self.target + len(self.head) < self.pos:
            frm = self.target + len(self.head)
            self.head += data[frm - start:min(self.target + len(SIGNATURE), self.pos) - start]
            if len(self.head) < len(SIGNATURE):
                break
            if self.head == SIGNATURE:
                self.found = self.target
            self.head, self.target = b"", self.target * 2
        return n

    def finish(self, check: Callable[[], None] = lambda: None) -> int | None:
        """Read the rest (the caller reads on past it anyway) and give the offset found."""
        while self.found is None and self.read(1 << 20):
            check()
        return self.found


__all__ = ["SIGNATURE", "SignatureWatch", "named_hdf5", "superblock_offset"]
