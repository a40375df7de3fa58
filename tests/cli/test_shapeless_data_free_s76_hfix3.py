"""``detect MODEL.pt --data-free`` on a TorchScript file is refused before the sandboxed child
loads it (stop 76 hfix3): an archive records no input shape, so the detector refused it in
one line anyway, after 5.4 CPU s of imports and the child's start (hrev's "named" (3)). The
checks the loader makes first keep their own words (a plain checkpoint here)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.cli.main import run


@pytest.fixture
def no_child(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the sandboxed child was started")

    monkeypatch.setattr("trojanscope.io.ts_proxy.SandboxedModule", refuse)


def one_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_traced_file_data_free_refused_before_the_child(tmp_path, no_child, capsys) -> None:
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.LazyLinear(3)).eval()
    example = torch.zeros(1, 1, 8, 8)
    net(example)
    path = tmp_path / "traced.pt"
    torch.jit.trace(net, example).save(str(path))
    assert run(["detect", str(path), "--data-free"]) == 2
    assert "input shape is unknown: give clean data or a manifest" in one_error(capsys)


def test_checkpoint_data_free_keeps_its_own_words(tmp_path, no_child, capsys) -> None:
    path = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(2)}, path)
    assert run(["detect", str(path), "--data-free"]) == 2
    line = one_error(capsys)
    assert "input shape" not in line and "checkpoint" in line, line


def test_a_dangerous_archive_data_free_keeps_the_scanners_words(tmp_path, no_child,
                                                                 capsys) -> None:
    import zipfile

    net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2)).eval()
    path = tmp_path / "bad.pt"
    torch.jit.trace(net, torch.zeros(1, 4)).save(str(path))
    prefix = zipfile.ZipFile(path).namelist()[0].split("/")[0]
    payload = b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03."
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(f"{prefix}/payload.bin", payload)
    assert run(["detect", str(path), "--data-free"]) == 2
    line = one_error(capsys)
    assert "the scanner rated" in line and "input shape" not in line, line
