"""safetensors header validation: length bounds, JSON, dtypes, shapes, and offsets that cover the
data exactly without gaps or overlaps (the format cannot run code; a bad header is what parser
bugs and misreads feed on)."""

from __future__ import annotations

import json
import struct
from typing import Any

from trojanscope.plain_numbers import whole
from trojanscope.scan.context import Ctx
from trojanscope.scan.stream import Reader, Truncated

MAX_HEADER = 100_000_000  # the reference implementation's limit
_BITS = {"BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16,
         "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "F64": 64,
         "I64": 64, "U64": 64, "C64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6}


class _Dup(ValueError):
    pass


def _no_dups(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise _Dup("duplicate key in the header")
    return dict(pairs)


def _looks_like_header(header: Any) -> bool:
    """A JSON object whose entries are tensor records (or the metadata)."""
    return isinstance(header, dict) and bool(header) and all(
        k == "__metadata__" or (isinstance(v, dict) and "dtype" in v) for k, v in header.items())


def check_safetensors(ctx: Ctx, r: Reader, size: int | None, name: str = "") -> bool:
    """Validate the header; findings for each problem. False if this is not safetensors at all.

    Only a byte 8 of ``{`` says "safetensors", and many text and binary files have one: unless
    the name ends in ``.safetensors``, a file is taken for safetensors only when its header is
    a JSON object of tensor records, so other files never get a false TS300."""
    named = name.lower().endswith(".safetensors")
    (n,) = struct.unpack("<Q", r.read_exact(8))
    if not named:
        if n > MAX_HEADER or (size is not None and n > size - 8):
            return False
        try:
            raw = r.read_exact(n)
            header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_dups)
        except _Dup as exc:
            ctx.add("TS300", f"safetensors header: {exc}")
            return True
        except (Truncated, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return False
        if not _looks_like_header(header):
            return False
        return _check_header(ctx, header, size, n)
    if n > MAX_HEADER:
        ctx.add("TS300", f"safetensors header length {n} exceeds the {MAX_HEADER}-byte limit",
                header_length=n)
        return True
    if size is not None and n > size - 8:
        ctx.add("TS300", f"safetensors header length {n} is larger than the file ({size} bytes)",
                header_length=n, size=size)
        return True
    try:
        raw = r.read_exact(n)
    except Truncated:
        ctx.add("TS300", f"safetensors header length {n} runs past the end of the data")
        return True
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_dups)
    except _Dup as exc:
        ctx.add("TS300", f"safetensors header: {exc}")
        return True
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        if not raw.lstrip().startswith(b"{"):
            return False
        ctx.add("TS300", f"safetensors header is not valid UTF-8 JSON: {exc}")
        return True
    if not isinstance(header, dict):
        ctx.add("TS300", "safetensors header is not a JSON object")
        return True
    return _check_header(ctx, header, size, n)


def _check_header(ctx: Ctx, header: dict[str, Any], size: int | None, n: int) -> bool:
    problems: list[str] = []
    data_len = None if size is None else size - 8 - n
    spans: list[tuple[int, int, str]] = []
    for name, info in header.items():
        if name == "__metadata__":
            if not (isinstance(info, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                   for k, v in info.items())):
                problems.append("__metadata__ must map strings to strings")
            continue
        problem = _check_tensor(name, info)
        if problem:
            problems.append(problem)
            continue
        begin, end = info["data_offsets"]
        spans.append((begin, end, name))
    spans.sort()
    cursor = 0
    for begin, end, name in spans:
        if begin < cursor:
            problems.append(f"tensor {name!r} overlaps the previous tensor")
        elif begin > cursor:
            problems.append(f"gap of {begin - cursor} bytes before tensor {name!r}")
        cursor = max(cursor, end)
    if data_len is not None and cursor != data_len and not (not spans and data_len == 0):
        problems.append(f"tensors cover {cursor} bytes but the data section has {data_len}")
    for p in problems[:20]:
        ctx.add("TS300", f"safetensors: {p}")
    if len(problems) > 20:
        ctx.add("TS300", f"safetensors: {len(problems) - 20} more header problems")
    return True


def _check_tensor(name: str, info: Any) -> str | None:
    if not isinstance(info, dict):
        return f"tensor {name!r} entry is not an object"
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in _BITS:  # JSON lists/objects are unhashable
        return f"tensor {name!r} has unknown dtype {dtype!r}"
    if not (isinstance(shape, list) and all(whole(d, 0) for d in shape)):
        return f"tensor {name!r} has an invalid shape {shape!r}"
    if not (isinstance(offsets, list) and len(offsets) == 2
            and all(whole(o, 0) for o in offsets) and offsets[0] <= offsets[1]):
        return f"tensor {name!r} has invalid data_offsets {offsets!r}"
    numel = 1
    for d in shape:
        numel *= d
    bits = numel * _BITS[dtype]
    if bits % 8 or bits // 8 != offsets[1] - offsets[0]:
        return (f"tensor {name!r} needs {bits / 8:g} bytes for {dtype}{shape} but its offsets "
                f"span {offsets[1] - offsets[0]}")
    return None
