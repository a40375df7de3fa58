"""A Parquet table is size-checked from its footer before pyarrow expands its pages (stop 36)."""

from pathlib import Path

import pytest

from trojanscope.data.tabular import table
from trojanscope.errors import UserInputError


def test_columns_expanding_past_the_cap_are_refused(tmp_path: Path, monkeypatch) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"x": [0.0] * 20_000, "label": [0] * 20_000}), path, compression="zstd"
    )  # under 1 KB on disk: 40,000 values
    assert table.read_table(path)["label"][:2] == ["0", "0"]
    monkeypatch.setattr(table, "MAX_CSV_BYTES", 10_000)
    with pytest.raises(UserInputError, match=r"40,000 values, more than"):
        table.read_table(path)


def test_pages_declaring_more_than_the_footer_are_refused(tmp_path: Path, monkeypatch) -> None:
    # stop 37: the footer declares 10 rows and 100 bytes, the one page header 4 MiB; pyarrow
    # allocates what the page header declares (256 MiB for a 8.6 kB file at stop 37's measure)
    pytest.importorskip("pyarrow")
    from trojanscope.testing.hostile_loads import lying_parquet

    path = lying_parquet(tmp_path / "lying.parquet", 4)
    assert path.stat().st_size < 10_000
    monkeypatch.setattr(table, "MAX_CSV_BYTES", 1 << 20)
    with pytest.raises(UserInputError, match=r"page headers declare at least 4,194,313 bytes"):
        table.read_table(path)


@pytest.mark.parametrize("compression", ["snappy", "zstd", "none"])
@pytest.mark.parametrize("dictionary", [True, False])
@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_ordinary_files_pass_the_page_check(
    tmp_path: Path, compression: str, dictionary: bool, version: str
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "t.parquet"
    rows = 30_000
    columns = {
        "x": [float(i) if i % 11 else None for i in range(rows)],
        "s": [f"w{i % 7}" for i in range(rows)],
        "label": [i % 2 for i in range(rows)],
    }
    pq.write_table(
        pa.table(columns),
        path,
        compression=compression,
        use_dictionary=dictionary,
        data_page_version=version,
        row_group_size=7_000,
        data_page_size=4096,
    )  # many pages and row groups, a dictionary page per chunk when asked
    got = table.read_table(path)
    assert got["s"][:2] == ["w0", "w1"] and len(got["label"]) == rows


def test_an_unreadable_page_header_is_one_clear_error(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"label": [0, 1] * 50}), path, use_dictionary=False)
    start = pq.ParquetFile(path).metadata.row_group(0).column(0).data_page_offset
    raw = bytearray(path.read_bytes())
    raw[start : start + 12] = b"\x19" * 12  # a list header repeated: not a page header
    path.write_bytes(bytes(raw))
    with pytest.raises(UserInputError, match=r"cannot read Parquet"):
        table.read_table(path)


def test_a_dictionary_column_expanding_past_the_cap_is_refused(tmp_path: Path, monkeypatch) -> None:
    # stop 37: 300 rows naming one 1 MiB string were an 839-byte file (pages: 1 MiB) that
    # pyarrow wrote out as 300 MiB of cells; here 40 rows of one 64 kB string, cap 1 MiB
    pytest.importorskip("pyarrow")
    from trojanscope.testing.hostile_loads import expanding_parquet

    path = expanding_parquet(tmp_path / "t.parquet", 40, 65_536)
    assert path.stat().st_size < 4_000
    assert table.read_table(path)["x"][0] == "a" * 65_536
    monkeypatch.setattr(table, "MAX_CSV_BYTES", 1 << 20)
    with pytest.raises(UserInputError, match=r"text columns expand to 2,621,440 bytes"):
        table.read_table(path)


