"""Keras: Lambda layers (marshalled Python bytecode run at load time) in HDF5 model configs
(when h5py is importable) and in Keras v3 ``config.json``."""

from __future__ import annotations

import json
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


def check_keras_config(ctx: Ctx, raw: bytes | str) -> None:
    try:
        config = json.loads(raw)
    except (ValueError, RecursionError):
        return
    seen = set()
    for name, cls in _lambda_layers(config):
        if name in seen:
            continue
        seen.add(name)
        ctx.add("TS320", f"Keras {cls} layer {name!r}: loading the model runs its Python code",
                layer=name)


def scan_hdf5(ctx: Ctx, f: BinaryIO) -> str:
    ctx.note_kind("hdf5")
    try:
        import h5py
    except ImportError:
        ctx.details["hdf5"] = "h5py is not installed: Keras Lambda layers were not checked"
        return "hdf5"
    try:
        with h5py.File(f, "r") as h5:
            for attr in ("model_config", "training_config"):
                value = h5.attrs.get(attr)
                if value is not None:
                    ctx.note_kind("keras-h5")
                    check_keras_config(ctx, value.decode() if isinstance(value, bytes) else
                                       str(value))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        ctx.add("TS203", f"HDF5 file could not be read: {exc}")
    return "hdf5"
