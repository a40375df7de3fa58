"""Stop 76 (hcmd's first contact, named (4)): `detect mlp/digits.onnx --data clean.npz
--calibration transactions.csv` was refused only after 4.5 CPU s of imports, where a missing
file was refused before torch. A file that is not JSON, or JSON that is not an object of
calibrator objects, is now refused there too, in the loader's words, by every command that takes
``--calibration``; a valid file still passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_early_refusals import refusals_before_torch

from trojanscope.cli.early_calibration import check_keep_ratio
from trojanscope.detect.calibration import load_calibrators
from trojanscope.errors import UserInputError


def test_a_calibration_file_that_is_not_json_is_refused_before_torch(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text("{}")
    (tmp_path / "transactions.csv").write_text("Age,Income,is_fraud\n21,3000,0\n")
    (tmp_path / "list.json").write_text("[1, 2]")
    lines = [["detect", str(run), "--calibration", "transactions.csv"],
             ["audit", str(run), "--calibration", "transactions.csv"],
             ["zoo", "eval", str(run), "--calibration", "list.json"]]
    errors = refusals_before_torch(lines, tmp_path)
    said = "error: transactions.csv: unreadable calibration file (Expecting value: line 1 column 1"
    assert errors[0].startswith(said) and errors[1] == errors[0], errors
    assert errors[2] == ("error: list.json: unreadable calibration file (expected an object of "
                         "calibrator objects)"), errors


@pytest.mark.parametrize("text", ["Age,is_fraud\n21,0\n", "[1, 2]", '{"auto": 3}', "{"])
def test_the_early_words_are_the_loaders(tmp_path: Path, text: str) -> None:
    bad = tmp_path / "cal.json"
    bad.write_text(text)
    with pytest.raises(UserInputError) as early:
        check_keep_ratio(bad)
    with pytest.raises(UserInputError) as late:
        load_calibrators(bad)
    assert str(early.value) == str(late.value)


def test_a_valid_file_is_left_to_the_loader(tmp_path: Path) -> None:
    good = tmp_path / "empty.json"
    good.write_text("{}")
    check_keep_ratio(good)  # no calibrator: the loader takes it, detect reads "NOT calibrated"
    assert load_calibrators(good) == {}
