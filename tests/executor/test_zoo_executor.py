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
        "--epochs", "1", "--seed", "5", "--attacks", "badnets"]  # the same zoo, not a good one


def models(zoo: Path) -> list[dict]:
    return json.loads((zoo / "truth.json").read_text())["models"]


@pytest.fixture(scope="module")
def serial_zoo(tmp_path_factory) -> Path:
    zoo = tmp_path_factory.mktemp("serial") / "zoo"
    assert run([*MAKE, "--executor", "serial", "--out", str(zoo)]) == 0
    return zoo


@pytest.mark.parametrize("executor", ["process", pytest.param("ray", marks=pytest.mark.slow)])
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


@pytest.mark.slow  # ~12 s (stop 41); the process pool's contract and `zoo make` through it stay
def test_zoo_eval_same_rows_whatever_the_executor(serial_zoo, capsys) -> None:
    """Detection over a zoo is one task per model, seeded by --seed: the process pool gives the
    serial run's rows, in the zoo's order."""
    fast = ["--method", "trigger_search", "--method-param=per_class=8",
            "--method-param=warmup_steps=10", "--method-param=refine_steps=10",
            "--method-param=batch_per_arm=8", "--format", "json"]
    reports = []
    for executor in ("serial", "process"):
        capsys.readouterr()
        assert run(["-q", "zoo", "eval", str(serial_zoo), *fast, "--executor", executor,
                    "--workers", "2"]) == 0
        reports.append(json.loads(capsys.readouterr().out))
    strip = [[{k: v for k, v in row.items() if k != "elapsed_s"} for row in r["rows"]]
             for r in reports]
    assert strip[0] == strip[1]
    assert [row["name"] for row in strip[0]] == [m["name"] for m in models(serial_zoo)
                                                 if row_is_scored(m)]


def row_is_scored(entry: dict) -> bool:
    from trojanscope.zoo import ZooEntry, effective

    return effective(ZooEntry(**entry))
