"""Keras: Lambda layers (marshalled Python bytecode run at load time) in HDF5 model configs
(when h5py is importable) and in Keras v3 ``config.json``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from trojanscope.scan.context import Ctx


def _lambda_layers(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        cls = node.get("class_name")
        config = node.get("config") if isinstance(node.get("config"), dict) else {}
        if cls in ("Lambda", "__lambda__") or (cls == "function" and config.get("code")):
            yield str(config.get("name", path or "?")), str(cls)
            return
        for key, value in node.items():
            yield from _lambda_layers(value, f"{path}/{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _lambda_layers(value, f"{path}[{i}]")


def check_keras_config(ctx: Ctx, raw: bytes | str, seen: set[str] | None = None) -> None:
    """TS320 for each Lambda layer of a Keras config (``seen``: names already reported)."""
    try:
        config = json.loads(raw)
        layers = list(_lambda_layers(config))
    except (ValueError, RecursionError):
        return
    seen = set() if seen is None else seen
    for name, cls in layers:
        if name in seen:
            continue
        seen.add(name)
        ctx.add("TS320", f"Keras {cls} layer {name!r}: loading the model runs its Python code",
                layer=name)


# A Lambda layer named in the raw bytes, after JSON's \\uXXXX escapes are decoded (HDF5 stores
# attributes unfiltered, so Keras's model_config JSON is in the file as written).
_LAMBDA = re.compile(rb'"class_name"\s*:\s*"(Lambda|__lambda__)"')
_NAME = re.compile(rb'"name"\s*:\s*"([^"\\]{1,200})"')
_ESCAPE = re.compile(rb"\\u([0-9a-fA-F]{4})")
# A window ending in the key (and perhaps its ":", and perhaps the start of the value) with
# only whitespace between: JSON allows any amount of whitespace before the value, and a run
# longer than the overlap carried from one chunk to the next parted the key from its value
# (stop 42: a Lambda hidden without h5py; stop 43: also when the boundary cut the value).
# What the window ends in is carried over instead, whitespace dropped.
_KEY = b'"class_name"'
_SPACE = b" \t\n\r\x0b\x0c"
_VALUE_HEAD = 80  # the longest start of a value carried ("__lambda__" all \u-escaped: 62)
_CHUNK = 8 << 20
_OVERLAP = 1 << 16
_CHILD = """
import json, sys
import h5py
src = sys.argv[1] if len(sys.argv) > 1 else __import__("io").BytesIO(sys.stdin.buffer.read())
out = {}
with h5py.File(src, "r") as h5:
    for attr in ("model_config", "training_config"):
        value = h5.attrs.get(attr)
        if value is not None:
            out[attr] = value.decode() if isinstance(value, bytes) else str(value)
print(json.dumps(out))
"""
CHILD_SECONDS = 20


def _unescape(data: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)).encode("utf-8", "replace"), data)


def _pending_key(window: bytes) -> bytes:
    """``"class_name"`` (with its colon, and the start of its value, if there) when ``window``
    ends in it with only whitespace between, else nothing."""
    body = window.rstrip(_SPACE)
    if body.endswith(_KEY):
        return _KEY
    if body.endswith(b":") and body[:-1].rstrip(_SPACE).endswith(_KEY):
        return _KEY + b":"
    quote = window.rfind(b'"', max(len(window) - _VALUE_HEAD, 0))
    head = window[quote:] if quote >= 0 else b""
    if head and not any(c in _SPACE for c in head):  # a value cut by the boundary
        before = window[:quote].rstrip(_SPACE)
        if before.endswith(b":") and before[:-1].rstrip(_SPACE).endswith(_KEY):
            return _KEY + b":" + head
    return b""


def _byte_scan(ctx: Ctx, f: BinaryIO) -> set[str]:
    """TS320 for Lambda layers named anywhere in the file's bytes (no HDF5 parser runs); the
    names reported."""
    f.seek(0)
    seen: set[str] = set()
    tail = b""
    pending = b""  # the key (colon, start of value) a window ended in, whitespace dropped
    while chunk := f.read(_CHUNK):
        ctx.check_time()
        if pending in (_KEY, _KEY + b":"):  # a value's start is not joined past whitespace
            chunk = chunk.lstrip(_SPACE)
            if not chunk:
                continue  # still inside the whitespace
        window = _unescape(tail + pending + chunk)
        pending = _pending_key(window)
        for match in _LAMBDA.finditer(window):
            named = _NAME.search(window, match.end(), match.end() + 4096)
            name = named.group(1).decode("utf-8", "replace") if named else "?"
            if name not in seen:
                seen.add(name)
                ctx.add("TS320", f"Keras {match.group(1).decode()} layer {name!r}: loading the "
                        "model runs its Python code", layer=name)
        tail = b"" if pending else chunk[-_OVERLAP:]
    return seen


def _child_read(ctx: Ctx, f: BinaryIO) -> dict[str, str] | None:
    """The Keras attributes as h5py reads them, in a child process: libhdf5 is a large C
    parser a hostile file can crash or corrupt, so it never runs in the scanner's process."""
    import subprocess
    import sys
    from pathlib import Path

    seconds = float(CHILD_SECONDS)
    if ctx.budget is not None:  # within the file's time budget (the child's wall time too)
        seconds = min(seconds, ctx.budget.wall_left())
        if seconds < 1 or ctx.budget.cpu_left() < 1:
            ctx.details["hdf5"] = "time budget spent: h5py not run"
            return None
    args, stdin = [sys.executable, "-c", _CHILD], None
    if ctx.member is None and ctx.fs_path is not None and Path(ctx.fs_path).is_file():
        args.append(str(ctx.fs_path))  # the real file (top level): nothing copied
    else:
        f.seek(0)
        stdin = f.read(ctx.policy.limits.max_memory_member + 1)
        if len(stdin) > ctx.policy.limits.max_memory_member:
            ctx.details["hdf5"] = "too large to read in a child process: h5py not run"
            return None
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=seconds,
                              check=False)
    except subprocess.TimeoutExpired:
        ctx.add("TS203", f"HDF5 file: h5py did not finish within {seconds:.0f} s")
        return None
    if done.returncode < 0:
        ctx.add("TS203", f"HDF5 file: the HDF5 library crashed reading it (signal "
                f"{-done.returncode})")
        return None
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        ctx.add("TS203", f"HDF5 file could not be read: {last[0][:200]}")
        return None
    try:
        return json.loads(done.stdout)
    except ValueError:
        return None


def scan_hdf5(ctx: Ctx, f: BinaryIO) -> str:
    ctx.note_kind("hdf5")
    seen = _byte_scan(ctx, f)
    import importlib.util

    if importlib.util.find_spec("h5py") is None:
        ctx.details["hdf5"] = ("h5py is not installed: Keras attributes read from the raw "
                               "bytes only")
        return "hdf5"
    attrs = _child_read(ctx, f)
    for value in (attrs or {}).values():
        ctx.note_kind("keras-h5")
        check_keras_config(ctx, value, seen)
    return "hdf5"
