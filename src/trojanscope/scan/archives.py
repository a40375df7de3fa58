"""Archives: zip (PyTorch, NumPy .npz, Keras v3 and any other), tar and 7z. Members are read in
memory or as streams, never extracted to disk; every member is detected by content and scanned.

The zip reader takes member offsets from the central directory but reads each member through
its own local header, ignoring the flag bits and CRCs that make Python's zipfile refuse a
member (tampered "encrypted" flags, CRC mismatches, differing names), as loaders do.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import tarfile
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO

from trojanscope.scan.compressed import DecompressStream
from trojanscope.scan.context import Ctx
from trojanscope.scan.stream import SliceFile
from trojanscope.scan.torchscript_code import archive_problems, is_code_member

_METHODS = {0: None, 8: "deflate", 12: "bzip2", 14: "zip-lzma"}
_TORCH_STORAGE = re.compile(r"(^|/)data/\d+$")
_DRIVE = re.compile(r"^[A-Za-z]:")


def path_escapes(name: str) -> bool:
    """True when extracting ``name`` could write outside the target folder."""
    norm = name.replace("\\", "/")
    if norm.startswith("/") or _DRIVE.match(norm) or "\x00" in norm:
        return True
    return posixpath.normpath(norm).split("/")[0] == ".."


@dataclass
class ZipEntry:
    name: str
    header_offset: int
    method: int
    flags: int
    compressed: int
    size: int
    is_dir: bool


def _central_directory(f: BinaryIO) -> list[ZipEntry]:
    with zipfile.ZipFile(f) as zf:
        # ``ZipInfo.is_dir`` indexes the name, which a malformed directory may leave empty
        return [ZipEntry(i.filename, i.header_offset, i.compress_type, i.flag_bits,
                         i.compress_size, i.file_size, i.filename.endswith("/"))
                for i in zf.infolist()]


def _local_headers(f: BinaryIO, limit: int) -> list[ZipEntry]:
    """Fallback when the central directory is unreadable: walk the local headers in order."""
    out: list[ZipEntry] = []
    f.seek(0)
    pos = 0
    while len(out) < limit:
        f.seek(pos)
        head = f.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            break
        (_, _, flags, method, _, _, _, csize, size, nlen, elen) = struct.unpack(
            "<4sHHHHHIIIHH", head)
        name = f.read(nlen).decode("utf-8", "replace")
        if flags & 0x08 and csize == 0:
            break  # sizes only in a data descriptor: cannot walk further safely
        out.append(ZipEntry(name, pos, method, flags, csize, size, name.endswith("/")))
        pos += 30 + nlen + elen + csize
    return out


def _zip_kind(names: list[str]) -> str:
    names = [n.lower() for n in names]  # torch's reader finds members whatever their case
    if any(n.endswith("data.pkl") for n in names) and any(
            n.endswith("version") or n.endswith("byteorder") for n in names):
        return "pytorch-zip"
    if names and all(n.endswith(".npy") for n in names):
        return "npz"
    if any(n == "config.json" for n in names) and any(n.endswith("metadata.json") for n in names):
        return "keras"
    return "zip"


def scan_zip(ctx: Ctx, f: BinaryIO) -> str:
    lim = ctx.policy.limits
    try:
        entries = _central_directory(f)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error, NotImplementedError):
        entries = _local_headers(f, lim.max_members)
        if not entries:
            ctx.add("TS203", "zip archive without a readable central directory or local header")
            return "zip"
        ctx.add("TS202", "zip central directory is unreadable; members were found through "
                "their local headers")
    kind = _zip_kind([e.name for e in entries])
    ctx.note_kind(kind)
    if ctx.depth + 1 > lim.max_depth:
        ctx.add("TS183", f"zip archive not opened: nesting depth limit {lim.max_depth}")
        return kind
    if len(entries) > lim.max_members:
        ctx.add("TS182", f"zip archive has {len(entries)} members; only the first "
                f"{lim.max_members} were examined")
    f.seek(0, io.SEEK_END)
    file_size = f.tell()
    entries, overlapping = _without_overlaps(entries[: lim.max_members])
    if overlapping:
        ctx.add("TS201", f"{len(overlapping)} zip entries overlap other entries' bytes (a "
                "non-recursive zip bomb, or two names for one content); each distinct local "
                "header was scanned", severity=ctx.policy.severity_of("TS201"),
                overlapping=overlapping[:20])
    for entry in entries:
        ctx.check_time()
        _scan_zip_member(ctx, f, entry, kind, file_size)
    if kind == "pytorch-zip" and any(is_code_member(e.name) or e.name.lower().endswith(
            "constants.pkl") for e in entries):
        _check_torchscript(ctx, f)
    return kind


def _without_overlaps(entries: list[ZipEntry]) -> tuple[list[ZipEntry], list[str]]:
    """One entry per local header, and the names of the entries that share a header or overlap
    another's bytes (reported as TS201).

    Several central-directory names pointing at one local header (a non-recursive zip bomb) are
    scanned once, under a ``.pkl`` name when one of them has it (that name makes torch unpickle
    the member). Entries that overlap another's bytes but have their own local header are still
    scanned: the central directory's sizes are the attacker's to choose, and loaders read each
    member from its own header.
    """
    by_offset: dict[int, ZipEntry] = {}
    shared: list[str] = []
    for e in entries:
        kept = by_offset.get(e.header_offset)
        if kept is None:
            by_offset[e.header_offset] = e
            continue
        shared.append(e.name)
        if e.name.endswith(".pkl") and not kept.name.endswith(".pkl"):
            by_offset[e.header_offset] = e
    keep = list(by_offset.values())
    overlapping, end = [], -1
    for start, length, name in sorted((e.header_offset, 30 + len(e.name.encode()) + e.compressed,
                                       e.name) for e in keep):
        if start < end:
            overlapping.append(name)
        end = max(end, start + length)
    return keep, shared + overlapping


def _scan_zip_member(ctx: Ctx, f: BinaryIO, e: ZipEntry, kind: str, file_size: int) -> None:
    from trojanscope.scan.engine import scan_stream

    lim = ctx.policy.limits
    child = ctx.child(e.name)
    if path_escapes(e.name):
        child.add("TS200", f"zip member path {e.name!r} escapes the extraction folder",
                  path=e.name)
    if e.is_dir and e.size == 0:
        return  # a name ending in "/" with content is still read by zipfile (np.load's keys)
    if kind == "pytorch-zip" and _TORCH_STORAGE.search(e.name):
        return  # raw tensor bytes: torch.load never unpickles them
    if e.size > lim.min_bomb_size and e.size > lim.max_ratio * max(e.compressed, 1):
        child.add("TS201", f"zip member expands {e.compressed} → {e.size} bytes "
                  f"({e.size // max(e.compressed, 1)}:1); not decompressed",
                  compressed=e.compressed, size=e.size)
        return
    if not 0 <= e.header_offset < file_size:
        child.add("TS202", f"zip member's header offset {e.header_offset} is outside the file")
        return
    f.seek(e.header_offset)
    head = f.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        child.add("TS202", "zip member's local header is missing or damaged")
        return
    nlen, elen = struct.unpack("<HH", head[26:30])
    local_name = f.read(nlen).decode("utf-8", "replace")
    if local_name != e.name:
        child.add("TS202", f"zip member is named {e.name!r} in the central directory but "
                  f"{local_name!r} in its local header", local_name=local_name)
        if path_escapes(local_name):
            child.add("TS200", f"zip local header path {local_name!r} escapes the folder")
    start = e.header_offset + 30 + nlen + elen
    length = min(e.compressed, max(0, file_size - start))
    if e.flags & 0x41:
        child.add("TS202", f"zip member has encryption flag bits 0x{e.flags & 0x41:x} set; "
                  "read as plain data", flags=e.flags)
    if e.method not in _METHODS:
        child.add("TS203", f"zip member uses unsupported compression method {e.method}")
        return
    def member() -> BinaryIO:
        src: BinaryIO = SliceFile(f, start, length)  # type: ignore[assignment]
        if _METHODS[e.method] is not None:
            src = DecompressStream(src, _METHODS[e.method], min(lim.max_expanded, max(
                e.size, 1) * 2 + (1 << 20)), lim.max_ratio, lim.min_bomb_size,
                ctx.budget, size=e.size or None)  # type: ignore[assignment]
        return src

    # torch.load unpickles a torch zip's .pkl members whatever their first bytes
    forced = kind == "pytorch-zip" and e.name.lower().endswith(".pkl")
    found = scan_stream(child, member(), e.size, e.name, member, as_pickle=forced)
    if found == "unknown" and e.flags & 0x01:
        child.add("TS203", "zip member is encrypted; its content cannot be inspected")
    if e.name.endswith("config.json") and kind == "keras":
        from trojanscope.scan.keras_fmt import check_keras_config

        f.seek(start)
        if e.method == 0 and e.size <= lim.max_memory_member:
            check_keras_config(child, f.read(e.size))
        elif e.method == 8 and e.size <= lim.max_memory_member:
            check_keras_config(child, DecompressStream(SliceFile(f, start, length), "deflate",
                                                       e.size + 1024).read())
    if kind == "pytorch-zip" and is_code_member(e.name):
        child.add("TS205", "TorchScript code in the archive (compiled and run by torch.jit.load)")


def _check_torchscript(ctx: Ctx, f: BinaryIO) -> None:
    """TS208 for what would let a TorchScript archive reach outside tensor arithmetic (the
    loader's own check, on the same bytes)."""
    f.seek(0)
    for member, problem in archive_problems(f):
        ctx.child(member).add("TS208", f"TorchScript archive: {problem}", problem=problem)


def scan_tar(ctx: Ctx, fileobj: Any) -> str:
    from trojanscope.scan.engine import scan_bytes

    lim = ctx.policy.limits
    ctx.note_kind("tar")
    if ctx.depth + 1 > lim.max_depth:
        ctx.add("TS183", f"tar archive not opened: nesting depth limit {lim.max_depth}")
        return "tar"
    count, m, short = 0, None, False
    source = _TarSource(ctx, fileobj)
    try:
        with tarfile.open(fileobj=source, mode="r|") as tf:
            for m in tf:
                count += 1
                if count > lim.max_members:
                    ctx.add("TS182", f"tar archive has more than {lim.max_members} members")
                    break
                child = ctx.child(m.name)
                if path_escapes(m.name):
                    child.add("TS200", f"tar member path {m.name!r} escapes the extraction "
                              "folder", path=m.name)
                if m.issym() or m.islnk():
                    target = m.linkname
                    escapes = path_escapes(posixpath.join(posixpath.dirname(m.name), target)) \
                        or target.startswith("/")
                    child.add("TS204", f"tar member is a {'symbolic' if m.issym() else 'hard'}"
                              f" link to {target!r}" + (", outside the folder" if escapes else ""),
                              link=target, escapes=escapes)
                elif m.ischr() or m.isblk() or m.isfifo():
                    child.add("TS204", "tar member is a device or FIFO")
                elif m.isfile():
                    ctx.check_time()
                    stream = _member_stream(tf, m)
                    if stream is not None and m.size <= lim.max_memory_member:
                        scan_bytes(child, stream.read(), m.name)  # read whole: walked twice
                    elif stream is not None:
                        _scan_large_member(child, stream, m.size, m.name)
                    raw = getattr(stream, "raw", None)
                    if isinstance(raw, (_TarMember, _SparseMember)) and raw.ended:
                        short = True
                        child.add("TS203", f"tar member declares {m.size} bytes but the "
                                  f"archive ends after {m.size - raw.left}; those were "
                                  "scanned", size=m.size, read=m.size - raw.left)
    except tarfile.TarError as exc:
        ctx.add("TS202", f"tar archive is damaged after {count} member(s): {exc}")
    except _PastEnd:
        if short:  # already reported on the member
            return "tar"
        what = f"member {m.name!r} declares {m.size} bytes" if m is not None else "a member"
        ctx.add("TS203", f"tar archive is damaged: {what}, more than the archive holds",
                member=None if m is None else m.name, size=None if m is None else m.size)
    return "tar"


class _TarMember(io.RawIOBase):
    """A regular member's bytes in tarfile's stream mode, ending early (no error) where the
    archive does: a member whose declared size runs past the end is still scanned up to there,
    as a loader reading it in small blocks would get it (tarfile's own member reader drops a
    short block with "unexpected end of data")."""

    def __init__(self, src: Any, offset: int, size: int) -> None:
        src.seek(offset)  # forward only: the member's data follows its header
        self.src, self.left = src, size
        self.ended = False  # the data ran out before the declared size

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        want = min(len(b), self.left)
        data = self.src.read(want) if want else b""
        self.ended = self.ended or len(data) < want
        self.left -= len(data)
        b[:len(data)] = data
        return len(data)


class _SparseMember(io.RawIOBase):
    """A GNU sparse member through tarfile's own reader (it maps the holes), read in 512-byte
    steps and ending early (no error) where the archive does: tarfile drops a whole short read
    with "unexpected end of data", while a loader reading 8 KiB blocks still gets the blocks
    before the end."""

    _STEP = 512

    def __init__(self, member: Any, size: int) -> None:
        self.member, self.left, self.ended = member, size, False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        want = min(len(b), self.left, self._STEP)
        if self.ended or not want:
            return 0
        try:
            data = self.member.read(want)
        except tarfile.ReadError:
            data = b""
        self.ended = len(data) < want
        self.left -= len(data)
        b[:len(data)] = data
        return len(data)


def _scan_large_member(ctx: Ctx, stream: BinaryIO, size: int, name: str) -> None:
    """A tar member over ``max_memory_member``, scanned as it streams by: it cannot be read
    again, so what a second pass would have checked (a pickle walk, an HDF5 file behind a user
    block) is TS182 where it applies."""
    from trojanscope.scan.engine import scan_stream, walk_as_pickle_too
    from trojanscope.scan.hdf5_userblock import SignatureWatch

    lim = ctx.policy.limits
    watch = SignatureWatch(stream)
    kind = scan_stream(ctx, watch, size, name)  # type: ignore[arg-type]
    over = f"tar member of {size} bytes (over the {lim.max_memory_member}-byte memory limit)"
    if walk_as_pickle_too(kind):  # a tar stream cannot be read again
        ctx.add("TS182", f"{over} was scanned as {kind} only, not also as a pickle")
    if kind != "hdf5":
        offset = watch.finish(ctx.check_time)
        if offset is not None:
            ctx.add("TS182", f"{over} holds an HDF5 file behind a user block (signature at "
                    f"byte {offset}, where libhdf5 looks); it was not scanned as HDF5",
                    offset=offset)


def _member_stream(tf: tarfile.TarFile, m: tarfile.TarInfo) -> BinaryIO | None:
    if m.sparse is not None:  # GNU sparse members: tarfile maps the holes
        inner = tf.extractfile(m)
        return None if inner is None else io.BufferedReader(  # type: ignore[return-value]
            _SparseMember(inner.raw, m.size))  # type: ignore[attr-defined]
    return io.BufferedReader(_TarMember(tf.fileobj, m.offset_data, m.size))  # type: ignore[return-value]


class _PastEnd(Exception):
    """tarfile kept reading after the end of the data (a member's size runs past it)."""


class _TarSource(io.RawIOBase):
    """The stream tarfile reads: it checks the file's time budget, and stops tarfile's stream
    mode once it reads on after the end of the data, which it does to skip a member whose
    declared size runs past the end (one empty read per 10 KiB block, so a 12-byte base-256
    size field would keep it busy for ever)."""

    _EMPTY_READS = 64  # a well-formed archive's end takes a few

    def __init__(self, ctx: Ctx, src: BinaryIO) -> None:
        self.ctx, self.src, self.empty = ctx, src, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        self.ctx.check_time()
        n = self.src.readinto(b)  # type: ignore[attr-defined]
        if not n:
            self.empty += 1
            if self.empty > self._EMPTY_READS:
                raise _PastEnd
        return n or 0


class _Budget:
    """Bytes all members of one 7z archive may keep in memory together."""

    def __init__(self, total: int) -> None:
        self.left = total


class _CappedIO:
    """py7zr writer that keeps at most ``limit`` bytes of one member in memory, and no more
    than the archive's shared budget allows."""

    def __init__(self, limit: int, budget: _Budget) -> None:
        self.buf = io.BytesIO()
        self.limit = limit
        self.budget = budget
        self.truncated = False

    def write(self, s: bytes) -> int:
        room = min(self.limit - self.buf.tell(), self.budget.left)
        self.budget.left -= min(len(s), max(room, 0))
        if len(s) > room:
            self.truncated = True
            s = s[:max(room, 0)]
        return self.buf.write(s) if s else 0

    def read(self, size: int | None = None) -> bytes:
        return self.buf.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.buf.seek(offset, whence)

    def flush(self) -> None:
        pass

    def size(self) -> int:
        return self.buf.getbuffer().nbytes

    def close(self) -> None:
        pass


def scan_7z(ctx: Ctx, f: BinaryIO) -> str:
    from trojanscope.scan.engine import scan_bytes

    ctx.note_kind("7z")
    lim = ctx.policy.limits
    try:
        import py7zr
        from py7zr.io import WriterFactory
    except ImportError:
        ctx.add("TS203", "7z archive not inspected: py7zr is not installed")
        return "7z"
    if ctx.depth + 1 > lim.max_depth:
        ctx.add("TS183", f"7z archive not opened: nesting depth limit {lim.max_depth}")
        return "7z"

    budget = _Budget(lim.max_memory_member)

    class Factory(WriterFactory):
        def __init__(self) -> None:
            self.products: dict[str, _CappedIO] = {}

        def create(self, filename: str) -> Any:
            self.products[filename] = _CappedIO(lim.max_memory_member, budget)
            return self.products[filename]

    try:
        with py7zr.SevenZipFile(f, mode="r") as archive:
            if archive.needs_password():
                ctx.add("TS203", "7z archive is encrypted; its content cannot be inspected")
                return "7z"
            infos = archive.list()
            for info in infos:
                if path_escapes(info.filename):
                    ctx.child(info.filename).add(
                        "TS200", f"7z member path {info.filename!r} escapes the folder")
                size, packed = info.uncompressed or 0, info.compressed or 0
                if packed and size > lim.min_bomb_size and size > lim.max_ratio * packed:
                    ctx.child(info.filename).add("TS201", f"7z member expands {packed} → {size}")
                    return "7z"
            if sum(i.uncompressed or 0 for i in infos) > lim.max_expanded:
                ctx.add("TS201", "7z archive expands beyond the size limit; not opened")
                return "7z"
            factory = Factory()
            archive.extractall(factory=factory)
    except Exception as exc:
        ctx.add("TS203", f"7z archive could not be read: {type(exc).__name__}: {exc}")
        return "7z"
    for name, product in sorted(factory.products.items()):
        child = ctx.child(name.lstrip("/"))
        if product.truncated:
            child.add("TS182", f"7z member did not fit in the {lim.max_memory_member}-byte "
                      "memory budget of the archive; only its start was scanned")
        scan_bytes(child, product.buf.getvalue(), name)
    return "7z"