def test_a_chunk_in_parquet_mr_slack_is_refused(tmp_path: Path, monkeypatch) -> None:
    # stop 37 review: created_by "parquet-mr version 1.2.8" makes pyarrow read 100 bytes past each
    # chunk; a chunk declared 0 bytes long holding one brotli page of 2 MiB zeros walked no page
    # (1.8 kB files read 384 MiB at the review's scale)
    pytest.importorskip("pyarrow")
    from trojanscope.testing.hostile_loads import slack_parquet

    path = slack_parquet(tmp_path / "slack.parquet", 1, 2)
    assert path.stat().st_size < 2_000  # the page fits in the 100 bytes pyarrow reads past
    monkeypatch.setattr(table, "MAX_CSV_BYTES", 1 << 20)
    with pytest.raises(UserInputError, match=r"parquet-mr before 1.2.9"):
        table.read_table(path)


@pytest.mark.parametrize(
    ("created_by", "refused"),
    [
        ("parquet-mr version 1.2.8 (build abc)", True),
        ("Parquet-MR version x", True),
        ("parquet-mr version 1.2.9 (build abc)", False),
        ("parquet-mr version 1.12.3 (build f8dced1)", False),
        ("parquet-cpp-arrow version 26.0.1", False),
        (None, False),
    ],
)
def test_writer_versions_pyarrow_pads(created_by, refused: bool) -> None:
    from trojanscope.data.tabular.parquet_guard import _check_writer

    if refused:
        with pytest.raises(UserInputError, match=r"parquet-mr before 1.2.9"):
            _check_writer(Path("t.parquet"), created_by)
    else:
        _check_writer(Path("t.parquet"), created_by)


def test_bools_in_a_map_cost_a_byte_each() -> None:
    # stop 37 review: bool map keys and values were read from the type nibble, no byte each, so
    # a 4-byte map held ~64k entries and a 100 kB page header tens of GB of tuples
    from trojanscope.data.tabular import thrift_compact
    from trojanscope.data.tabular.thrift_compact import ThriftError, read_struct

    # field 1: a map of 3 bool -> bool entries (6 bytes), then stop
    good = bytes([0x1B, 3, 0x11, 1, 2, 1, 1, 2, 2, 0])
    fields, length = read_struct(good)
    pairs = [(True, False), (True, True), (False, False)]
    assert length == len(good) and fields == [(1, 11, (1, 1, pairs))]
    bomb = bytes([0x1B, 0xFC, 0x03, 0x11, 0]) + b"\0" * 500  # 508 entries, 505 bytes left
    with pytest.raises(ThriftError):
        read_struct(bomb)
    many = bytes([0x19, 0xF5, 120]) + b"\x02" * 120 + b"\0"  # a list of 120 i32
    assert read_struct(many)[0][0][2][1] == [1] * 120
    old = thrift_compact.MAX_ELEMENTS
    try:
        thrift_compact.MAX_ELEMENTS = 100
        with pytest.raises(ThriftError, match=r"more than 100 list or map elements"):
            read_struct(many)
    finally:
        thrift_compact.MAX_ELEMENTS = old


