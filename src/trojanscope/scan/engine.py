"""Dispatch: detect a stream's format from its first bytes and hand it to the right handler.
Archives and compressed streams recurse into their members up to the depth limit.

A format's magic bytes do not decide alone: pickle.load, torch.load (outside a zip),
numpy.load(allow_pickle=True) and joblib.load unpickle any stream that is not a zip, .npy or
compressed stream, whatever its first bytes. So every stream that can be read again from its
start (``reopen``) and is not one of those is also walked as a pickle; it is reported as one
when the walk imports a real-looking name or reaches STOP.
"""

from __future__ import annotations

import contextlib
import io
import logging
import pickletools
import tempfile
from collections.abc import Callable, Iterator
from typing import BinaryIO

from trojanscope.scan.compressed import BombError, CorruptStream, DecompressStream
from trojanscope.scan.context import Ctx
from trojanscope.scan.numpy_fmt import NpyError, descr_has_object, read_npy_header
from trojanscope.scan.pickle_machine import AnalysisLimit
from trojanscope.scan.pickle_scan import scan_pickle
from trojanscope.scan.sniff import format_of, sniff
from trojanscope.scan.stream import Reader, ReaderFile, Truncated

log = logging.getLogger(__name__)
# Compressions whose magic is long enough that a stream carrying it and failing to decode from
# its first byte is not a coincidence but content the scanner cannot read (so not safe).
_DISTINCT_MAGIC = frozenset({"gzip", "bzip2", "xz", "lz4", "zstd"})
_OPCODE_BYTES = frozenset(ord(op.code.encode("latin-1")) for op in pickletools.opcodes)
Reopen = Callable[[], BinaryIO]


def scan_stream(ctx: Ctx, raw: BinaryIO, size: int | None = None, name: str = "",
                reopen: Reopen | None = None, as_pickle: bool = False) -> str:
    """Scan one stream (a file, an archive member, a decompressed payload); returns its kind.

    ``reopen`` gives the same stream again from its start, for the pickle walk of content
    whose magic bytes say otherwise; ``as_pickle`` forces the pickle walk (a torch zip's
    ``.pkl`` members). Handlers report through ``ctx``; an unexpected failure becomes a
    TS999 finding instead of stopping the scan.
    """
    reader = Reader(raw)
    try:
        kind = "pickle" if as_pickle else sniff(reader.peek(1024), name, size)
    except OSError as exc:
        ctx.add("TS900", f"cannot read: {exc}")
        return "error"
    found = _guarded(ctx, kind, reader, raw, size, name, reopen)
    if reopen is not None and walk_as_pickle_too(kind):
        found = _also_pickle(ctx, reopen, found)
    if reopen is not None and kind != "hdf5":
        _also_hdf5(ctx, reopen, size, name)
    return found


def _also_hdf5(ctx: Ctx, reopen: Reopen, size: int | None, name: str) -> None:
    """Scan the stream as HDF5 too when libhdf5 would find its superblock behind a user block
    (see :mod:`trojanscope.scan.hdf5_userblock`)."""
    from trojanscope.scan.hdf5_userblock import named_hdf5, superblock_offset

    try:
        with contextlib.closing(reopen()) as raw:  # a stream that cannot seek is read forward:
            offset = superblock_offset(raw, size, ctx.check_time,  # 1 MiB unless so named
                                       forward_limit=(64 << 20) if named_hdf5(name)
                                       else (1 << 20))
    except AnalysisLimit as exc:
        ctx.add("TS182", f"not checked for an HDF5 file behind a user block: {exc}",
                limit=str(exc))
        return
    except (BombError, CorruptStream, Truncated, OSError, ValueError):
        return  # the first pass reported what is wrong with the stream
    if offset is None:
        return
    ctx.details["hdf5"] = f"HDF5 superblock at byte {offset} (behind a user block)"
    try:
        raw = reopen()
    except OSError:
        return
    with contextlib.closing(raw):
        _guarded(ctx, "hdf5", Reader(raw), raw, size, name, reopen)


