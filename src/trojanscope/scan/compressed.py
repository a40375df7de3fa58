"""Streaming decompression (gzip, bzip2, xz, lzma-alone, zlib, zip methods, and lz4 / zstd when
their packages are installed) with caps on the expanded size, the ratio and the time, so a
compression bomb stops early instead of filling memory."""

from __future__ import annotations

import bz2
import importlib
import io
import lzma
import zlib
from typing import Any, BinaryIO

from trojanscope.scan.budget import Budget

CHUNK = 1 << 16
# Output per call of a codec that cannot be copied (all but zlib): a corrupt spot loses only
# the output of the call that reaches it, so at most this much of what a loader reading in
# 8 KiB (or any) steps got before the spot goes unscanned.
STEP = 512

_MEMBER_MAGIC = {"gzip": b"\x1f\x8b"}
# Codecs whose loaders' file classes (bz2.BZ2File, lzma.LZMAFile, LZ4FrameFile, ZstdFile) read
# the next stream after one ends, whatever its first bytes, and stop quietly only when a fresh
# decompressor fails on its first call (the "trailing data" rule of ``_compression``).
_CONCATENATED = frozenset({"bzip2", "xz", "lzma", "lz4", "zstd"})


class BombError(Exception):
    """The stream expands beyond the allowed size or ratio."""

    def __init__(self, message: str, produced: int, consumed: int) -> None:
        super().__init__(message)
        self.produced, self.consumed = produced, consumed


class CorruptStream(Exception):
    """The compressed data is invalid or truncated."""


class Unsupported(Exception):
    """The compression format is known but no decompressor for it is installed."""


def _optional(*modules: str) -> Any:
    for name in modules:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


_MIN_DICT = 1 << 20  # the smallest dictionary a zip-lzma member is given (liblzma: 4 KiB)


class _ZipLzma:
    """A zip member compressed with method 14: a 4-byte header (version, properties size), the
    LZMA1 properties, then raw LZMA1 data. ``zipfile``'s own reader takes no output cap, so
    this one decodes the header and hands the rest to a capped raw decompressor.

    The end-of-stream marker is optional (zip flag bit 1): without it the data simply stops,
    and ``zipfile`` ends the member after its declared ``size`` bytes of output (np.load reads
    it so). Given ``size``, this reader therefore calls the member ``complete`` once that much
    came out: input ending there, or bytes after it that are not LZMA data, end the member
    instead of making it "truncated"/"corrupt" (which hid the payload). Output past the
    declared size is still read while it decodes, as before (another reader may read it)."""

    def __init__(self, size: int | None = None) -> None:
        self._head = b""
        self._d: lzma.LZMADecompressor | None = None
        self._left = size  # output still due under the declared size; None: unknown
        self._ended = False  # past the declared size, the rest did not decode: the end

    @property
    def eof(self) -> bool:
        return self._d is not None and (self._d.eof or self._ended)

    @property
    def complete(self) -> bool:
        """The declared size came out: the input may end here (no end marker)."""
        return self._d is not None and self._left is not None and self._left <= 0

    @property
    def needs_input(self) -> bool:
        return self._d is None or self._d.needs_input

    @property
    def unused_data(self) -> bytes:
        return b"" if self._d is None else self._d.unused_data

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        if self._d is None:
            self._head += data
            if len(self._head) < 4:
                return b""
            props_size = int.from_bytes(self._head[2:4], "little")
            if len(self._head) < 4 + props_size:
                return b""
            try:
                filt = lzma._decode_filter_properties(  # type: ignore[attr-defined]
                    lzma.FILTER_LZMA1, self._head[4:4 + props_size])
            except (lzma.LZMAError, ValueError) as exc:
                raise lzma.LZMAError(f"bad zip-lzma properties: {exc}") from None
            if self._left is not None:  # a member never refers further back than its own
                # size: a larger dictionary in the properties only makes liblzma allocate it
                filt["dict_size"] = min(filt["dict_size"], max(self._left, _MIN_DICT))
            self._d = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[filt])
            data, self._head = self._head[4 + props_size:], b""
        if self._left is None:
            return self._d.decompress(data, max_length=max_length)
        if self._left > 0:  # stop at the declared size, so that bytes after it cannot spoil it
            out = self._d.decompress(data, max_length=self._left if max_length < 0
                                     else min(max_length, self._left))
            self._left -= len(out)
            return out
        try:
            return self._d.decompress(data, max_length=max_length)
        except lzma.LZMAError:
            self._ended = True
            return b""


