"""Review of the stop-42 scanner merge (stop 43, hR1): ``[limits]`` values in a config file."""

from __future__ import annotations

import pytest

from trojanscope.errors import UserInputError
from trojanscope.scan.rules import load_policy


@pytest.mark.parametrize("value", ["true", "false", "0", "-1", "1.5", '"64"'])
def test_a_limit_that_is_no_positive_count_is_refused(tmp_path, value: str) -> None:
    """TOML ``true`` is a Python bool, an ``int``: ``max_onnx_parse = true`` was taken as 1
    byte (every ONNX model to the streaming reader) and ``max_seconds = true`` as 1 s,
    silently."""
    config = tmp_path / "rules.toml"
    for key in ("max_onnx_parse", "max_seconds"):
        config.write_text(f"[limits]\n{key} = {value}\n")
        with pytest.raises(UserInputError, match=f"{key} must be a known limit"):
            load_policy([config])


def test_a_positive_count_is_taken(tmp_path) -> None:
    config = tmp_path / "rules.toml"
    config.write_text("[limits]\nmax_onnx_parse = 1\n")
    assert load_policy([config]).limits.max_onnx_parse == 1