def _also_pickle(ctx: Ctx, reopen: Reopen, found: str) -> str:
    """Walk the stream as a pickle too (see the module docstring)."""
    try:
        raw = reopen()
    except OSError:
        return found
    with contextlib.closing(raw):
        reader = Reader(raw)
        try:
            head = reader.peek(1)
            if not head or head[0] not in _OPCODE_BYTES:
                return found
            if scan_pickle(ctx, reader, guess=True):
                ctx.note_kind("pickle")
                return "pickle" if found in ("unknown", "empty", "error") else found
        except AnalysisLimit as exc:
            ctx.add("TS182", f"content was not fully analysed as a pickle: {exc}")
        except (BombError, CorruptStream, Truncated, OSError):
            pass  # the first pass reported what is wrong with the stream
    return found


def _guarded(ctx: Ctx, kind: str, reader: Reader, raw: BinaryIO, size: int | None,
             name: str, reopen: Reopen | None) -> str:
    try:
        return _dispatch(ctx, kind, reader, raw, size, name, reopen)
    except AnalysisLimit as exc:
        ctx.add("TS182", f"{kind} content was not fully analysed: {exc}", limit=str(exc))
        return kind
    except (MemoryError, RecursionError) as exc:
        ctx.add("TS182", f"{kind} content was not fully analysed: {type(exc).__name__}",
                limit=type(exc).__name__)
        return kind
    except (BombError, CorruptStream, Truncated, OSError) as exc:
        rule = "TS201" if isinstance(exc, BombError) else "TS203"
        ctx.add(rule, f"{kind} content could not be read to the end: {exc}")
        return kind
    except Exception as exc:
        log.debug("scanner error", exc_info=True)
        ctx.add("TS999", f"scanner error on {kind} content: {type(exc).__name__}: {exc}")
        return kind


def scan_bytes(ctx: Ctx, data: bytes, name: str = "") -> str:
    return scan_stream(ctx, io.BytesIO(data), len(data), name, lambda: io.BytesIO(data))


def seekable_copy(ctx: Ctx, reader: Reader, raw: BinaryIO) -> BinaryIO:
    """A seekable stream with the same content: the source itself when it can seek, else an
    anonymous spooled copy (memory first, then an unnamed temp file) capped by the limits."""
    try:
        if raw.seekable():
            raw.seek(0)
            return raw
    except (OSError, ValueError, AttributeError):
        pass
    limit = ctx.policy.limits.max_expanded
    spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - returned open, closed with the scan
        max_size=min(ctx.policy.limits.max_memory_member, 32 << 20))
    src = ReaderFile(reader)
    total = 0
    while chunk := src.read(1 << 20):
        total += len(chunk)
        if total > limit:
            raise BombError(f"member larger than {limit} bytes", total, total)
        spool.write(chunk)
    spool.seek(0)
    return spool  # type: ignore[return-value]


@contextlib.contextmanager
def seekable(ctx: Ctx, reader: Reader, raw: BinaryIO) -> Iterator[BinaryIO]:
    """:func:`seekable_copy` for the length of a ``with`` block: a spooled copy is closed at
    its end (a copy of a member over 32 MiB is an open temporary file until then)."""
    f = seekable_copy(ctx, reader, raw)
    try:
        yield f
    finally:
        if f is not raw:
            f.close()


def _dispatch(ctx: Ctx, kind: str, reader: Reader, raw: BinaryIO, size: int | None,
              name: str, reopen: Reopen | None = None) -> str:
    """Hand the stream to its registered scan format (see :mod:`trojanscope.scan.formats`)."""
    fmt = format_of(kind)
    if fmt is None:
        return kind  # empty / unknown
    return fmt.scan(ctx, reader, raw, size, name, reopen)


