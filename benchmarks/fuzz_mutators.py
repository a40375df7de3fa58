"""Mutations for ``benchmarks/fuzz_scanner.py``: byte-level (flip, cut, insert, splice, interesting
integers) and structure-aware ones that keep a file parseable enough to reach deep code: zip
header fields (sizes, offsets, name lengths, methods, flags, counts), tar header fields with a
valid checksum, protobuf varints, and the safetensors header JSON. Every choice comes from the
``random.Random`` passed in, so a seed replays the same inputs."""

from __future__ import annotations

import json
import random
import struct
from collections.abc import Callable

INTERESTING = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
               0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, (1 << 63) - 1, 1 << 63,
               (1 << 64) - 1)
Mutator = Callable[[random.Random, bytearray, list[bytes]], bytearray]


def _flip(r: random.Random, buf: bytearray, _: list[bytes]) -> bytearray:
    if buf:
        buf[r.randrange(len(buf))] = r.randrange(256)
    return buf


def _bitflip(r: random.Random, buf: bytearray, _: list[bytes]) -> bytearray:
    if buf:
        buf[r.randrange(len(buf))] ^= 1 << r.randrange(8)
    return buf


def _cut(r: random.Random, buf: bytearray, _: list[bytes]) -> bytearray:
    if buf:
        pos = r.randrange(len(buf))
        del buf[pos:pos + r.choice((1, 2, 4, 16, 256, len(buf)))]
    return buf


def _insert(r: random.Random, buf: bytearray, _: list[bytes]) -> bytearray:
    pos = r.randrange(len(buf) + 1)
    buf[pos:pos] = bytes(r.randrange(256) for _ in range(r.randint(1, 8)))
    return buf


def _repeat(r: random.Random, buf: bytearray, _: list[bytes]) -> bytearray:
    if buf:
        a = r.randrange(len(buf))
        chunk = buf[a:a + r.randint(1, 64)]
        buf[a:a] = chunk * r.randint(1, 32)
    return buf


def _splice(r: random.Random, buf: bytearray, pool: list[bytes]) -> bytearray:
    other = r.choice(pool)
    if other:
        a = r.randrange(len(other))
        pos = r.randrange(len(buf) + 1)
        buf[pos:pos] = other[a:a + r.randint(1, 512)]
    return buf


def _int_at(r: random.Random, buf: bytearray, pos: int, width: int) -> None:
    value = r.choice(INTERESTING) if r.random() < 0.8 else r.getrandbits(width * 8)
    buf[pos:pos + width] = (value % (1 << (width * 8))).to_bytes(width, "little")


def _interesting(r: random.Random, buf: bytearray, _: list[bytes]) -> bytearray:
    width = r.choice((1, 2, 4, 8))
    if len(buf) >= width:
        _int_at(r, buf, r.randrange(len(buf) - width + 1), width)
    return buf


