"""ONNX: parse the model without loading external data and flag external-data locations that
are absolute or leave the model's folder (loading would read arbitrary files)."""

from __future__ import annotations

import os
import posixpath

from trojanscope.io.onnx_tensors import all_tensors
from trojanscope.scan.context import Ctx
from trojanscope.scan.onnx_stream import WireError, external_locations
from trojanscope.scan.stream import Reader, Truncated

_EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL


def location_escapes(location: str) -> bool:
    norm = location.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":") or "\x00" in norm:
        return True
    return posixpath.normpath(norm).split("/")[0] == ".."


def scan_onnx(ctx: Ctx, r: Reader, size: int | None) -> str:
    try:
        import onnx
    except ImportError:  # pragma: no cover - onnx is a dependency
        ctx.add("TS203", "ONNX model not inspected: onnx is not installed")
        return "onnx"
    lim = ctx.policy.limits
    folder = os.path.dirname(os.path.realpath(ctx.fs_path)) if ctx.fs_path else None
    if size is not None and size > min(lim.max_memory_member, lim.max_onnx_parse):
        return _scan_large(ctx, r, size, folder)
    data = r.read_exact(size) if size is not None else r.read_exact(0) + _rest(r)
    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:
        if not ctx.fs_path or not str(ctx.fs_path).lower().endswith(".onnx"):
            return "unknown"  # the first bytes only looked like ONNX
        ctx.add("TS311", f"ONNX model cannot be parsed: {type(exc).__name__}: {exc}")
        return "onnx"
    if not model.HasField("graph"):
        return "unknown"
    ctx.note_kind("onnx")
    for t in all_tensors(model):
        if t.data_location != _EXTERNAL:
            continue
        entries = {_text(e.key): e.value for e in t.external_data}
        _check_location(ctx, folder, _text(t.name).encode("utf-8", "surrogateescape").decode(
            "utf-8", "backslashreplace"), _text(entries.get("location", "")))
    return "onnx"


def _text(value: str | bytes) -> str:
    """A string field as text: protobuf hands back bytes when a proto2 string field is not
    valid UTF-8 (ONNX Runtime still opens such a path), so the bytes are kept as escapes."""
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


def _check_location(ctx: Ctx, folder: str | None, tensor: str, loc: str) -> None:
    escapes = location_escapes(loc)
    if not escapes and folder is not None:
        real = os.path.realpath(os.path.join(folder, loc))
        escapes = os.path.commonpath([folder, real]) != folder
    if escapes:
        shown = loc.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        ctx.add("TS310", f"tensor {tensor!r} reads external data from {shown!r}, outside "
                "the model folder", tensor=tensor, location=shown)


def _scan_large(ctx: Ctx, r: Reader, size: int, folder: str | None) -> str:
    """Models over the parse limit: read the wire format, skipping tensor bytes."""
    try:
        for tensor, loc in external_locations(r, size, ctx.check_time):
            _check_location(ctx, folder, tensor, loc)
    except (WireError, Truncated) as exc:
        if not ctx.fs_path or not str(ctx.fs_path).lower().endswith(".onnx"):
            return "unknown"
        ctx.add("TS311", f"ONNX model cannot be parsed: {exc}")
    ctx.note_kind("onnx")
    return "onnx"


def _rest(r: Reader) -> bytes:
    chunks = []
    while not r.at_eof():
        chunks.append(r.read_exact(len(r.buf) - r.i))
    return b"".join(chunks)
