"""A word model made by other code, handed over as safetensors + a hand-written manifest +
vocab.json under trojanscope's layer names (docs/text.md): it loads, gives the same logits as
the user's module, and ``detect`` runs on it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

from trojanscope.cli.main import run
from trojanscope.io.models import load_model

WORDS = ["<pad>", "<unk>", "good", "bad", "film", "the", "a", "plot", "great", "awful"]


class UsersBag(nn.Module):
    """A user's mean-pooled word model, with its own layer names."""

    def __init__(self) -> None:
        super().__init__()
        self.table = nn.Embedding(len(WORDS), 8, padding_idx=0)
        self.fc1, self.fc2 = nn.Linear(8, 6), nn.Linear(6, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).float().unsqueeze(-1)
        pooled = (self.table(ids) * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.fc2(torch.relu(self.fc1(pooled)))


def hand_over(model: UsersBag, folder: Path) -> None:
    sd = model.state_dict()
    names = {"table.weight": "embedding.weight", "fc1.weight": "hidden.weight",
             "fc1.bias": "hidden.bias", "fc2.weight": "classifier.weight",
             "fc2.bias": "classifier.bias"}
    folder.mkdir()
    save_file({names[k]: v.contiguous() for k, v in sd.items()}, str(folder / "model.safetensors"))
    (folder / "vocab.json").write_text(json.dumps({"kind": "word-vocab", "max_len": 12,
                                                   "tokens": WORDS}))
    (folder / "manifest.json").write_text(json.dumps({
        "arch": {"name": "wordbag", "args": {"vocab_size": len(WORDS), "embed_dim": 8,
                                             "hidden": 6, "max_len": 12}},
        "input_shape": [12], "class_names": ["negative", "positive"],
        "text": {"encoder": "word-vocab", "max_len": 12}}))


def test_a_mean_pooled_word_model_made_by_other_code_loads_and_is_inspected(
        tmp_path: Path, capsys) -> None:
    torch.manual_seed(0)
    user = UsersBag().eval()
    hand_over(user, tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    ids = torch.tensor([[2, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0], [3, 7, 9, 6, 4, 0, 0, 0, 0, 0, 0, 0]])
    with torch.no_grad():
        assert torch.allclose(loaded.module(ids), user(ids), atol=1e-6)
    data = tmp_path / "clean.csv"
    rows = [("good film great plot", "positive"), ("the film was bad", "negative"),
            ("a great film", "positive"), ("awful plot", "negative")] * 6
    with data.open("w", newline="") as fh:
        csv.writer(fh).writerows([("text", "label"), *rows])
    code = run(["detect", str(tmp_path / "model"), "--data", str(data), "--format", "json",
                "--method-param", "relax_steps=0", "--method-param", "neutral_tokens=0"])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    report = json.loads(captured.out)
    assert report["method"] == "text-inversion" and "tv_gap" in report["features"]


def test_a_vocabulary_longer_than_the_embedding_is_one_clear_error(tmp_path: Path,
                                                                  capsys) -> None:
    """vocab.json with more words than the embedding has rows: one line naming both sizes
    (it was ``unexpected IndexError`` deep in the detector)."""
    torch.manual_seed(0)
    hand_over(UsersBag().eval(), tmp_path / "model")
    (tmp_path / "model" / "vocab.json").write_text(json.dumps(
        {"kind": "word-vocab", "max_len": 12, "tokens": [*WORDS, "extra", "words"]}))
    data = tmp_path / "clean.csv"
    with data.open("w", newline="") as fh:
        csv.writer(fh).writerows([("text", "label"), *[("good film", "positive"),
                                                       ("bad plot", "negative")] * 6])
    code = run(["detect", str(tmp_path / "model"), "--data", str(data)])
    err = capsys.readouterr().err
    assert code == 2
    assert "12 words" in err and "10 rows" in err and "unexpected" not in err


def test_a_mean_pooled_word_model_is_named_in_the_coverage() -> None:
    """The text calibrators saw TextCNNs only: a ``wordbag`` carries a trait of its own, so
    its verdict says the calibration had no such models."""
    from trojanscope import registry
    from trojanscope.detect.coverage import architecture_traits, coverage_notes

    traits = architecture_traits(registry.get("arch", "wordbag")(vocab_size=10))
    assert "text:wordbag" in traits
    assert any("mean-pooled" in n for n in coverage_notes(traits, {"activation:relu": 36}))
