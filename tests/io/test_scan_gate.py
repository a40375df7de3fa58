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


# -- review hR5: files the loader never reads, reviewed exceptions, text run folders ----------


def _hub_folder(folder: Path) -> Path:
    """A benign BERT folder plus what Trainer pushes beside it: ``training_args.bin`` and
    ``rng_state.pth``, here pickles that call code (rated critical; never read by the loader)."""
    from trojanscope.testing.hf_corpus import _torch_zip_payload, write_benign

    write_benign(folder)
    _torch_zip_payload(folder / "training_args.bin")
    _torch_zip_payload(folder / "rng_state.pth")
    return folder


def test_a_hub_folder_is_not_refused_for_files_the_loader_never_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch
) -> None:
    from trojanscope.io import hf_load
    from trojanscope.io.hf_load import read_files

    folder = _hub_folder(tmp_path / "hub")
    assert {p.name for p in read_files(folder)} == {
        "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json"}
    scan_gate.refuse_dangerous(folder, reads=read_files(folder))
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warning" in err[0] and "training_args.bin" in err[0], err
    monkeypatch.setattr(hf_load, "load_hf_folder", lambda path: "loaded")
    assert load_model(folder) == "loaded"  # past the gate
    assert "training_args.bin" in capsys.readouterr().err


def test_a_hub_folder_is_still_refused_for_a_file_it_reads_or_a_folder_rule(
    tmp_path: Path
) -> None:
    from trojanscope.io.hf_load import read_files
    from trojanscope.testing.hf_corpus import _torch_zip_payload, write_trick

    folder = _hub_folder(tmp_path / "bin")
    (folder / "model.safetensors").unlink()  # the loader now reads the pickle weights
    _torch_zip_payload(folder / "pytorch_model.bin")
    with pytest.raises(UserInputError, match=r"pytorch_model\.bin.*critical"):
        scan_gate.refuse_dangerous(folder, reads=read_files(folder))
    for trick, rule in (("shard-index-traversal", "TS450"), ("auto-map-other-repo", "TS401")):
        folder = tmp_path / trick
        write_trick(folder, trick)
        with pytest.raises(UserInputError, match=rule):
            load_model(folder)


def test_a_reviewed_exception_in_the_scan_config_env_lets_the_model_through(
    smuggled: Path, tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(scan_gate, "_CLEAN", set())
    monkeypatch.delenv(scan_gate.CONFIG_ENV, raising=False)
    assert run(["detect", str(smuggled), "--data-free"]) == 2
    err = capsys.readouterr().err
    assert "TROJANSCOPE_SCAN_CONFIG" in err and "trojanscope scan" in err
    config = tmp_path / "reviewed.toml"
    config.write_text(f'[[suppress]]\nrule = "*"\npath = "{smuggled.name}"\n'
                      'reason = "reviewed: torch never reads the extra member"\n')
    monkeypatch.setenv(scan_gate.CONFIG_ENV, str(config))
    assert load_model(smuggled).format == "torchscript"
    monkeypatch.setenv(scan_gate.CONFIG_ENV, str(tmp_path / "missing.toml"))
    with pytest.raises(UserInputError, match=r"TROJANSCOPE_SCAN_CONFIG.*not a file"):
        load_model(smuggled)
    corrupt = tmp_path / "corrupt.toml"
    corrupt.write_text("not = [toml\n")
    monkeypatch.setenv(scan_gate.CONFIG_ENV, str(corrupt))
    with pytest.raises(UserInputError, match=r"^TROJANSCOPE_SCAN_CONFIG .*not valid TOML"):
        load_model(smuggled)  # named as the variable that gave it, not as --config


def test_a_text_run_folder_scans_its_config_and_tokenizer(tmp_path: Path, monkeypatch) -> None:
    from trojanscope.io.models import _loaded_files
    from trojanscope.testing.hf_corpus import write_benign

    folder = write_benign(tmp_path / "run")
    (folder / "manifest.json").write_text("{}")
    names = [p.name for p in _loaded_files(folder)]
    assert names[0] == "model.safetensors"
    assert {"config.json", "tokenizer.json", "tokenizer_config.json"} <= set(names)


def test_a_users_model_dir_is_scanned_before_transformers_reads_it(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    from trojanscope.models.minilm import MiniLM
    from trojanscope.testing.hf_corpus import write_trick

    folder = tmp_path / "hub"
    write_trick(folder, "symlink-escape")
    with pytest.raises(UserInputError, match=r"TS207.*not used as model_dir"):
        MiniLM.build_encoder(["a b"], model_dir=str(folder))
    with pytest.raises(UserInputError, match=r"TS207.*not used as model_dir"):
        MiniLM(num_classes=2, model_dir=str(folder))
