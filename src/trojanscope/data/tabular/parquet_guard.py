"""A Parquet file held to a size cap before and while pyarrow reads it.

Three bounds, each one clear error: the footer's declared bytes and values (stop 36); the
pages' own headers (stop 37: pyarrow allocates each header's ``uncompressed_page_size`` and
decompresses the page into it, whatever the footer declared — a footer declaring 10 rows and
100 bytes over one page header declaring 256 MiB made an 8.6 kB file that pyarrow expanded into
256 MiB to return 10 rows); and the strings a dictionary-encoded column expands to (stop 37:
pyarrow writes each row's dictionary value out in full, so 300 rows naming one 1 MiB string, an
839-byte file whose pages hold 1 MiB, became 300 MiB of cells). The page headers are Thrift
compact structs, walked within each column chunk's byte range as pyarrow reads it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, BinaryIO

from trojanscope.data.tabular.thrift_compact import ThriftError, read_struct
from trojanscope.errors import UserInputError

__all__ = ["PageTotals", "check_sizes", "page_totals", "read_frame"]

MAX_HEADER = 16 << 20  # a page header (statistics included) larger than this is refused
# pyarrow reads up to 100 bytes past a chunk written by parquet-mr <= 1.2.8, whose sizes left
# out the dictionary page header (PARQUET-816); pages could start in those bytes unwalked, so
# files naming such a writer (2013) are refused instead (stop 37 review)
_OLD_MR = (1, 2, 9)
_MR_VERSION = re.compile(r"parquet-mr\s+version\s+(\d+)\.(\d+)\.(\d+)")
# every page costs a header read (~13 us: 1 M tiny pages took the walk 12.6 s, stop 37 review);
# ordinary files hold a few per column and row group (pyarrow's 1 MiB pages: 256 for 256 MiB;
# 100-row row groups: ~390 bytes a page, so this refuses such files past ~95 MB)
MAX_PAGES = 250_000
# PageHeader fields: 2 uncompressed_page_size, 3 compressed_page_size; the page kinds' headers
# (5 data, 7 dictionary, 8 data v2) each start with 1 num_values
_SIZE, _COMPRESSED = 2, 3
_TYPE, _DICTIONARY_PAGE, _DICTIONARY_HEADER = 1, 2, 7
_KIND_HEADERS = (5, 7, 8)


class PageTotals:
    """Declared bytes once decompressed and values, summed over the pages read so far."""

    def __init__(self) -> None:
        self.bytes = 0
        self.values = 0
        self.pages = 0
        self.dictionaries: set[int] = set()  # chunks (by index) holding a dictionary page


def _header(fh: BinaryIO, pos: int, end: int) -> tuple[dict[int, Any], int]:
    """The page header at ``pos`` (read in growing windows) and the offset past it."""
    window = 1024
    while True:
        fh.seek(pos)
        data = fh.read(min(window, end - pos))
        try:
            fields, length = read_struct(data)
            return {fid: value for fid, _, value in fields}, pos + length
        except ThriftError:
            if len(data) < window or window >= MAX_HEADER:
                raise
            window *= 4


def page_totals(
    path: Path, chunks: list[tuple[int, int]], limit_bytes: int, limit_values: int
) -> PageTotals:
    """Sum the pages of every column chunk ``(start, compressed length)``; stops as soon as a
    limit is passed (the caller refuses the file). :class:`ThriftError` for a header that
    cannot be read, a size below zero or a page reaching past its chunk."""
    totals = PageTotals()
    with path.open("rb") as fh:
        for index, (start, length) in enumerate(chunks):
            pos, end = start, start + length
            while pos < end:
                header, body = _header(fh, pos, end)
                size, compressed = header.get(_SIZE), header.get(_COMPRESSED)
                if not isinstance(size, int) or not isinstance(compressed, int):
                    raise ThriftError(f"a page header without its sizes at byte {pos:,}")
                if size < 0 or compressed < 0 or body + compressed > end:
                    raise ThriftError(f"a page at byte {pos:,} with sizes outside its column")
                kind = next((header[k] for k in _KIND_HEADERS if k in header), [])
                values = (
                    next((v for fid, _, v in kind if fid == 1), 0) if isinstance(kind, list) else 0
                )
                if header.get(_TYPE) == _DICTIONARY_PAGE or _DICTIONARY_HEADER in header:
                    totals.dictionaries.add(index)
                totals.bytes += size
                totals.values += values if isinstance(values, int) and values > 0 else 0
                totals.pages += 1
                if (
                    totals.bytes > limit_bytes
                    or totals.values > limit_values
                    or totals.pages > MAX_PAGES
                ):
                    return totals
                pos = body + compressed
    return totals


def _footer(path: Path) -> tuple[int, int, list[tuple[int, int]]]:
    """The bytes a Parquet file's footer declares for its column chunks once decompressed, its
    number of values (rows x columns: run-length encoding expands past the bytes), and each
    column chunk's byte range ``(start, length)`` as pyarrow reads it (from the dictionary page
    when there is one, as pyarrow's ``ComputeColumnChunkRange`` does)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        _check_writer(path, meta.created_by)
        columns = [
            meta.row_group(i).column(j)
            for i in range(meta.num_row_groups)
            for j in range(meta.num_columns)
        ]
        chunks = []
        for col in columns:
            start, dictionary = col.data_page_offset, col.dictionary_page_offset
            if col.has_dictionary_page and dictionary is not None and 0 < dictionary < start:
                start = dictionary
            chunks.append((start, col.total_compressed_size))
        size = sum(col.total_uncompressed_size for col in columns)
        return size, meta.num_rows * meta.num_columns, chunks
    except UserInputError:
        raise
    except Exception as exc:  # pyarrow raises many types for a damaged footer
        raise UserInputError(f"{path}: cannot read Parquet ({type(exc).__name__})") from None


