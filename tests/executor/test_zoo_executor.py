"""``zoo make`` through every executor gives the same zoo (each model is a task with its own
seed), and the CLI's bad executor settings are one error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from trojanscope.cli.main import run

MAKE = ["-q", "zoo", "make", "--dataset", "synthetic", "--clean", "2", "--backdoored", "1",
        "--epochs", "4", "--seed", "5", "--attacks", "badnets"]


def models(zoo: Path) -> list[dict]:
    return json.loads((zoo / "truth.json").read_text())["models"]


@pytest.fixture(scope="module")
def serial_zoo(tmp_path_factory) -> Path:
    zoo = tmp_path_factory.mktemp("serial") / "zoo"
    assert run([*MAKE, "--executor", "serial", "--out", str(zoo)]) == 0
    return zoo


@pytest.mark.parametrize("executor", ["process", "ray"])
def test_same_zoo_whatever_the_executor(executor, serial_zoo, tmp_path, request) -> None:
    if executor == "ray":
        request.getfixturevalue("local_ray")
    zoo = tmp_path / "zoo"
    assert run([*MAKE, "--executor", executor, "--workers", "2", "--out", str(zoo)]) == 0
    assert models(zoo) == models(serial_zoo)
    assert len(models(zoo)) == 3
    for name in ("clean-000", "clean-001", "badnets-000"):
        a, b = (load_file(z / name / "model.safetensors") for z in (zoo, serial_zoo))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name


def test_executor_errors_are_one_line(tmp_path, capsys, monkeypatch) -> None:
    import sys

    out = tmp_path / "zoo"
    assert run([*MAKE, "--executor", "slurm", "--out", str(out)]) == 2
    assert "unknown executor 'slurm'" in capsys.readouterr().err
    assert run([*MAKE, "--executor", "serial", "--address", "x:1", "--out", str(out)]) == 2
    assert "--address is for --executor ray" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "ray", None)
    assert run([*MAKE, "--executor", "ray", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "pip install 'trojanscope[ray]'" in err
    assert not out.exists()  # nothing written
