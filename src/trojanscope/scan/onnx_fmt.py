"""ONNX: parse the model without loading external data and flag external-data locations that
are absolute or leave the model's folder (loading would read arbitrary files)."""

from __future__ import annotations

import os
import posixpath

from trojanscope.io.onnx_tensors import all_tensors
from trojanscope.scan.context import Ctx
from trojanscope.scan.stream import Reader

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
    if size is not None and size > lim.max_memory_member:
        ctx.note_kind("onnx")
        ctx.add("TS203", f"ONNX model of {size} bytes is larger than the parse limit "
                f"({lim.max_memory_member} bytes): external-data locations were not checked")
        return "onnx"
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
    folder = os.path.dirname(os.path.realpath(ctx.fs_path)) if ctx.fs_path else None
    for t in all_tensors(model):
        if t.data_location != _EXTERNAL:
            continue
        entries = {e.key: e.value for e in t.external_data}
        loc = entries.get("location", "")
        escapes = location_escapes(loc)
        if not escapes and folder is not None:
            real = os.path.realpath(os.path.join(folder, loc))
            escapes = os.path.commonpath([folder, real]) != folder
        if escapes:
            ctx.add("TS310", f"tensor {t.name!r} reads external data from {loc!r}, outside "
                    "the model folder", tensor=t.name, location=loc)
    return "onnx"


def _rest(r: Reader) -> bytes:
    chunks = []
    while not r.at_eof():
        chunks.append(r.read_exact(len(r.buf) - r.i))
    return b"".join(chunks)
