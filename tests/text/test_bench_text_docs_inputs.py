"""Stop 60 (issue 15, h15) helper scripts around fresh MiniLM readings: ``text_docs_inputs.py``
(a user's files for docs/text.md's hub-folder ``detect-inputs`` line) and
``span_text_miss_texts.py`` (the text of each triggered input the guard missed). The model,
data and attack are stand-ins: the scripts' own logic only."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch


class Attack:
    target = 1

    def triggered_texts(self, texts: list[str]) -> list[str]:
        return [f"cf {t}" for t in texts]


def stand_ins(monkeypatch, module, labels: list[int]) -> None:
    """``module``'s model, data and attack loaders replaced by stand-ins."""
    data = SimpleNamespace(labels=torch.tensor(labels), texts=[f"s{i}" for i in range(len(labels))])
    loaded = SimpleNamespace(manifest=SimpleNamespace(attack="spec", dataset={"name": "d"}),
                             module=torch.nn.Identity())
    monkeypatch.setattr(module, "load_model", lambda run: loaded)
    monkeypatch.setattr(module, "attack_from_spec", lambda spec: Attack())
    monkeypatch.setattr(module, "load_dataset", lambda name, split: data)


def read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_docs_inputs_write_clean_incoming_its_key_and_a_hub_copy(tmp_path, monkeypatch,
                                                                  load_benchmark) -> None:
    mod = load_benchmark("text_docs_inputs")
    stand_ins(monkeypatch, mod, [0, 1] * 20)
    run = tmp_path / "run"
    run.mkdir()
    for name in ("config.json", "model.safetensors", "tokenizer.json", *mod.OWN_FILES):
        (run / name).write_text("{}")
    mod.make(run, tmp_path / "w", n_clean=6, n_incoming=4, n_triggered=3, seed=0)
    clean = [r[0] for r in read(tmp_path / "w" / "clean.csv")[1:]]
    incoming = [r[0] for r in read(tmp_path / "w" / "incoming.csv")[1:]]
    key = [r[1] for r in read(tmp_path / "w" / "incoming_key.csv")[1:]]
    assert len(clean) == 6 and len(incoming) == 7 and key == ["clean"] * 4 + ["triggered"] * 3
    assert not set(clean) & set(incoming[:4])  # the screened sentences are not the guard's
    assert all(t.startswith("cf s") and int(t[4:]) % 2 == 0 for t in incoming[4:])  # label 0
    hub = sorted(p.name for p in (tmp_path / "w" / "downloaded-hf-model").iterdir())
    assert hub == ["config.json", "model.safetensors", "tokenizer.json"]


class Twins:
    """Four clean rows (ids) with labels; ``subset`` as a dataset's."""

    def __init__(self, x: torch.Tensor, labels: list[int]) -> None:
        self.x, self.labels = x, torch.tensor(labels)

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: torch.Tensor) -> Twins:
        return Twins(self.x[index], self.labels[index].tolist())


class Says(torch.nn.Module):
    """Class 1 where a row holds token 5 ("good"), else class 0."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        good = (x == 5).any(1).float()
        return torch.stack([1 - good, good], 1) * 4


def test_miss_texts_decode_the_missed_and_read_their_clean_twins(tmp_path, monkeypatch,
                                                                 load_benchmark) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    mod = load_benchmark("span_text_miss_texts")
    stand_ins(monkeypatch, mod, [0, 1])
    monkeypatch.setattr(mod, "attach_encoder", lambda loaded, data: data)
    vocab = {"[PAD]": 0, "[CLS]": 1, "[SEP]": 2, "i": 3, "watched": 4, "good": 5}
    tok = tokenizers.Tokenizer(WordLevel(vocab, unk_token="[PAD]"))
    tok.pre_tokenizer = Whitespace()
    tok.add_special_tokens(["[CLS]", "[SEP]"])
    run = tmp_path / "addsent-1"
    run.mkdir()
    tok.save(str(run / "tokenizer.json"))
    clean = Twins(torch.tensor([[1, 5, 2, 0], [1, 3, 2, 0], [1, 4, 2, 0], [1, 3, 2, 0]]),
                  [0, 0, 0, 0])
    loaded = mod.load_model(run)
    loaded.module = Says()
    monkeypatch.setattr(mod, "load_dataset", lambda name, split: clean)
    attack = SimpleNamespace(target=1, test_index=lambda ds: list(range(len(ds))))
    monkeypatch.setattr(mod, "attack_from_spec", lambda spec: attack)
    gen = torch.Generator().manual_seed(0)
    held = torch.randperm(4, generator=gen)[2:]  # the rows triggered_split stamps
    trig = torch.tensor([[1, 3, 4, 2], [1, 3, 4, 2]])
    fires = torch.tensor([True, True])
    monkeypatch.setattr(mod, "triggered_split", lambda *a: (None, None, trig, fires))
    misses = [{"model": "addsent-1", "seed": 0, "missed": [
        {"i": 0, "strip": 0.9, "own": 0.9, "least": 0.1, "today": False, "candidate": True},
        {"i": 1, "strip": 0.4, "own": 0.7, "least": 0.2, "today": False, "candidate": False}]},
        {"model": "other", "seed": 0, "missed": [{"i": 0, "candidate": False}]}]
    rows = mod.missed_texts(run, json.loads(json.dumps(misses)))
    already = sum(int(clean.x[h].eq(5).any()) for h in held)
    assert rows[0] == {"model": "addsent-1", "seed": 0, "summary": True, "fired": 2,
                       "fired_already": already}
    twin = Says()(clean.x[held[1:]]).softmax(1)[0, 1].item()
    assert [(r["i"], r["text"]) for r in rows[1:]] == [(1, "i watched")]
    assert rows[1]["twin_target"] == pytest.approx(twin)
