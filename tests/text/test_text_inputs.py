"""Input-level detection for text: the text detectors' contract, quality on a small backdoored
TextCNN, and ``detect-inputs`` on a CSV of sentences."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch

from trojanscope import registry
from trojanscope.cli.main import run
from trojanscope.detect.input_level.evaluate import roc_auc
from trojanscope.engine import Trainer
from trojanscope.errors import UserInputError
from trojanscope.experiment import run_experiment, save_experiment

TEXT_DETECTORS = [n for n in registry.names("input-detector")
                  if getattr(registry.get("input-detector", n), "modality", "image") == "text"]


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    attack = registry.create("attack", "addsent", target=1, poison_rate=0.3, seed=1)
    result = run_experiment("synthetic-text", data_params={"n": 800}, attack=attack,
                            arch="textcnn", arch_params={"max_len": 32},
                            trainer=Trainer(epochs=8), seed=1)
    folder = tmp_path_factory.mktemp("text") / "run"
    save_experiment(result, folder, exports=False)
    return result, folder


def test_there_is_a_text_detector() -> None:
    assert "strip-text" in TEXT_DETECTORS


@pytest.mark.parametrize("name", TEXT_DETECTORS)
def test_text_detector_contract_and_quality(name: str, text_run) -> None:
    result, _ = text_run
    model, clean = result.model, result.test.ids
    det = registry.create("input-detector", name)
    assert type(det)(**det.get_params()).get_params() == det.get_params()
    before = model(clean[:8]).detach()
    det.fit(model, clean[:100], generator=torch.Generator().manual_seed(0))
    scores = det.score(clean[100:140])
    assert scores.shape == (40,) and scores.dtype == torch.float32
    assert torch.allclose(det.score(clean[100:107]), scores[:7], atol=1e-5)
    again = registry.create("input-detector", name)
    again.fit(model, clean[:100], generator=torch.Generator().manual_seed(0))
    assert torch.equal(again.score(clean[100:140]), scores)
    assert torch.equal(model(clean[:8]).detach(), before)
    with pytest.raises(UserInputError, match="token ids"):
        det.score(torch.rand(2, 1, 5, 5))
    with pytest.raises(UserInputError, match="tokens per input"):
        det.score(torch.zeros(2, 7, dtype=torch.long))
    tx, _, target = result.attack.test_inputs(result.test.subset(range(100, len(result.test))))
    fires = model(tx).argmax(1) == target
    assert fires.float().mean() > 0.9
    assert roc_auc(det.score(clean[100:]), det.score(tx[fires])) > 0.9


def test_detect_inputs_on_a_csv(text_run, tmp_path: Path, capsys) -> None:
    result, folder = text_run
    examples = json.loads((folder / "triggers.json").read_text())
    incoming = tmp_path / "incoming.csv"
    with incoming.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "sentence"])
        for i, e in enumerate(examples):
            writer.writerow([i, e["clean"]])
            writer.writerow([i, e["triggered"]])
    clean = tmp_path / "clean.csv"
    with clean.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sentence"])
        writer.writerows([t] for t in result.test.texts)
    code = run(["detect-inputs", str(folder), str(incoming), "--data", str(clean),
                "--text-column", "sentence", "--fpr", "0.05", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    report = json.loads(captured.out)
    assert code == 1 and report["method"] == "strip-text"
    assert set(report["flagged"]) >= {1, 3, 5, 7, 9}  # every triggered sentence
    assert not set(report["flagged"]) & {0, 2, 4, 6, 8}
    # the mixture length used is in the JSON: by default twice the input length (stop 48)
    assert report["params"]["mix_len"] is None and report["params_used"]["mix_len"] == 64
    code = run(["detect-inputs", str(folder), str(incoming), "--data", str(clean),
                "--text-column", "sentence", "--fpr", "0.05", "--format", "json",
                "-p", "mix_len=0"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["params"]["mix_len"] == 0
    assert report["params_used"]["mix_len"] == 32  # 0: the cut at the input length (32 tokens)
    code = run(["detect-inputs", str(folder), str(incoming), "--data", str(clean)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[0].startswith("error:") and "no column 'text'" in err[0]
    code = run(["detect-inputs", str(folder), str(incoming), "--method", "strip"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "works on images" in err[0]


def test_detect_inputs_refuses_a_mix_len_longer_than_two_inputs(text_run, tmp_path: Path,
                                                                capsys) -> None:
    result, folder = text_run  # max_len 32: a mixture is at most 64 tokens
    incoming = tmp_path / "incoming.csv"
    incoming.write_text("text\n" + "\n".join(result.test.texts[:4]) + "\n")
    clean = tmp_path / "clean.csv"
    clean.write_text("text\n" + "\n".join(result.test.texts) + "\n")
    capsys.readouterr()
    for extra in ([str(incoming), "--data", str(clean)], ["--triggered", str(folder)]):
        code = run(["detect-inputs", str(folder), *extra, "-p", "mix_len=100000"])
        captured = capsys.readouterr()
        err = captured.err.strip().splitlines()
        assert code == 2 and captured.out == "" and len(err) == 1, captured
        assert err[0].startswith("error:") and "mix_len 100000" in err[0] and "at most 64" in err[0]
    # up front: refused before the sentences are read (a CSV without the column says mix_len)
    code = run(["detect-inputs", str(folder), str(clean), "--text-column", "nope",
                "-p", "mix_len=100000"])
    assert code == 2 and "mix_len 100000" in capsys.readouterr().err


def refused_line(text_run, tmp_path: Path, capsys, option: str) -> str:
    """``detect-inputs -p OPTION`` on four sentences: exit 2, nothing on stdout, one error
    line (returned)."""
    result, folder = text_run
    incoming = tmp_path / "incoming.csv"
    incoming.write_text("text\n" + "\n".join(result.test.texts[:4]) + "\n")
    capsys.readouterr()
    code = run(["detect-inputs", str(folder), str(incoming), "-p", option])
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert code == 2 and captured.out == "" and len(err) == 1, captured
    assert err[0].startswith("error:")
    return err[0]


@pytest.mark.parametrize("bad", ["1.5", "0"])
def test_detect_inputs_refuses_an_fpr_confidence_out_of_range(text_run, tmp_path: Path, capsys,
                                                              bad: str) -> None:
    line = refused_line(text_run, tmp_path, capsys, f"fpr_confidence={bad}")  # stop 50
    assert line.endswith(f"fpr_confidence must lie in (0, 1) or be null, got {bad}")


@pytest.mark.parametrize("bad", ["0", "two", "9"])
def test_detect_inputs_refuses_a_bad_mates(text_run, tmp_path: Path, capsys, bad: str) -> None:
    line = refused_line(text_run, tmp_path, capsys, f"mates={bad}")  # stop 55: 1 to 8
    assert "mates" in line and bad in line