def can_open(kind: str) -> bool:
    """Is a decompressor for ``kind`` available here (lz4 and zstd are optional packages)?"""
    try:
        new_decompressor(kind)
    except Unsupported:
        return False
    return True


def new_decompressor(kind: str, size: int | None = None) -> Any:
    """A fresh decompressor for ``kind``; ``size`` (the declared output size) ends a zip LZMA
    member that has no end marker."""
    if kind == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if kind == "zlib":
        return zlib.decompressobj()
    if kind == "deflate":
        return zlib.decompressobj(-zlib.MAX_WBITS)
    if kind == "bzip2":
        return bz2.BZ2Decompressor()
    if kind == "xz":
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    if kind == "lzma":
        return lzma.LZMADecompressor(format=lzma.FORMAT_ALONE)
    if kind == "lzma-auto":  # a stream after an xz/.lzma one: LZMAFile reads either format
        return lzma.LZMADecompressor(format=lzma.FORMAT_AUTO)
    if kind == "zip-lzma":
        return _ZipLzma(size)
    if kind == "lz4":
        lz4 = _optional("lz4.frame")
        if lz4 is None:
            raise Unsupported("lz4 content cannot be opened: the lz4 package is not installed")
        return lz4.LZ4FrameDecompressor()
    if kind == "zstd":
        zstd = _optional("compression.zstd", "backports.zstd")
        if zstd is None:
            raise Unsupported("zstd content cannot be opened: no zstd decompressor installed")
        return zstd.ZstdDecompressor()
    raise ValueError(f"unsupported compression {kind}")


