"""File formats the scanner recognises (registry kind ``scan-format``).

A format says whether a stream's first bytes are its own (``matches``; the scanner tries the
formats in their ``order`` and takes the first that matches) and scans such a stream
(``scan``), reporting through the scan context. A new format is one module with one registered
:class:`ScanFormat` subclass. Whatever a stream's format, the scanner also walks it as a pickle
when a loader might unpickle it (see :mod:`trojanscope.scan.engine`); ``pickle_walked`` marks the
formats whose own scan already covers that.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO

from trojanscope.registry import register

if TYPE_CHECKING:
    from trojanscope.scan.context import Ctx
    from trojanscope.scan.stream import Reader

Reopen = Callable[[], BinaryIO]

# Opcodes a protocol 0/1 pickle can start with (a guess: confirmed by walking it).
_PICKLE0_START = set(b"(]})cilIFLSVNKJMGUTXBCdptq0")
_ONNX_SECOND_FIELD = {0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72}


class ScanFormat(ABC):
    """One file format: recognised by its first bytes (≥ 512 when the stream has them)."""

    order: int = 500  # formats are tried in this order; the first match wins
    pickle_walked: bool = False  # its own scan already covers what a pickle walk would find

    @abstractmethod
    def matches(self, head: bytes, name: str) -> bool:
        """Whether a stream starting with ``head`` (called ``name``) is of this format."""

    @abstractmethod
    def scan(self, ctx: Ctx, reader: Reader, raw: BinaryIO, size: int | None, name: str,
             reopen: Reopen | None) -> str:
        """Scan the stream; return the kind found (this format's name, or ``unknown``)."""


def _magic(*prefixes: bytes) -> Callable[[bytes, str], bool]:
    return lambda head, name: head.startswith(prefixes)


@register("scan-format", "zip")
class ZipFormat(ScanFormat):
    """Zip archives: PyTorch checkpoints, Keras 3, joblib folders, .npz; every member scanned."""

    order = 10
    pickle_walked = True

    def matches(self, head: bytes, name: str) -> bool:
        return head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

    def scan(self, ctx, reader, raw, size, name, reopen):
        from trojanscope.scan.archives import scan_zip
        from trojanscope.scan.engine import seekable

        with seekable(ctx, reader, raw) as f:
            return scan_zip(ctx, f)


@register("scan-format", "npy")
class NpyFormat(ScanFormat):
    """NumPy .npy arrays: the header is parsed; object arrays carry a pickle, which is scanned."""

    order = 20
    pickle_walked = True

    def matches(self, head: bytes, name: str) -> bool:
        return head.startswith(b"\x93NUMPY")

    def scan(self, ctx, reader, raw, size, name, reopen):
        from trojanscope.scan.engine import scan_npy

        return scan_npy(ctx, reader)


class CompressedFormat(ScanFormat):
    """A compressed stream (as joblib writes them): expanded under bomb limits and scanned."""

    kind = ""

    def scan(self, ctx, reader, raw, size, name, reopen):
        from trojanscope.scan.compressed import can_open
        from trojanscope.scan.engine import scan_compressed

        if not can_open(self.kind):
            ctx.add("TS182", f"{self.kind}-compressed content cannot be opened here (install "
                    f"the {self.kind} package); loaders such as joblib would decompress and run "
                    "it")
            ctx.note_kind(self.kind)
            return self.kind
        return scan_compressed(ctx, self.kind, reader, name, reopen)


@register("scan-format", "gzip")
class GzipFormat(CompressedFormat):
    """gzip-compressed streams."""

    kind, order, pickle_walked = "gzip", 30, True

    def matches(self, head: bytes, name: str) -> bool:
        return head.startswith(b"\x1f\x8b")


@register("scan-format", "bzip2")
class Bzip2Format(CompressedFormat):
    """bzip2-compressed streams."""

    kind, order = "bzip2", 40

    def matches(self, head: bytes, name: str) -> bool:
        return head.startswith(b"BZh") and len(head) > 3 and 0x31 <= head[3] <= 0x39


@register("scan-format", "xz")
class XzFormat(CompressedFormat):
    """xz-compressed streams."""

    kind, order, pickle_walked = "xz", 50, True

    def matches(self, head: bytes, name: str) -> bool:
        return head.startswith(b"\xfd7zXZ\x00")


@register("scan-format", "7z")
class SevenZipFormat(ScanFormat):
    """7-Zip archives: members expanded under a shared memory budget and scanned."""

    order = 60

    def matches(self, head: bytes, name: str) -> bool:
        return head.startswith(b"7z\xbc\xaf\x27\x1c")

    def scan(self, ctx, reader, raw, size, name, reopen):
        from trojanscope.scan.archives import scan_7z
        from trojanscope.scan.engine import seekable

        with seekable(ctx, reader, raw) as f:
            return scan_7z(ctx, f)


@register("scan-format", "hdf5")
class Hdf5Format(ScanFormat):
    """HDF5 files (Keras .h5): the model config is checked for Lambda layers (code)."""

    order = 70

    def matches(self, head: bytes, name: str) -> bool:
        return head.startswith(b"\x89HDF\r\n\x1a\n")

    def scan(self, ctx, reader, raw, size, name, reopen):
        from trojanscope.scan.engine import seekable
        from trojanscope.scan.keras_fmt import scan_hdf5

        with seekable(ctx, reader, raw) as f:
            return scan_hdf5(ctx, f)


@register("scan-format", "gguf")
class GgufFormat(ScanFormat):
    """GGUF model files (llama.cpp): no code; recorded."""

    order = 80

    def matches(self, head: bytes, name: str) -> bool:
        return head.startswith(b"GGUF")

    def scan(self, ctx, reader, raw, size, name, reopen):
        ctx.note_kind("gguf")
        return "gguf"


_LZ4_MAGIC, _ZSTD_MAGIC = b"\x04\x22\x4d\x18", b"\x28\xb5\x2f\xfd"
_ZST_NAMES = (".zst", ".zstd")


def _skippable(magic: bytes) -> bool:
    """A skippable frame (0x184D2A50-5F): lz4 and zstd readers both pass over it."""
    return len(magic) == 4 and magic[1:] == b"\x2a\x4d\x18" and magic[0] & 0xF0 == 0x50


def _frame_magic(head: bytes) -> bytes | None:
    """The magic of the first frame that is not a skippable one; None: not within ``head``."""
    while _skippable(head[:4]):
        if len(head) < 8:
            return None
        head = head[8 + int.from_bytes(head[4:8], "little"):]
    return head[:4] if len(head) >= 4 else None


def _lz4_or_zstd(head: bytes, name: str, magic: bytes) -> bool:
    """``head`` starts a ``magic`` stream, perhaps after skippable frames (LZ4FrameFile and
    ZstdFile skip them and read the payload after: a file starting with one was no lz4/zstd
    at all to the scanner). Skippable frames longer than ``head``: zstd if so named, else lz4."""
    if head[:4] == magic:
        return True
    if not _skippable(head[:4]):
        return False
    found = _frame_magic(head)
    if found is not None:
        return found == magic
    return name.lower().endswith(_ZST_NAMES) == (magic == _ZSTD_MAGIC)


@register("scan-format", "lz4")
class Lz4Format(CompressedFormat):
    """lz4-compressed streams (opened when the lz4 package is installed; else high)."""

    kind, order, pickle_walked = "lz4", 90, True

    def matches(self, head: bytes, name: str) -> bool:
        return _lz4_or_zstd(head, name, _LZ4_MAGIC)


@register("scan-format", "zstd")
class ZstdFormat(CompressedFormat):
    """Zstandard-compressed streams (opened when a zstd decompressor is installed)."""

    kind, order = "zstd", 100

    def matches(self, head: bytes, name: str) -> bool:
        return _lz4_or_zstd(head, name, _ZSTD_MAGIC)


@register("scan-format", "tar")
class TarFormat(ScanFormat):
    """Tar archives: members walked (links and paths checked), never extracted."""

    order = 110

    def matches(self, head: bytes, name: str) -> bool:
        return len(head) >= 262 and head[257:262] == b"ustar"

    def scan(self, ctx, reader, raw, size, name, reopen):
        from trojanscope.scan.archives import scan_tar
        from trojanscope.scan.stream import ReaderFile

        return scan_tar(ctx, ReaderFile(reader))


class _PickleBase(ScanFormat):
    pickle_walked = True
    guess = False

    def scan(self, ctx, reader, raw, size, name, reopen):
        from trojanscope.scan.pickle_scan import scan_pickle

        if scan_pickle(ctx, reader, guess=self.guess):
            ctx.note_kind("pickle")
            return "pickle"
        return "unknown"


@register("scan-format", "pickle")
class PickleFormat(_PickleBase):
    """Pickles of protocol 2 and later (PROTO header): every import and call judged."""

    order = 120

    def matches(self, head: bytes, name: str) -> bool:
        # PROTO then a 0x00 byte (no opcode) is no pickle: it is how a safetensors file
        # whose header length is 0x80, 0x180, ... 0x580 bytes starts
        return head[0] == 0x80 and len(head) > 1 and head[1] <= 5 and head[2:3] != b"\x00"


@register("scan-format", "safetensors")
class SafetensorsFormat(ScanFormat):
    """safetensors files: the JSON header and tensor offsets are checked (no code)."""

    order = 130

    def matches(self, head: bytes, name: str) -> bool:
        return len(head) >= 9 and head[8:9] == b"{"

    def scan(self, ctx, reader, raw, size, name, reopen):
        from trojanscope.scan.safetensors_fmt import check_safetensors

        if check_safetensors(ctx, reader, size, name):
            ctx.note_kind("safetensors")
            return "safetensors"
        return "unknown"


@register("scan-format", "zlib")
class ZlibFormat(CompressedFormat):
    """zlib-compressed streams (joblib's default compression)."""

    kind, order, pickle_walked = "zlib", 140, True

    def matches(self, head: bytes, name: str) -> bool:
        return len(head) >= 2 and head[0] == 0x78 and ((head[0] << 8) | head[1]) % 31 == 0


@register("scan-format", "lzma")
class LzmaFormat(CompressedFormat):
    """Legacy .lzma streams."""

    kind, order = "lzma", 150

    def matches(self, head: bytes, name: str) -> bool:
        return head[:3] == b"\x5d\x00\x00" and len(head) >= 13


@register("scan-format", "onnx")
class OnnxFormat(ScanFormat):
    """ONNX models: external-data locations checked; large files read from the wire format."""

    order = 160

    def matches(self, head: bytes, name: str) -> bool:
        by_bytes = (len(head) >= 3 and head[0] == 0x08 and head[1] < 0x20
                    and head[2] in _ONNX_SECOND_FIELD)
        return by_bytes or name.lower().endswith(".onnx")  # ONNX has no magic number

    def scan(self, ctx, reader, raw, size, name, reopen):
        from trojanscope.scan.onnx_fmt import scan_onnx

        return scan_onnx(ctx, reader, size)


@register("scan-format", "pickle-text")
class TextPickleFormat(_PickleBase):
    """What may be a protocol 0/1 pickle (no header): confirmed by walking it."""

    order = 170
    guess = True

    def matches(self, head: bytes, name: str) -> bool:
        return head[0] in _PICKLE0_START
