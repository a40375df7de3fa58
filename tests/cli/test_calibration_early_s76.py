"""Stop 76 (hcmd's first contact): `detect mlp/digits.onnx --data clean.npz --calibration
missing.json` got `error: missing.json: no such calibration file` after 4.3 CPU s of imports
(load 16), where a missing model or method is refused before torch. A missing `--calibration`
file is now refused there too, in the loader's words, by every command that takes it."""

from __future__ import annotations

from pathlib import Path

from test_early_refusals import refusals_before_torch


def test_a_missing_calibration_file_is_refused_before_torch(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text("{}")
    lines = [["detect", str(run), "--calibration", "missing.json"],
             ["audit", str(run), "--calibration", "missing.json"],
             ["zoo", "eval", str(run), "--calibration", "missing.json"]]
    errors = refusals_before_torch(lines, tmp_path)
    assert errors == ["error: missing.json: no such calibration file"] * 3, errors
