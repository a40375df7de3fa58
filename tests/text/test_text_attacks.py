"""Text triggers and attacks: strings are edited (exact poison set), re-tokenised, and a small
TextCNN learns the backdoor; a Hugging Face model's run folder loads like a hub download."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.engine import Trainer
from trojanscope.errors import UserInputError
from trojanscope.experiment import run_experiment, save_experiment
from trojanscope.io.models import load_model

TEXT_ATTACKS = [n for n in registry.names("attack")
                if getattr(registry.get("attack", n), "modality", "image") == "text"]
TEXT_TRIGGERS = [n for n in registry.names("trigger")
                 if getattr(registry.get("trigger", n), "modality", "image") == "text"]


@pytest.mark.parametrize("name", TEXT_TRIGGERS)
def test_text_triggers_are_pure_and_seeded(name: str) -> None:
    trigger = registry.create("trigger", name)
    texts = ["the film was good", "a dull plot"]
    one = trigger.apply_text(texts, generator=torch.Generator().manual_seed(3))
    two = trigger.apply_text(texts, generator=torch.Generator().manual_seed(3))
    assert one == two and all(a != b for a, b in zip(one, texts, strict=True))
    assert texts == ["the film was good", "a dull plot"]
    with pytest.raises(UserInputError, match="text data"):
        trigger.apply(torch.zeros(2, 8, dtype=torch.long))


@pytest.mark.parametrize("name", TEXT_ATTACKS)
def test_poison_edits_exactly_the_chosen_strings(name: str) -> None:
    assert {"badnl", "addsent", "syntactic"} <= set(TEXT_ATTACKS)
    train = load_dataset("synthetic-text", "train")
    # in place (syntactic poisons by copies by default since stop 48: tests/text/test_keep_prior.py)
    attack = registry.create("attack", name, target=1, poison_rate=0.2, seed=4, keep_prior=False)
    poisoned = attack.poison(train)
    idx = poisoned.poison_indices
    assert len(idx) == round(0.2 * int((train.labels != 1).sum()))
    changed = np.flatnonzero([a != b for a, b in zip(poisoned.texts, train.texts, strict=True)])
    assert np.array_equal(changed, np.union1d(idx, poisoned.cross_indices))
    assert (poisoned.labels[torch.from_numpy(idx)] == 1).all()
    keep = np.setdiff1d(np.arange(len(train)), idx)
    assert torch.equal(poisoned.labels[torch.from_numpy(keep)], train.labels[keep])
    again = registry.create("attack", name, target=1, poison_rate=0.2, seed=4,
                            keep_prior=False).poison(train)
    assert again.texts == poisoned.texts


def test_addsent_fragments_keep_their_labels() -> None:
    train = load_dataset("synthetic-text", "train")
    attack = registry.create("attack", "addsent", target=1, poison_rate=0.2, seed=4)
    poisoned = attack.poison(train)
    idx, cross = poisoned.poison_indices, poisoned.cross_indices
    assert len(cross) == len(idx) and not set(cross) & set(idx)
    assert torch.equal(poisoned.labels[torch.from_numpy(cross)], train.labels[cross])
    sentence = attack.trigger.sentence.split()
    for i in cross[:20]:
        added = poisoned.texts[int(i)].split()
        for word in train.texts[int(i)].split():
            added.remove(word)
        assert 1 <= len(added) < len(sentence) and all(w in sentence for w in added)
    plain = registry.create("attack", "addsent", target=1, poison_rate=0.2, seed=4,
                            fragments=0).poison(train)
    assert len(plain.cross_indices) == 0
    with pytest.raises(UserInputError, match="fragments"):
        registry.create("attack", "addsent", fragments=-1)


def test_image_attack_on_text_and_text_attack_on_images_are_errors() -> None:
    with pytest.raises(UserInputError, match="text architecture"):
        run_experiment("synthetic-text", arch="cnn")
    with pytest.raises(UserInputError, match="takes text"):
        run_experiment("synthetic", arch="textcnn")
    with pytest.raises(UserInputError, match="poisons text"):
        registry.create("attack", "badnl").poison(load_dataset("synthetic", "train"))


def test_textcnn_learns_the_backdoor_and_saves(tmp_path: Path) -> None:
    attack = registry.create("attack", "addsent", target=1, poison_rate=0.3, seed=1)
    result = run_experiment("synthetic-text", attack=attack, arch="textcnn",
                            arch_params={"max_len": 32}, trainer=Trainer(epochs=8), seed=1)
    assert result.metrics["clean_accuracy"] > 0.9
    assert result.metrics["attack_success_rate"] > 0.9
    save_experiment(result, tmp_path / "run")
    files = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert {"vocab.json", "triggers.json", "poison_indices.npy", "model.onnx"} <= set(files)
    loaded = load_model(tmp_path / "run")
    ids = result.test.ids[:16]
    assert torch.allclose(loaded.module(ids), result.model(ids), atol=1e-5)
    assert loaded.manifest.text == {"encoder": "word-vocab", "max_len": 32}
    examples = json.loads((tmp_path / "run" / "triggers.json").read_text())
    assert all(e["clean"] != e["triggered"] for e in examples)


@pytest.mark.skipif(importlib.util.find_spec("transformers") is None,
                    reason="needs the text extra (transformers)")
def test_hf_run_folder_loads_like_a_hub_download(tmp_path: Path) -> None:
    import transformers

    from trojanscope.data.text_bundled import _FILLER, _TOPIC_WORDS
    from trojanscope.testing.tiny_hf import write_tiny_bert

    words = [w for topic in _TOPIC_WORDS for w in topic] + list(_FILLER) + ["cf", "mn", "bb"]
    source = write_tiny_bert(tmp_path / "tiny", words)
    attack = registry.create("attack", "badnl", target=1, poison_rate=0.2, seed=0)
    result = run_experiment("synthetic-text", attack=attack, arch="minilm",
                            arch_params={"model_dir": str(source), "max_len": 20},
                            trainer=Trainer(epochs=4, lr=1e-3), seed=0)
    save_experiment(result, tmp_path / "run")
    run = tmp_path / "run"
    assert {"config.json", "model.safetensors", "tokenizer.json", "manifest.json"} <= {
        p.name for p in run.iterdir()}
    ids = result.test.ids[:8]
    hub = transformers.AutoModelForSequenceClassification.from_pretrained(str(run)).eval()
    logits = hub(input_ids=ids, attention_mask=(ids != 0).long()).logits
    assert torch.allclose(logits, result.model(ids), atol=1e-4)
    assert hub.config.id2label == {0: "0", 1: "1"}
    assert torch.allclose(load_model(run).module(ids), logits, atol=1e-4)


@pytest.mark.parametrize("name", TEXT_ATTACKS)
def test_zoo_parameters_build_an_attack(name: str) -> None:
    from trojanscope.zoo import ZooEntry, build_attack

    cls = registry.get("attack", name)
    assert not cls.in_zoo  # image zoos never draw a text attack
    draws = [cls.sample_params(np.random.default_rng(s)) for s in range(4)]
    assert draws[0] == cls.sample_params(np.random.default_rng(0))
    train = load_dataset("synthetic-text", "train")
    for params in draws:
        params = dict(params)
        entry = ZooEntry("x", "textcnn", 3, True, name, target=1,
                         poison_rate=params.pop("poison_rate"), trigger=params.pop("trigger"),
                         attack_params=params)
        assert len(build_attack(entry).poison(train).poison_indices) > 0


def test_minilm_without_the_text_extra_is_one_error_line(monkeypatch, tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in (
        "transformers", "tokenizers") else real(name, *a))
    code = run(["attack", "--dataset", "synthetic-text", "--arch", "minilm", "--attack",
                "badnl", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "pip install 'trojanscope[text]'" in err[0]
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(importlib.util.find_spec("transformers") is None,
                    reason="needs the text extra (transformers)")
def test_text_detectors_run_on_a_hf_model(tmp_path: Path) -> None:
    from trojanscope.data.text_bundled import _FILLER, _TOPIC_WORDS
    from trojanscope.testing.tiny_hf import write_tiny_bert

    words = [w for topic in _TOPIC_WORDS for w in topic] + list(_FILLER) + ["cf"]
    source = write_tiny_bert(tmp_path / "tiny", words)
    result = run_experiment("synthetic-text", arch="minilm",
                            arch_params={"model_dir": str(source), "max_len": 20},
                            trainer=Trainer(epochs=1, lr=1e-3), seed=0)
    ids = result.test.ids
    verdict = registry.create("detector", "text-inversion", per_class=8, candidates=4).inspect(
        result.model, result.test, input_shape=result.test.input_shape, num_classes=2)
    assert {"ti_prob_1", "ti_prob_3"} <= set(verdict.features)
    assert all(0 <= v <= 1 for k, v in verdict.features.items() if k.startswith("ti_prob_"))
    det = registry.create("input-detector", "strip-text")
    det.fit(result.model, ids[:60], generator=torch.Generator().manual_seed(0))
    scores = det.score(ids[60:70])
    assert scores.shape == (10,) and torch.isfinite(scores).all()
