"""A TorchScript archive whose code opens files is refused before torch.jit.load runs it."""

import zipfile
from pathlib import Path

import pytest
import torch
from torch import nn

from trojanscope.cli.main import run
from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model
from trojanscope.scan import scan_file
from trojanscope.scan.torchscript_code import archive_code_problems, unsafe_names


class _WritesOnLoad(nn.Module):
    """Overwrites ``path`` from ``__setstate__``, i.e. while ``torch.jit.load`` runs."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.w = torch.zeros(2, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w.t()

    @torch.jit.export
    def __getstate__(self) -> tuple[torch.Tensor, str, bool]:
        return (self.w, self.path, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[torch.Tensor, str, bool]) -> None:
        t = torch.from_file(state[1], True, 8, dtype=torch.uint8)
        t.fill_(88)
        self.w = state[0] + t.sum().float() * 0.0
        self.path = state[1]
        self.training = state[2]


@pytest.fixture()
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    victim = tmp_path / "victim.txt"
    victim.write_text("ORIGINAL")
    model = tmp_path / "evil.pt"
    torch.jit.script(_WritesOnLoad(str(victim))).save(str(model))
    return model, victim


def test_loader_refuses_code_that_opens_files(hostile: tuple[Path, Path]) -> None:
    model, victim = hostile
    with pytest.raises(UserInputError, match="from_file"):
        load_model(model)
    assert victim.read_text() == "ORIGINAL"  # torch.jit.load never ran the code


def test_scanner_rates_it_critical(hostile: tuple[Path, Path]) -> None:
    _, ctx = scan_file(hostile[0])
    ops = [(f.rule_id, f.severity.label, f.evidence.get("operator")) for f in ctx.findings]
    assert ("TS208", "critical", "from_file") in ops
    assert hostile[1].read_text() == "ORIGINAL"


def test_cli_one_line_exit_2(hostile: tuple[Path, Path], capsys: pytest.CaptureFixture) -> None:
    assert run(["detect", str(hostile[0]), "--data-free"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "from_file" in err[0]
    assert hostile[1].read_text() == "ORIGINAL"


def test_ordinary_scripted_and_quantized_models_pass(tmp_path: Path) -> None:
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
                        nn.Linear(36, 3))
    path = tmp_path / "net.pt"
    torch.jit.script(net.eval()).save(str(path))
    with zipfile.ZipFile(path) as zf:
        assert archive_code_problems(zf) == []
    assert load_model(path).format == "torchscript"
    quant = torch.ao.quantization.quantize_dynamic(
        nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)), {nn.Linear},
        dtype=torch.qint8)
    torch.jit.script(quant).save(str(tmp_path / "q.pt"))
    with zipfile.ZipFile(tmp_path / "q.pt") as zf:
        assert archive_code_problems(zf) == []


@pytest.mark.parametrize(("source", "expected"), [
    ("def f(x: Tensor) -> Tensor:\n  return torch.save(x, 'p')\n", ["save"]),
    ("def f(x: Tensor) -> Tensor:\n  return x.set_(x)\n", ["set_"]),
    ("def f(x: Tensor) -> Tensor:\n  return ops.c10d.broadcast_(x)\n", ["ops.c10d"]),
    ("def f(x: Tensor) -> Tensor:\n  return ops.prim.rpc_sync('w', x)\n", ["rpc_sync"]),
    ("x : __torch__.torch.classes.dist_c10d.Store\n", ["torch.classes.dist_c10d"]),
    ("def f(x: Tensor) -> Tensor:\n  return ops.aten.relu(torch.flatten(x, 1))\n", []),
    ("def f(:\n", ["<unreadable code>"]),
])
def test_unsafe_names(source: str, expected: list[str]) -> None:
    assert unsafe_names(source) == expected


def test_audit_never_picks_a_file_the_scan_skipped(tmp_path: Path) -> None:
    from trojanscope.audit.steps_model import pick_model_path

    hidden = tmp_path / "repo" / ".git"
    hidden.mkdir(parents=True)
    (hidden / "model.pt").write_bytes(b"PK")
    with pytest.raises(UserInputError, match="0 model files"):
        pick_model_path(tmp_path / "repo")
    (tmp_path / "repo" / "model.onnx").write_bytes(b"x")
    assert pick_model_path(tmp_path / "repo") == tmp_path / "repo" / "model.onnx"