class DecompressStream(io.RawIOBase):
    """Read-only decompressed view of ``src``. Raises :class:`BombError` once more than
    ``max_out`` bytes come out, or when the ratio passes ``max_ratio`` beyond ``min_bomb``."""

    def __init__(self, src: BinaryIO, kind: str, max_out: int, max_ratio: int = 200,
                 min_bomb: int = 100 << 20, budget: Budget | None = None,
                 size: int | None = None) -> None:
        self.src, self.kind = src, kind
        self.budget = budget
        self.d = new_decompressor(kind, size)
        self.max_out, self.max_ratio, self.min_bomb = max_out, max_ratio, min_bomb
        self.consumed = self.produced = 0
        self.pending = b""
        self.done = False
        self._zlib = kind in ("gzip", "zlib", "deflate")
        self.broken: CorruptStream | None = None  # raised once the salvaged output is read
        self._fresh = False  # a stream after the first, nothing decoded from it yet

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Close the compressed source too: it may be the file reopened from disk for the
        second (pickle) walk, which stayed open when the stream turned out damaged."""
        if not self.closed:
            try:
                self.src.close()
            finally:
                super().close()

    def _salvage(self, snapshot: Any, data: bytes, want: int) -> bytes:
        """The output the bytes before a corrupt spot (a bad CRC at the end) produce: loaders
        stream it to the unpickler before they see the error."""
        self.d = snapshot
        out = b""
        for i in range(0, len(data), 16):
            try:
                out += self.d.decompress(data[i:i + 16], max(want - len(out), 1))
            except zlib.error:
                break
            if len(out) >= want:
                break
        return out

    def _more(self, want: int) -> bytes:
        if self.broken is not None:
            raise self.broken
        while not self.done:
            self._in_time()
            if self.pending or getattr(self.d, "needs_input", True) is False:
                data, self.pending = self.pending, b""
            else:
                data = self.src.read(CHUNK)
                self.consumed += len(data)
                if not data:
                    if self._zlib and not self.d.eof:
                        # all input used, but zlib may still hold output (a long run of a
                        # repeated byte at the end): drain it before calling it truncated
                        try:
                            out = self.d.decompress(b"", want)
                        except zlib.error as exc:  # the held output was bad data after all
                            raise CorruptStream(f"{self.kind} data is corrupt: {exc}") from None
                        self.pending = self.d.unconsumed_tail
                        if out:
                            self.produced += len(out)
                            self._check()
                            return out
                    if not getattr(self.d, "eof", True) and not getattr(self.d, "complete",
                                                                         False):
                        raise CorruptStream(f"{self.kind} stream is truncated")
                    self.done = True
                    return b""
            snapshot = self.d.copy() if self._zlib else None
            try:
                if self._zlib:
                    out = self.d.decompress(data, want)
                    self.pending = self.d.unconsumed_tail
                else:  # small steps: see STEP
                    out = self._stepped(data, want)
            except MemoryError:
                raise
            except Exception as exc:  # whatever the codec raises on bad data (lz4: RuntimeError,
                # zstd: ZstdError) is a corrupt stream, never a scanner error
                if self._fresh:  # not a stream after all: the loaders ignore trailing data
                    self.done, self.pending = True, b""
                    return b""
                error = CorruptStream(f"{self.kind} data is corrupt: {exc}")
                out = self._salvage(snapshot, data, want) if snapshot is not None else b""
                if not out:
                    raise error from None
                self.broken, self.pending = error, b""
                self.produced += len(out)
                return out
            self._fresh = self._fresh and not out
            if getattr(self.d, "eof", False):
                self._next_stream()
            if out:
                self.produced += len(out)
                self._check()
                return out
        return b""

    def _stepped(self, data: bytes, want: int) -> bytes:
        """Up to ``want`` bytes, decoded in calls of at most STEP bytes each (one call per read
        made a 16 MB read of the caller cost 32,768 reads, each allocating 16 MB: a scan of a
        16 MB compressed pickle took a minute). A codec error once some output came keeps
        that output; the error is raised on the next read."""
        want = min(want, max(self.max_out - self.produced + 1, 1))  # a bomb stops at its cap
        out = bytearray()
        while True:
            try:
                out += self.d.decompress(data, max_length=min(want - len(out), STEP))
            except MemoryError:
                raise
            except Exception as exc:  # as in _more: any codec error is a corrupt stream
                if not out:
                    raise
                self.broken = CorruptStream(f"{self.kind} data is corrupt: {exc}")
                return bytes(out)
            data = b""
            if len(out) >= want or getattr(self.d, "eof", False) or \
                    getattr(self.d, "needs_input", True):
                return bytes(out)

    def _next_stream(self) -> None:
        """One stream ended: go on to a concatenated one as the loaders do (a gzip member
        must start with the magic; the other codecs try a fresh decompressor), else done. The
        rest may start in the next read of the source (a stream that ends a 64 KiB chunk)."""
        rest = self.d.unused_data or b""  # lz4 says None
        if not rest and self.pending:
            rest, self.pending = self.pending, b""
        if not rest:
            rest = self.src.read(CHUNK)
            self.consumed += len(rest)
        if self.kind == "gzip":
            rest = self._gzip_rest(rest)
        if self.kind in _CONCATENATED and rest:
            self.d = new_decompressor("lzma-auto" if self.kind in ("xz", "lzma") else self.kind)
            self.pending, self._fresh = rest, True
        elif rest.startswith(_MEMBER_MAGIC.get(self.kind, b"\0never")):
            self.d = new_decompressor(self.kind)
            self.pending = rest
        else:
            self.done = True

    def _gzip_rest(self, rest: bytes) -> bytes:
        """What follows a gzip member, as ``gzip.GzipFile`` reads it: zero bytes between
        members are padding (skipped, however many), and the next member's 2-byte magic may
        start at the very end of a read chunk."""
        while True:
            rest = rest.lstrip(b"\0")
            if len(rest) >= len(_MEMBER_MAGIC["gzip"]):
                return rest
            self._in_time()
            more = self.src.read(CHUNK)
            self.consumed += len(more)
            if not more:
                return rest
            rest += more

    def _in_time(self) -> None:
        if self.budget is not None:
            self.budget.check("while decompressing, ")

    def _check(self) -> None:
        if self.produced > self.max_out:
            raise BombError(f"expands beyond {self.max_out} bytes", self.produced,
                            self.consumed)
        used = self.consumed - len(self.pending)  # input the decompressor actually used
        if self.produced > self.min_bomb and self.produced > self.max_ratio * max(used, 1):
            raise BombError(f"expands more than {self.max_ratio}:1", self.produced,
                            self.consumed)

    def readinto(self, b: Any) -> int:
        out = self._more(len(b))
        b[: len(out)] = out
        return len(out)
