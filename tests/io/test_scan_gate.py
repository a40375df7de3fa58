"""Every command that loads a user's model scans the files it reads first (stop 36)."""

from pathlib import Path

import pytest
import torch
from torch import nn

from trojanscope.cli.main import run
from trojanscope.errors import UserInputError
from trojanscope.io import scan_gate
from trojanscope.io.models import load_model
from trojanscope.testing.hostile_loads import smuggled_torchscript


@pytest.fixture()
def smuggled(tmp_path: Path) -> Path:
    """A TorchScript archive torch loads happily, carrying a pickle that runs a shell command
    (torch never reads the member; the scanner rates it critical)."""
    plain = tmp_path / "lin.pt"
    torch.jit.script(nn.Linear(2, 2)).save(str(plain))
    return smuggled_torchscript(plain, tmp_path / "lin_extra.pt")


def test_load_model_refuses_what_the_scanner_rates_critical(smuggled: Path) -> None:
    with pytest.raises(UserInputError, match=r"TS102.*trojanscope scan"):
        load_model(smuggled)  # loaded as TorchScript before the gate


@pytest.mark.parametrize(
    "command", [["detect", "--data-free"], ["certify", "--data", "mnist", "--report", "r"]]
)
def test_commands_refuse_it_in_one_line(
    smuggled: Path, command: list[str], capsys: pytest.CaptureFixture
) -> None:
    args = [str(smuggled.parent / a) if a == "r" else a for a in command[1:]]
    assert run([command[0], str(smuggled), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "TS102" in err[0] and "trojanscope scan" in err[0], err


def test_a_run_folder_scans_manifest_and_weights_once(
    tmp_path: Path, monkeypatch, tiny_train, tiny_test
) -> None:
    import trojanscope.scan as scan
    from trojanscope.engine import Trainer
    from trojanscope.experiment import run_experiment, save_experiment

    seen: list[list[str]] = []
    real = scan.scan_paths

    def spy(paths, policy):
        seen.append(sorted(Path(p).name for p in paths))
        return real(paths, policy)

    monkeypatch.setattr(scan, "scan_paths", spy)
    monkeypatch.setattr(scan_gate, "_CLEAN", set())
    result = run_experiment(
        "synthetic",
        trainer=Trainer(epochs=1),
        seed=2,
        arch_params={"width": 8},
        train_split=tiny_train,
        test_split=tiny_test,
    )
    folder = tmp_path / "model"
    save_experiment(result, folder)
    load_model(folder)
    load_model(folder)  # unchanged: not scanned again
    assert seen == [["manifest.json", "model.safetensors"]]
    load_model(folder, scan=False)
    assert len(seen) == 1
