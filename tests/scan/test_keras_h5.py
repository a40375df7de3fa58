"""Keras .h5 models: Lambda layers found in the raw bytes (no HDF5 parser in the scanner's
process); h5py, when installed, runs in a child process (stop 36)."""

import json
from pathlib import Path

import pytest

from trojanscope.scan import keras_fmt, scan_file

SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _config(class_name: str) -> bytes:
    return json.dumps(
        {
            "class_name": "Sequential",
            "config": {
                "layers": [
                    {
                        "class_name": class_name,
                        "config": {"name": "evil", "function": ["e30=", None, None]},
                    }
                ]
            },
        }
    ).encode()


@pytest.mark.parametrize("spelling", ["Lambda", "\\u004cambda"])
def test_lambda_layers_found_in_the_bytes(tmp_path: Path, spelling: str) -> None:
    path = tmp_path / "model.h5"
    path.write_bytes(
        SIGNATURE
        + b"\0" * 100
        + _config("Lambda").replace(b'"Lambda"', f'"{spelling}"'.encode())
        + b"\0" * 100
    )
    _, ctx = scan_file(path)
    assert [(f.rule_id, f.evidence.get("layer")) for f in ctx.findings if f.rule_id == "TS320"] == [
        ("TS320", "evil")
    ]


def test_h5py_runs_in_a_child_process(tmp_path: Path, monkeypatch) -> None:
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "real.h5"
    with h5py.File(path, "w") as h5:
        h5.attrs["model_config"] = _config("Lambda").decode()
    calls = []
    real = keras_fmt._child_read
    monkeypatch.setattr(keras_fmt, "_child_read", lambda ctx, f: calls.append(1) or real(ctx, f))
    _, ctx = scan_file(path)
    assert calls and [f.rule_id for f in ctx.findings].count("TS320") == 1
    bad = tmp_path / "bad.h5"
    bad.write_bytes(SIGNATURE + b"\xff" * 4096)  # the HDF5 library refuses it, in the child
    _, ctx = scan_file(bad)
    assert any(f.rule_id == "TS203" for f in ctx.findings)
