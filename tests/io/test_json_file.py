"""JSON a user hands us: size-capped, and deep nesting is one clear error, not a traceback."""

from pathlib import Path

import pytest

from trojanscope.data.text_files import read_records
from trojanscope.errors import UserInputError
from trojanscope.io.json_file import load_json
from trojanscope.io.manifest import read_manifest

DEEP = "[" * 100_000 + "]" * 100_000  # Python's decoder raised RecursionError


def test_a_deeply_nested_manifest_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(DEEP)
    with pytest.raises(UserInputError, match="nested too deeply"):
        read_manifest(tmp_path)


def test_a_deeply_nested_jsonl_line_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "fine", "label": 0}\n' + DEEP + "\n")
    with pytest.raises(UserInputError, match="line 2: JSON nested too deeply"):
        read_records(path)


def test_a_json_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"a": "' + "x" * 2000 + '"}')
    with pytest.raises(ValueError, match="1,000-byte limit"):
        load_json(path, 1000)
    assert load_json(path)["a"] == "x" * 2000