def test_an_error_inside_the_page_walk_is_one_clear_line(tmp_path: Path, monkeypatch) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from trojanscope.data.tabular import parquet_guard

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"label": [0, 1] * 50}), path)

    def boom(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(parquet_guard, "page_totals", boom)
    with pytest.raises(UserInputError, match=r"cannot read Parquet \(page header: MemoryError\)"):
        table.read_table(path)


def _hostile_columns(pa, big: int) -> dict:
    text = "A" * big
    rows = 200
    return {
        "list": pa.array([[text] * 10 for _ in range(rows // 10)], pa.list_(pa.string())),
        "struct": pa.array([{"f": text}] * rows, pa.struct([("f", pa.string())])),
        "view": pa.array([text] * rows, pa.string_view()),
        "fixed": pa.array([text.encode()] * rows, pa.binary(big)),
    }


@pytest.mark.parametrize("kind", ["list", "struct", "view", "fixed"])
def test_strings_outside_flat_text_columns_are_refused(
    tmp_path: Path, monkeypatch, kind: str
) -> None:
    # stop 37 review: list<string>, struct<string>, string_view and fixed_size_binary columns
    # dictionary-encoded expanded uncounted (1 kB files -> 1 GiB); here ~3 MiB under a 1 MiB cap
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    column = _hostile_columns(pa, 16 << 10)[kind]
    path = tmp_path / f"{kind}.parquet"
    labels = pa.array([i % 2 for i in range(len(column))])
    pq.write_table(
        pa.table({"x": column, "label": labels}), path, use_dictionary=True, compression="zstd"
    )
    assert path.stat().st_size < 64 << 10
    monkeypatch.setattr(table, "MAX_CSV_BYTES", 1 << 20)
    expected = r"fixed-size binary columns expand to" if kind == "fixed" else r"only flat columns"
    with pytest.raises(UserInputError, match=expected):
        table.read_table(path)


@pytest.mark.parametrize("encoding", ["DELTA_BYTE_ARRAY", "DELTA_LENGTH_BYTE_ARRAY"])
def test_delta_encoded_strings_are_read(tmp_path: Path, encoding: str) -> None:
    # stop 37 review: read_dictionary is not implemented for the delta decoders (Spark's v2
    # writer), so every such file was refused; only chunks holding a dictionary page ask for it
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "delta.parquet"
    rows = 300
    pq.write_table(
        pa.table({"s": [f"w{i % 7}" for i in range(rows)], "label": [i % 2 for i in range(rows)]}),
        path,
        use_dictionary=["label"],
        column_encoding={"s": encoding},
    )
    got = table.read_table(path)
    assert got["s"][:2] == ["w0", "w1"] and len(got["label"]) == rows


def test_small_fixed_size_binary_is_read(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"k": pa.array([b"ab", b"cd"] * 5, pa.binary(2)), "label": [0, 1] * 5}), path
    )
    assert table.read_table(path)["k"][:2] == ["b'ab'", "b'cd'"]


def test_a_dictionary_page_the_footer_does_not_name_is_counted(tmp_path: Path, monkeypatch) -> None:
    # the dictionary columns come from the page headers walked, not the footer's
    # dictionary_page_offset, which pyarrow's page reader does not need to honour a dictionary page
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from trojanscope.testing.hostile_loads import _edit_parquet_footer, _set

    path = tmp_path / "t.parquet"
    rows = 40
    pq.write_table(
        pa.table({"s": ["A" * (64 << 10)] * rows, "label": [i % 2 for i in range(rows)]}),
        path,
        compression="zstd",
    )

    def edit(footer) -> None:
        for group in next(v for f, _, v in footer if f == 4)[1]:
            for chunk in next(v for f, _, v in group if f == 1)[1]:
                meta = next(v for f, _, v in chunk if f == 3)
                offset = next(v for f, _, v in meta if f == 11)
                _set(meta, 9, offset)
                meta[:] = [field for field in meta if field[0] != 11]

    _edit_parquet_footer(path, edit)
    assert not pq.ParquetFile(path).metadata.row_group(0).column(0).has_dictionary_page
    monkeypatch.setattr(table, "MAX_CSV_BYTES", 1 << 20)
    with pytest.raises(UserInputError, match=r"text columns expand to 2,621,440 bytes"):
        table.read_table(path)


def test_too_many_pages_is_one_clear_line(tmp_path: Path, monkeypatch) -> None:
    # stop 37 review: 1 M tiny pages took the walk 12.6 s; the cap is now 250,000 pages
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from trojanscope.data.tabular import parquet_guard

    assert parquet_guard.MAX_PAGES <= 250_000
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"label": [0, 1] * 50}), path, row_group_size=5)  # 20 pages
    table.read_table(path)
    monkeypatch.setattr(parquet_guard, "MAX_PAGES", 10)
    with pytest.raises(UserInputError, match=r"more than 10 pages; not read"):
        table.read_table(path)
