"""A blend pattern image a user hands us goes through the image readers' checks (stop 36)."""

import struct
import zlib
from pathlib import Path

import pytest

from trojanscope.errors import UserInputError
from trojanscope.triggers import BlendTrigger


def _png_header(width: int, height: int) -> bytes:
    """A PNG declaring ``width`` x ``height`` pixels (Pillow checks the size on open)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", 0)
        + b"IEND"
        + struct.pack(">I", zlib.crc32(b"IEND"))
    )


def test_a_decompression_bomb_pattern_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header(30_000, 30_000))  # 900 M pixels: Pillow's bomb error
    with pytest.raises(UserInputError, match=r"blend pattern .*too large to decode"):
        BlendTrigger(pattern=str(path)).pattern_image(1, 8, 8)