def _check_writer(path: Path, created_by: Any) -> None:
    """Refuse a file whose writer pyarrow pads chunks for: ``parquet-mr`` before 1.2.9, or a
    ``parquet-mr`` whose version cannot be read (pyarrow takes that as 0.0.0)."""
    text = str(created_by or "").lower()
    if "parquet-mr" not in text:
        return
    found = _MR_VERSION.search(text)
    if found is None or tuple(int(g) for g in found.groups()) < _OLD_MR:
        raise UserInputError(
            f"{path}: written by {str(created_by)[:60]!r} (parquet-mr before 1.2.9, whose column "
            "sizes pyarrow pads by 100 unchecked bytes); not read"
        )


def check_sizes(path: Path, cap: int) -> set[int]:
    """Refuse a file whose footer or page headers declare more than ``cap`` bytes once
    decompressed, or more than ``cap // 2`` values (what a CSV of ``cap`` bytes can hold).
    Returns the columns (by leaf index) whose chunks hold a dictionary page, as walked."""
    declared, cells, chunks = _footer(path)
    if declared > cap or cells > cap // 2:
        raise UserInputError(
            f"{path}: its columns expand to {declared:,} bytes and {cells:,} "
            f"values, more than a {cap >> 20} MiB table; not read "
            "(compressed and run-length encoded pages expand in pyarrow)"
        )
    try:
        pages = page_totals(path, chunks, cap, cap // 2)
    except (ThriftError, OSError) as exc:
        raise UserInputError(f"{path}: cannot read Parquet (page header: {exc})") from None
    except (MemoryError, RecursionError, ValueError, TypeError) as exc:  # never past the guard
        raise UserInputError(
            f"{path}: cannot read Parquet (page header: {type(exc).__name__})"
        ) from None
    if pages.pages > MAX_PAGES:
        raise UserInputError(
            f"{path}: more than {MAX_PAGES:,} pages; not read (every page header is read "
            "before the table: write larger pages or row groups)"
        )
    if pages.bytes > cap or pages.values > cap // 2:
        raise UserInputError(
            f"{path}: its page headers declare at least {pages.bytes:,} bytes and "
            f"{pages.values:,} values in {pages.pages:,} pages (its footer {declared:,} bytes), "
            f"more than a {cap >> 20} MiB table; not read (pyarrow allocates what each page "
            "header declares)"
        )
    width = _leaf_count(path)
    return {index % width for index in pages.dictionaries} if width else set()


def _leaf_count(path: Path) -> int:
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_columns)
    except Exception as exc:
        raise UserInputError(f"{path}: cannot read Parquet ({type(exc).__name__})") from None


