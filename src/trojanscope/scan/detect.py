"""Format detection from the first bytes of a stream (never from the file name, except as a
tie-breaker for ONNX, which has no magic number)."""

from __future__ import annotations

# Opcodes a protocol 0/1 pickle can start with (a guess: confirmed by walking it).
_PICKLE0_START = set(b"(]})cilIFLSVNKJMGUTXBCdptq0")
_ONNX_SECOND_FIELD = {0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72}


def sniff(head: bytes, name: str = "", size: int | None = None) -> str:
    """The format of a stream starting with ``head`` (≥ 512 bytes when available).

    Returns one of: empty, zip, tar, 7z, gzip, bzip2, xz, lzma, zlib, lz4, zstd, npy, hdf5,
    gguf, safetensors, onnx, pickle (protocol 2+ header), pickle? (maybe a protocol 0/1 pickle),
    unknown.
    """
    if not head:
        return "empty"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and len(head) > 3 and 0x31 <= head[3] <= 0x39:
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "hdf5"
    if head.startswith(b"GGUF"):
        return "gguf"
    if head[:4] == b"\x04\x22\x4d\x18":
        return "lz4"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if head[0] == 0x80 and len(head) > 1 and head[1] <= 5:
        return "pickle"
    if len(head) >= 9 and head[8:9] == b"{":
        return "safetensors"
    if len(head) >= 2 and head[0] == 0x78 and ((head[0] << 8) | head[1]) % 31 == 0:
        return "zlib"
    if head[:3] == b"\x5d\x00\x00" and len(head) >= 13:
        return "lzma"
    if len(head) >= 3 and head[0] == 0x08 and head[1] < 0x20 and head[2] in _ONNX_SECOND_FIELD:
        return "onnx"
    if name.lower().endswith(".onnx"):
        return "onnx"
    if head[0] in _PICKLE0_START:
        return "pickle?"
    return "unknown"
