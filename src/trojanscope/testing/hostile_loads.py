"""Hostile user files for the loaders hardened at stop 36, shared by the tests and
``benchmarks/load_hardening_check.py``. Built only; nothing here loads them."""

from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

__all__ = [
    "expanding_parquet",
    "lying_npz",
    "lying_parquet",
    "map_bomb_parquet",
    "nested_text_parquet",
    "npy_header",
    "slack_parquet",
    "smuggled_torchscript",
]


class _System:
    """Pickles as ``os.system("true")``: what the scanner rates critical (TS102)."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, ("true",))


def npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    """A ``.npy`` version 1.0 header declaring ``shape`` of ``descr``."""
    buf = io.BytesIO()
    npy_format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def lying_npz(path: Path, suffix: str = ".npy") -> Path:
    """``x`` declares 10^11 floats (numpy allocated 373 GiB before reading) and holds 64 bytes;
    ``suffix=""`` names the members ``x``/``y``, which numpy reads as arrays all the same."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"x{suffix}", npy_header((10**11,)) + b"\0" * 64)
        z.writestr(f"y{suffix}", npy_header((1,), "<i8") + b"\0" * 8)
    return path


def smuggled_torchscript(plain: Path, out: Path) -> Path:
    """The TorchScript archive ``plain`` plus a member torch never reads: a pickle that runs a
    shell command (``os.system("true")``) when unpickled."""
    root = zipfile.ZipFile(plain).namelist()[0].split("/")[0]
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.writestr(f"{root}/extra/payload.bin", pickle.dumps(_System(), protocol=2))
    return out


def _thrift_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _thrift_value(kind: int, value: Any) -> bytes:
    from trojanscope.data.tabular import thrift_compact as tc

    if kind in (tc.TRUE, tc.FALSE):
        return b""  # a boolean field's value is its type
    if kind == tc.BYTE:
        return bytes([value])
    if kind in (tc.I16, tc.I32, tc.I64):
        return _thrift_varint((value << 1) ^ (value >> 63))
    if kind == tc.DOUBLE:
        return struct.pack("<d", value)
    if kind == tc.BINARY:
        return _thrift_varint(len(value)) + value
    if kind in (tc.LIST, tc.SET):
        elem, items = value
        head = (
            bytes([len(items) << 4 | elem])
            if len(items) < 15
            else (bytes([0xF0 | elem]) + _thrift_varint(len(items)))
        )
        if elem in (tc.TRUE, tc.FALSE):
            return head + bytes(tc.TRUE if v else tc.FALSE for v in items)
        return head + b"".join(_thrift_value(elem, v) for v in items)
    if kind == tc.MAP:
        key, val, items = value
        if not items:
            return b"\0"
        return (
            _thrift_varint(len(items))
            + bytes([key << 4 | val])
            + b"".join(_thrift_value(key, k) + _thrift_value(val, v) for k, v in items)
        )
    return _thrift_struct(value)


def _thrift_struct(fields: list) -> bytes:
    """The compact encoding of fields as :func:`thrift_compact.read_struct` reads them."""
    out = bytearray()
    last = 0
    for fid, kind, value in fields:
        if 0 < fid - last <= 15:
            out.append((fid - last) << 4 | kind)
        else:
            out.append(kind)
            out += _thrift_varint((fid << 1) ^ (fid >> 15))
        out += _thrift_value(kind, value)
        last = fid
    out.append(0)
    return bytes(out)


def _set(fields: list, fid: int, value: int) -> None:
    for i, (f, kind, _) in enumerate(fields):
        if f == fid:
            fields[i] = (f, kind, value)


def lying_parquet(path: Path, page_mib: int, columns: int = 1) -> Path:
    """``columns`` int8 columns (``label``, ``x1``, …), each one zstd page of ``page_mib`` MiB
    of zeros (kB on disk; at most 256 MiB, pyarrow's 64 Mi rows a row group), under a footer
    declaring 10 rows and 100 bytes a column: the footer's sizes pass any cap, each page
    header's ``uncompressed_page_size`` is what pyarrow decompresses into (the columns of a row
    group in parallel). Needs pyarrow."""
    if not 0 < page_mib <= 256:
        raise ValueError("page_mib must be in 1..256")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from trojanscope.data.tabular.thrift_compact import read_struct

    rows = page_mib << 18  # int8 is stored as 4-byte INT32
    raw = io.BytesIO()
    zeros = pa.array(np.zeros(rows, np.int8))
    names = ["label", *(f"x{i}" for i in range(1, columns))]
    pq.write_table(
        pa.table(dict.fromkeys(names, zeros)),
        raw,
        compression="zstd",
        use_dictionary=False,
        data_page_size=rows,
        max_rows_per_page=rows,
        row_group_size=rows,
        write_batch_size=rows,
        write_statistics=False,
    )
    data = raw.getvalue()
    size = struct.unpack("<I", data[-8:-4])[0]
    footer, _ = read_struct(data, len(data) - 8 - size)
    _set(footer, 3, 10)  # FileMetaData.num_rows
    for group in next(v for f, _, v in footer if f == 4)[1]:  # row_groups
        _set(group, 2, 100)  # total_byte_size
        _set(group, 3, 10)  # num_rows
        for chunk in next(v for f, _, v in group if f == 1)[1]:  # columns
            meta = next(v for f, _, v in chunk if f == 3)  # ColumnMetaData
            _set(meta, 5, 10)  # num_values
            _set(meta, 6, 100)  # total_uncompressed_size
    new = _thrift_struct(footer)
    path.write_bytes(data[: len(data) - 8 - size] + new + struct.pack("<I", len(new)) + b"PAR1")
    return path


def expanding_parquet(path: Path, rows: int, value_bytes: int) -> Path:
    """A text column ``x`` whose ``rows`` rows all name one ``value_bytes``-long string through
    the column's dictionary (a file of about ``value_bytes`` compressed by zstd), and ``label``:
    pyarrow writes the value out for every row. Needs pyarrow."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    column = pa.array(["a" * value_bytes] * rows).dictionary_encode()
    labels = pa.array([i % 2 for i in range(rows)], pa.int8())
    pq.write_table(pa.table({"x": column, "label": labels}), path, compression="zstd")
    return path


def _edit_parquet_footer(path: Path, edit: Any) -> None:
    from trojanscope.data.tabular.thrift_compact import read_struct

    data = path.read_bytes()
    size = struct.unpack("<I", data[-8:-4])[0]
    footer, _ = read_struct(data, len(data) - 8 - size)
    edit(footer)
    new = _thrift_struct(footer)
    path.write_bytes(data[: len(data) - 8 - size] + new + struct.pack("<I", len(new)) + b"PAR1")


def slack_parquet(path: Path, groups: int, page_mib: int) -> Path:
    """Stop 37 review: ``groups`` row groups of one int64 column, each chunk one brotli page of
    ``page_mib`` MiB of zeros (~80 bytes) declared 0 bytes long under created_by "parquet-mr
    version 1.2.8", whose chunks pyarrow reads 100 bytes past: the page walk saw no page."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = (page_mib << 20) // 8
    schema = pa.schema([pa.field("x", pa.int64(), nullable=False)])
    with pq.ParquetWriter(
        path,
        schema,
        compression="brotli",
        use_dictionary=False,
        write_statistics=False,
        data_page_size=1 << 30,
        max_rows_per_page=n,
        write_batch_size=n,
    ) as writer:
        for _ in range(groups):
            writer.write_table(pa.table({"x": np.zeros(n, np.int64)}, schema=schema), n)

    def edit(footer: list) -> None:
        _set(footer, 6, b"parquet-mr version 1.2.8")
        for group in next(v for f, _, v in footer if f == 4)[1]:
            for chunk in next(v for f, _, v in group if f == 1)[1]:
                meta = next(v for f, _, v in chunk if f == 3)
                _set(meta, 7, 0)
                _set(meta, 6, 100)

    _edit_parquet_footer(path, edit)
    return path


def map_bomb_parquet(path: Path, maps: int = 16_000) -> Path:
    """Stop 37 review: a 64 KiB page header holding a list of ``maps`` bool->bool maps of up to
    ~64k entries each, 4 bytes apiece (the walk read bool entries as 0 bytes: ~5e8 tuples)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({"x": [b"\0" * 100_000], "label": [0]}),
        path,
        compression="NONE",
        use_dictionary=False,
    )
    start = pq.ParquetFile(path).metadata.row_group(0).column(0).data_page_offset
    window = 65536
    body = bytearray(b"\x19\xfb" + _thrift_varint(maps))
    for _ in range(maps):
        body += _thrift_varint(max(window - len(body) - 4, 1)) + b"\x11"
    body += b"\x00"
    with path.open("r+b") as fh:
        fh.seek(start)
        fh.write(bytes(body))
    return path


def nested_text_parquet(path: Path, kind: str, rows: int, value_bytes: int) -> Path:
    """Stop 37 review: one ``value_bytes`` string repeated over ``rows`` cells of a ``kind``
    column (``list`` of strings, ``struct`` of a string, ``view``: string_view, ``fixed``:
    fixed_size_binary), dictionary-encoded: kB on disk, expanded uncounted before the fix."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = "A" * value_bytes
    column = {
        "list": lambda: pa.array([[text] * 10] * (rows // 10), pa.list_(pa.string())),
        "struct": lambda: pa.array([{"f": text}] * rows, pa.struct([("f", pa.string())])),
        "view": lambda: pa.array([text] * rows, pa.string_view()),
        "fixed": lambda: pa.array([text.encode()] * rows, pa.binary(value_bytes)),
    }[kind]()
    labels = pa.array([i % 2 for i in range(len(column))], pa.int8())
    pq.write_table(
        pa.table({"x": column, "label": labels}), path, use_dictionary=True, compression="zstd"
    )
    return path