def read_frame(path: Path, cap: int, dictionaries: set[int] | None = None) -> Any:
    """The file as a pandas frame, string and binary columns read as dictionaries first so that
    the bytes they expand to are counted (and refused over ``cap``) before they exist.

    Only flat columns are read (numbers, bool, temporal, decimal, string/binary and their large
    forms, fixed-size binary, dictionaries of those): strings inside lists, structs or maps and
    view types expand uncounted in pyarrow (stop 37 review). ``dictionaries``: the leaf columns
    whose chunks hold a dictionary page (from :func:`check_sizes`), the only ones asked for as
    dictionaries (pyarrow cannot for DELTA_BYTE_ARRAY pages); ``None``: every text column."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
        leaves = [parquet.schema.column(j).path for j in range(len(parquet.schema))]
        rows = parquet.metadata.num_rows
    except Exception as exc:
        raise UserInputError(f"{path}: cannot read Parquet ({type(exc).__name__})") from None
    _check_flat(path, schema, len(leaves), rows, cap)
    try:
        texts = [
            leaf
            for j, (field, leaf) in enumerate(zip(schema, leaves, strict=True))
            if _is_text(_value_type(field.type)) and (dictionaries is None or j in dictionaries)
        ]
        table = pq.read_table(path, read_dictionary=texts)
        expands = 0
        for column in table.columns:  # also columns the file's own schema keeps as dictionaries
            for chunk in column.chunks:
                if isinstance(chunk, pa.DictionaryArray) and _is_text(chunk.dictionary.type):
                    lengths = pc.binary_length(chunk.dictionary).fill_null(0)
                    expands += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise UserInputError(f"{path}: cannot read Parquet ({type(exc).__name__})") from None
    if expands > cap:
        raise UserInputError(
            f"{path}: its text columns expand to {expands:,} bytes, more than a {cap >> 20} MiB "
            "table; not read (each row spells its dictionary value out)"
        )
    try:
        return table.to_pandas()
    except Exception as exc:
        raise UserInputError(f"{path}: cannot read Parquet ({type(exc).__name__})") from None


def _value_type(kind: Any) -> Any:
    import pyarrow as pa

    return kind.value_type if pa.types.is_dictionary(kind) else kind


def _check_flat(path: Path, schema: Any, leaves: int, rows: int, cap: int) -> None:
    """Refuse columns other than flat ones, and fixed-size binary past ``cap`` bytes."""
    import pyarrow as pa

    fixed = 0
    for field in schema:
        kind = _value_type(field.type)
        if pa.types.is_fixed_size_binary(kind):
            fixed += kind.byte_width * rows
        elif not (
            _is_text(kind)
            or pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_null(kind)
            or pa.types.is_decimal(kind)
            or pa.types.is_temporal(kind)
        ):
            raise UserInputError(
                f"{path}: column {field.name[:60]!r} is {str(field.type)[:60]}; only flat columns "
                "(numbers, bool, dates and times, strings, binary) are read"
            )
    if len(schema) != leaves:
        raise UserInputError(f"{path}: its columns are not flat; not read")
    if fixed > cap:
        raise UserInputError(
            f"{path}: its fixed-size binary columns expand to {fixed:,} bytes, more than a "
            f"{cap >> 20} MiB table; not read"
        )


def _is_text(kind: Any) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )
