"""Calibration files: a malformed entry is refused when the file is read, with one error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.detect.calibration import SHIPPED, load_calibrators
from trojanscope.errors import UserInputError


@pytest.mark.parametrize("edit", [{"coef": []}, {"mean": ["a", 0.0, 0.0]},
                                  {"intercept": "x"}, {"transform": "sqrt"},
                                  {"scale": [0.0, 1.0, 1.0]}, {"coef": [float("nan"), 0, 0]},
                                  {"fitted_on": None}])
def test_a_calibration_file_with_a_malformed_entry_is_one_error_line(tmp_path, edit) -> None:
    """An edited entry (coefficients shorter than the features, a word for a number) was an
    'unexpected ValueError' at the first verdict; now the file is refused when read."""
    shipped = Path(__file__).parents[2] / "src" / "trojanscope" / "detect" / SHIPPED
    raw = json.loads(shipped.read_text())
    raw["auto"].update(edit)
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    key = next(iter(edit))
    with pytest.raises(UserInputError, match=f"unreadable calibration file.*'auto'.*{key}"):
        load_calibrators(path)


def test_the_shipped_file_loads() -> None:
    assert "auto" in load_calibrators()


@pytest.mark.parametrize("content", ["[]", '"x"', '{"auto": 3}'])
def test_a_calibration_file_that_is_not_an_object_of_objects_is_one_error_line(
        tmp_path, content) -> None:
    path = tmp_path / "cal.json"
    path.write_text(content)
    with pytest.raises(UserInputError, match="unreadable calibration file"):
        load_calibrators(path)
