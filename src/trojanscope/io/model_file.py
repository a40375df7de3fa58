"""What format a single model file holds, told by its bytes as the loader tells it.

:func:`trojanscope.io.models.load_model` and the early checks before torch
(:func:`trojanscope.io.model_kind.model_input`) ask this one function, so a renamed file (an
ONNX export named ``.bin``, safetensors weights named ``.pt``, a TorchScript archive named
``.onnx``) gets the same answer early and late (stop 66: the early checks went by the suffix,
the loader by the bytes). Standard library only; the tree recognisers are the scanner's.
"""

from __future__ import annotations

from pathlib import Path

ZIP_MAGIC = b"PK\x03\x04"  # a torch zip: TorchScript or a plain checkpoint
HEAD_BYTES = 64  # the tree recognisers and the ONNX producer read as many
ONNX_SUFFIX = ".onnx"

__all__ = ["model_file_format"]


def model_file_format(path: str | Path) -> str | None:
    """``zip``, ``safetensors``, ``onnx``, ``xgboost`` or ``lightgbm``: the loader that
    :func:`~trojanscope.io.models.load_model` gives a file, in its order (a zip archive that is
    not safetensors; safetensors; ONNX by its suffix or its first bytes; a tree file by its
    first bytes); None for a file none of them reads (or that cannot be read)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
        size = path.stat().st_size
    except OSError:
        return None
    safetensors = is_safetensors(head, size)
    if head.startswith(ZIP_MAGIC) and not safetensors:
        return "zip"
    if safetensors:
        return "safetensors"
    if path.suffix.lower() == ONNX_SUFFIX or looks_like_onnx(head):
        return "onnx"
    from trojanscope.scan.tree_fmt import LightGBMFormat, XGBoostFormat

    for fmt in (XGBoostFormat(), LightGBMFormat()):
        if fmt.matches(head, path.name):
            return fmt.kind
    return None


def is_safetensors(head: bytes, size: int) -> bool:
    """A safetensors file: an 8-byte little-endian header length shorter than the file, then
    the JSON header's ``{``."""
    return len(head) >= 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < size


def looks_like_onnx(head: bytes) -> bool:
    """An ONNX ``ModelProto`` without the suffix: field 1 (``ir_version``, a varint; tag byte
    0x08) first, and a producer naming pytorch or onnx near the start (ONNX has no magic)."""
    return head[:1] == b"\x08" and (b"pytorch" in head.lower() or b"onnx" in head.lower())