# --- zip ------------------------------------------------------------------------------------
# (offset, width) of the fields worth changing in each header
_LOCAL = [(4, 2), (6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)]
_CENTRAL = [(6, 2), (8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (32, 2),
            (34, 2), (38, 4), (42, 4)]
_EOCD = [(4, 2), (6, 2), (8, 2), (10, 2), (12, 4), (16, 4), (20, 2)]
_METHODS = (0, 1, 6, 8, 9, 12, 14, 93, 95, 98, 99, 0xFFFF)


def _zip(r: random.Random, buf: bytearray, pool: list[bytes]) -> bytearray:
    spots = []
    for sig, fields in ((b"PK\x03\x04", _LOCAL), (b"PK\x01\x02", _CENTRAL),
                        (b"PK\x05\x06", _EOCD)):
        at = buf.find(sig)
        while at >= 0:
            spots += [(at, off, width, sig) for off, width in fields
                      if at + off + width <= len(buf)]
            at = buf.find(sig, at + 1)
    if not spots:
        return _interesting(r, buf, pool)
    at, off, width, sig = r.choice(spots)
    method_field = (sig == b"PK\x03\x04" and off == 8) or (sig == b"PK\x01\x02" and off == 10)
    if method_field and r.random() < 0.7:
        buf[at + off:at + off + 2] = struct.pack("<H", r.choice(_METHODS))
    elif r.random() < 0.3:  # a small step: off by one, a few bytes out
        old = int.from_bytes(buf[at + off:at + off + width], "little")
        new = (old + r.choice((-16, -2, -1, 1, 2, 16))) % (1 << (width * 8))
        buf[at + off:at + off + width] = new.to_bytes(width, "little")
    else:
        _int_at(r, buf, at + off, width)
    return buf


def _zip64_extra(r: random.Random, buf: bytearray, pool: list[bytes]) -> bytearray:
    """Give one central-directory entry a zip64 extra field (ID 1) of random 8-byte values,
    and grow the end record's directory size to match, so the directory still parses."""
    at = buf.find(b"PK\x01\x02")
    ends = [i for i in range(len(buf)) if buf.startswith(b"PK\x05\x06", i)][-1:]
    if at < 0 or not ends or at + 46 > len(buf):
        return _zip(r, buf, pool)
    nlen, elen = struct.unpack_from("<HH", buf, at + 28)
    values = b"".join(r.choice(INTERESTING).to_bytes(8, "little") if r.random() < 0.7
                      else r.getrandbits(64).to_bytes(8, "little")
                      for _ in range(r.randint(0, 4)))
    field = struct.pack("<HH", 1, (len(values) + r.choice((0, 0, 0, -1, 1, 8))) % 0x10000) + values
    insert = at + 46 + nlen + elen
    buf[insert:insert] = field
    struct.pack_into("<H", buf, at + 30, (elen + len(field)) % 0x10000)
    end = ends[0] + len(field)
    if end + 16 <= len(buf):
        size = struct.unpack_from("<I", buf, end + 12)[0]
        struct.pack_into("<I", buf, end + 12, (size + len(field)) % (1 << 32))
    return buf


# --- pickle ---------------------------------------------------------------------------------
_OPS = [b"(", b")", b"]", b"}", b"N", b"0", b"1", b"2", b"t", b"l", b"d", b"e", b"a", b"s",
        b"u", b"b", b"R", b"\x81", b"\x92", b"\x93", b"\x94", b"\x85", b"\x86", b"\x87",
        b"\x88", b"\x89", b".", b"Q", b"P1\n", b"h\x00", b"h\xff", b"j\xff\xff\xff\x7f",
        b"q\x00", b"r\xff\xff\xff\xff", b"g0\n", b"p0\n", b"K\xff", b"M\xff\xff",
        b"J\xff\xff\xff\xff", b"\x8a\x08" + b"\xff" * 8, b"\x8b\xff\xff\xff\x7f",
        b"\x8c\xff", b"X\xff\xff\xff\xff", b"\x95" + b"\xff" * 8, b"\x95" + b"\0" * 8,
        b"\x96" + b"\xff" * 8, b"\x82\x01", b"\x83\xff\xff", b"\x84\xff\xff\xff\xff",
        b"cos\nsystem\n", b"cbuiltins\ngetattr\n", b"\x8c\x02os\x8c\x06system\x93",
        b"\x97", b"\x98", b"\x8f", b"\x90", b"\x91", b"I01\n", b"L1\n", b"F1e999\n",
        b"S'x'\n", b"V\\udc80\n", b"\x80\x05", b"\x80\xff", b"G" + b"\xff" * 8,
        b"B\xff\xff\xff\x7f", b"C\xff", b"\x8e" + b"\xff" * 8, b"i__main__\nX\n"]


def _opcode_starts(data: bytes) -> list[int]:
    """Offsets where the opcodes of the pickle at the start of ``data`` begin (up to the
    first error or 2,000 opcodes)."""
    import io
    import pickletools

    starts: list[int] = []
    try:
        for _op, _arg, pos in pickletools.genops(io.BytesIO(data)):
            starts.append(pos)
            if len(starts) >= 2000:
                break
    except Exception:
        pass
    return starts


def _pickle(r: random.Random, buf: bytearray, pool: list[bytes]) -> bytearray:
    starts = _opcode_starts(bytes(buf))
    if not starts:
        return _insert(r, buf, pool)
    at = r.choice(starts)
    pick = r.random()
    if pick < 0.6:
        buf[at:at] = r.choice(_OPS)
    elif pick < 0.8:  # drop one opcode
        later = [s for s in starts if s > at]
        del buf[at:later[0] if later else at + 1]
    else:  # repeat one opcode (with its argument)
        later = [s for s in starts if s > at]
        op = bytes(buf[at:later[0] if later else at + 1])
        buf[at:at] = op * r.choice((1, 2, 100))
    return buf


# --- tar ------------------------------------------------------------------------------------
_TAR_FIELDS = [(0, 100), (100, 8), (124, 12), (136, 12), (156, 1), (157, 100), (257, 6),
               (345, 155)]


def _tar(r: random.Random, buf: bytearray, pool: list[bytes]) -> bytearray:
    heads = [i for i in range(0, len(buf) - 511, 512) if buf[i + 257:i + 262] == b"ustar"]
    if not heads:
        return _interesting(r, buf, pool)
    at = r.choice(heads)
    off, width = r.choice(_TAR_FIELDS)
    choices = [b"0" * (width - 1), b"7" * (width - 1), b"", b"../../x", b"/etc/passwd",
               b"\x80" + b"\xff" * (width - 1), b"-1", b"99999999999", bytes([r.randrange(256)])]
    if off == 156:
        choices = [bytes([c]) for c in b"0123456789gxLKSAV\0"]
    value = r.choice(choices)[:width]
    buf[at + off:at + off + width] = value.ljust(width, b"\0")
    buf[at + 148:at + 156] = b" " * 8
    buf[at + 148:at + 156] = b"%06o\0 " % (sum(buf[at:at + 512]) & 0o777777)
    return buf


# --- protobuf -------------------------------------------------------------------------------
def _varints(buf: bytes, start: int, end: int, depth: int, out: list[tuple[int, int]]) -> None:
    """(start, end) of every key and varint/length field of a protobuf message, recursively
    into length-delimited fields that parse as messages; stops at the first bad byte."""
    pos = start
    while pos < end and len(out) < 4096:
        key_at = pos
        key, pos = _read_varint(buf, pos, end)
        if key is None:
            return
        out.append((key_at, pos))
        wire = key & 7
        if wire == 0:
            at = pos
            value, pos = _read_varint(buf, pos, end)
            if value is None:
                return
            out.append((at, pos))
        elif wire == 2:
            at = pos
            length, pos = _read_varint(buf, pos, end)
            if length is None or pos + length > end:
                return
            out.append((at, pos))
            if depth < 8:
                _varints(buf, pos, pos + length, depth + 1, out)
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        else:
            return


def _read_varint(buf: bytes, pos: int, end: int) -> tuple[int | None, int]:
    value = shift = 0
    while pos < end and shift < 70:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos
    return None, pos


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _protobuf(r: random.Random, buf: bytearray, pool: list[bytes]) -> bytearray:
    spots: list[tuple[int, int]] = []
    _varints(bytes(buf), 0, len(buf), 0, spots)
    if not spots:
        return _interesting(r, buf, pool)
    a, b = r.choice(spots)
    old, _ = _read_varint(bytes(buf), a, b)
    pick = r.random()
    if pick < 0.3 and old is not None:
        new = encode_varint(max(0, old + r.choice((-3, -1, 1, 3, 1000))))
    elif pick < 0.5:
        new = b"\xff" * r.randint(9, 11) + b"\x01"  # overlong / over 64 bits
    elif pick < 0.6 and old is not None:
        new = encode_varint(old)[:-1] + bytes([encode_varint(old)[-1] | 0x80]) + b"\x00"
    else:
        new = encode_varint(r.choice(INTERESTING))
    buf[a:b] = new
    return buf


# --- safetensors ----------------------------------------------------------------------------
_JUNK = [None, True, -1, 0, 2 ** 64, 1.5, "x", [], {}, [1], [-1, 2], [2, 1], [0, 2 ** 70],
         ["0", "8"], [[0], [8]], "F32", [1] * 64]


def _safetensors(r: random.Random, buf: bytearray, pool: list[bytes]) -> bytearray:
    if len(buf) < 8:
        return _interesting(r, buf, pool)
    n = int.from_bytes(buf[:8], "little")
    try:
        header = json.loads(bytes(buf[8:8 + n]))
    except (ValueError, UnicodeDecodeError, RecursionError):
        header = None
    if not isinstance(header, dict) or not header:
        return _interesting(r, buf, pool)
    key = r.choice(sorted(header))
    entry = header[key]
    pick = r.random()
    if isinstance(entry, dict) and pick < 0.6:
        field = r.choice(["dtype", "shape", "data_offsets", "extra"])
        if r.random() < 0.2:
            entry.pop(field, None)
        else:
            entry[field] = r.choice([*_JUNK, "BOOL", "F8_E4M3", "I64", "Q4"])
    elif pick < 0.75:
        header[key] = r.choice(_JUNK)
    elif pick < 0.85:
        header["__metadata__"] = r.choice([*_JUNK, {"format": "pt", "k": {"nested": 1}},
                                          {"a" * 300: "b"}])
    else:
        header[key + "_copy"] = entry
    text = json.dumps(header).encode()
    if r.random() < 0.15:
        text = text[:r.randrange(len(text) + 1)]
    length = len(text) if r.random() < 0.85 else r.choice(INTERESTING)
    return bytearray(struct.pack("<Q", length % (1 << 64)) + text + buf[8 + n:])


# --- JSON (Hugging Face config, tokenizer, shard index) --------------------------------------
def _nodes(value: object, path: tuple, out: list[tuple], depth: int = 0) -> None:
    out.append(path)
    if depth > 12 or len(out) > 5000:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _nodes(v, (*path, k), out, depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value[:50]):
            _nodes(v, (*path, i), out, depth + 1)


def _json(r: random.Random, buf: bytearray, pool: list[bytes]) -> bytearray:
    """Replace one node of a JSON document (any depth) with a value of another type, drop it,
    or copy it under a new key."""
    try:
        doc = json.loads(bytes(buf))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _insert(r, buf, pool)
    paths: list[tuple] = []
    _nodes(doc, (), paths)
    path = r.choice(paths)
    junk = r.choice([*_JUNK, "../../x", "/etc/passwd", "os.system", {"a": {"b": {}}},
                     "x" * 5000, -(2 ** 70), float("inf"), ["..", ".."]])
    if not path:
        return bytearray(json.dumps(junk).encode())
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    pick = r.random()
    if pick < 0.75:
        parent[path[-1]] = junk
    elif pick < 0.9:
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[f"{path[-1]}_"] = parent[path[-1]]
    else:
        parent.append(parent[path[-1]])
    return bytearray(json.dumps(doc).encode())


BYTE_LEVEL: dict[str, Mutator] = {"flip": _flip, "bitflip": _bitflip, "cut": _cut,
                                  "insert": _insert, "repeat": _repeat, "splice": _splice,
                                  "int": _interesting}
STRUCTURED: dict[str, Mutator] = {"zip": _zip, "zip64": _zip64_extra, "tar": _tar,
                                  "protobuf": _protobuf, "safetensors": _safetensors,
                                  "pickle": _pickle, "json": _json}


def structure_of(data: bytes) -> str | None:
    """Which structure-aware mutator fits a seed (None: byte-level only)."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if len(data) >= 262 and data[257:262] == b"ustar":
        return "tar"
    if len(data) >= 9 and data[8:9] == b"{":
        return "safetensors"
    if len(data) >= 2 and data[0] == 0x08 and data[1] < 0x20:
        return "protobuf"
    if data.lstrip()[:1] in (b"{", b"["):
        return "json"
    if data[:1] == b"\x80" or data[:1] in (b"c", b"(", b"]", b"}"):
        return "pickle"
    return None


def mutate(r: random.Random, data: bytes, pool: list[bytes]) -> tuple[bytes, list[str]]:
    """1 to 6 mutations of ``data``; structure-aware ones first when the seed has a structure
    (byte-level ones afterwards would usually break it before the scanner reads deep)."""
    buf = bytearray(data)
    ops: list[str] = []
    structure = structure_of(data)
    if structure is not None and r.random() < 0.6:
        for _ in range(r.randint(1, 3)):
            name = "zip64" if structure == "zip" and r.random() < 0.15 else structure
            buf = STRUCTURED[name](r, buf, pool)
            ops.append(name)
        if r.random() < 0.5:
            return bytes(buf), ops
    names = sorted(BYTE_LEVEL)
    for _ in range(r.randint(1, 6 - len(ops) if len(ops) < 5 else 1)):
        name = r.choice(names)
        buf = BYTE_LEVEL[name](r, buf, pool)
        ops.append(name)
    return bytes(buf), ops