def walk_as_pickle_too(kind: str) -> bool:
    """Whether content of ``kind`` is also walked as a pickle (its own scan did not cover it)."""
    if kind == "empty":
        return False
    fmt = format_of(kind)
    return fmt is None or not fmt.pickle_walked


def scan_compressed(ctx: Ctx, kind: str, reader: Reader, name: str,
                     reopen: Reopen | None) -> str:
    lim = ctx.policy.limits
    if ctx.depth + 1 > lim.max_depth:
        ctx.add("TS183", f"{kind} stream not opened: nesting depth limit {lim.max_depth}")
        return kind
    def expand(src: BinaryIO) -> DecompressStream:
        return DecompressStream(src, kind, lim.max_expanded, lim.max_ratio, lim.min_bomb_size,
                                ctx.budget)

    stream = expand(ReaderFile(reader))
    inner_reopen = None if reopen is None else (lambda: expand(reopen()))
    child = ctx.child(f"<{kind}>")
    at = len(ctx.kinds)
    try:
        inner = scan_stream_strict(child, stream, name, inner_reopen)
        if inner == "unknown":
            # content we do not parse: still expand a bounded prefix to catch bombs
            while stream.produced <= 2 * lim.min_bomb_size and stream.read(1 << 20):
                pass
    except BombError as exc:
        child.add("TS201", f"{kind} stream {exc} (read {exc.consumed} compressed bytes)",
                  produced=exc.produced, consumed=exc.consumed)
        inner = "unknown"
    except CorruptStream as exc:
        if stream.produced == 0:
            if kind in _DISTINCT_MAGIC:  # not a coincidence: a stream we cannot decode
                ctx.add("TS182", f"{kind} stream cannot be decompressed here: {exc}")
                ctx.note_kind(kind, at)
                return kind
            return "unknown"  # the magic bytes were a coincidence
        child.add("TS203", f"{kind} stream is damaged: {exc}")
        inner = "unknown"
    if inner == "unknown" and stream.produced == 0:
        return "unknown"
    ctx.note_kind(kind, at)
    return kind


def scan_stream_strict(ctx: Ctx, raw: BinaryIO, name: str = "",
                       reopen: Reopen | None = None) -> str:
    """Like :func:`scan_stream` but lets BombError/CorruptStream reach the caller, so the
    decompressing handler can report them where they happened."""
    reader = Reader(raw)
    try:
        head = reader.peek(1024)
    except CorruptStream:
        head = reader.buf[reader.i:]  # what came out before the damage is scanned too
        if not head:
            raise
    kind = sniff(head, name, None)
    try:
        found = _dispatch(ctx, kind, reader, raw, None, name, reopen)
        if reopen is not None and walk_as_pickle_too(kind):
            found = _also_pickle(ctx, reopen, found)
        if reopen is not None and kind != "hdf5":
            _also_hdf5(ctx, reopen, None, name)
        return found
    except (BombError, CorruptStream, AnalysisLimit):
        raise
    except (MemoryError, RecursionError) as exc:
        ctx.add("TS182", f"{kind} content was not fully analysed: {type(exc).__name__}",
                limit=type(exc).__name__)
        return kind
    except (Truncated, OSError) as exc:
        ctx.add("TS203", f"{kind} content could not be read to the end: {exc}")
        return kind
    except Exception as exc:
        log.debug("scanner error", exc_info=True)
        ctx.add("TS999", f"scanner error on {kind} content: {type(exc).__name__}: {exc}")
        return kind


def scan_npy(ctx: Ctx, reader: Reader) -> str:
    try:
        header = read_npy_header(reader)
    except (NpyError, Truncated) as exc:
        ctx.add("TS203", f"invalid .npy header: {exc}")
        return "npy"
    ctx.note_kind("npy")
    if descr_has_object(header.get("descr")):
        ctx.add("TS330", "NumPy array with object dtype: its data is a pickle (scanned)",
                offset=reader.pos, descr=str(header.get("descr")))
        scan_pickle(ctx, reader)
    return "npy"
