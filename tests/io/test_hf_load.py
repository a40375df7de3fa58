"""Hugging Face classification folders without a trojanscope manifest (as ``save_pretrained``
writes them): loaded safely, then detected, screened and audited like a ``minilm`` run; every
reason not to load one is one ``error:`` line and exit code 2."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import torch

from trojanscope import registry
from trojanscope.cli.main import run
from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model

pytestmark = pytest.mark.skipif(importlib.util.find_spec("transformers") is None,
                                reason="needs the text extra (transformers)")
OURS = ("manifest.json", "poison_indices.npy", "triggers.json")  # what makes it a run folder


def _hf_folder(root: Path, name: str, attack: bool) -> Path:
    """A tiny BERT fine-tuned on synthetic-text (with a ``cf`` backdoor to class 1 when
    ``attack``), saved and then stripped of trojanscope's files: a plain hub-style folder."""
    from trojanscope.data.text_bundled import _FILLER, _TOPIC_WORDS
    from trojanscope.engine import Trainer
    from trojanscope.experiment import run_experiment, save_experiment
    from trojanscope.testing.tiny_hf import write_tiny_bert

    words = [w for topic in _TOPIC_WORDS for w in topic] + list(_FILLER) + ["cf", "mn", "bb"]
    source = write_tiny_bert(root / f"{name}-base", words)
    poison = registry.create("attack", "badnl", target=1, poison_rate=0.2, seed=0) \
        if attack else None
    result = run_experiment("synthetic-text", attack=poison, arch="minilm",
                            arch_params={"model_dir": str(source), "max_len": 20},
                            trainer=Trainer(epochs=15, lr=3e-3), seed=0)
    assert result.metrics["clean_accuracy"] >= 0.95
    folder = root / name
    save_experiment(result, folder)
    for extra in OURS:
        (folder / extra).unlink(missing_ok=True)
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    from trojanscope.data import load_dataset

    root = tmp_path_factory.mktemp("hf")
    test = load_dataset("synthetic-text", "test")
    with open(root / "clean.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows([t, int(y)] for t, y in zip(test.texts, test.labels, strict=True))
    return {"backdoored": _hf_folder(root, "backdoored", True),
            "clean": _hf_folder(root, "clean", False), "csv": root / "clean.csv"}


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def assert_same_logits(loaded, folder: Path, length: int) -> None:
    """The loaded model gives the logits ``transformers`` gives for the same folder."""
    import transformers

    ids = torch.tensor([[2, 10, 11, 12, 3] + [0] * (length - 5)])
    hub = transformers.AutoModelForSequenceClassification.from_pretrained(str(folder)).eval()
    expected = hub(input_ids=ids, attention_mask=(ids != 0).long()).logits
    assert torch.allclose(loaded.module(ids), expected, atol=1e-5)


def _cli(argv: list[str], capsys) -> tuple[int, str, list[str]]:
    code = run(argv)
    out, err = capsys.readouterr()
    return code, out, [line for line in err.splitlines() if line.strip()]


def test_loaded_like_transformers_loads_it(folders) -> None:

    folder = folders["backdoored"]
    loaded = load_model(folder)
    assert loaded.format == "hf-safetensors" and loaded.class_names == ["0", "1"]
    assert loaded.manifest.text["encoder"] == "hf-tokenizer"
    assert_same_logits(loaded, folder, length=20)


def test_pickle_weights_load_with_weights_only_after_the_scan(folders, tmp_path) -> None:
    from safetensors.torch import load_file

    folder = _copy(folders["backdoored"], tmp_path / "bin")
    torch.save(load_file(str(folder / "model.safetensors")), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    ids = torch.tensor([[2, 10, 11, 3] + [0] * 16])
    loaded = load_model(folder)
    assert loaded.format == "hf-pytorch"
    assert torch.allclose(loaded.module(ids), load_model(folders["backdoored"]).module(ids))


def test_a_pickle_that_calls_code_is_refused_before_loading(folders, tmp_path) -> None:
    import os
    import pickle

    class Payload:
        def __reduce__(self):
            return (os.system, ("echo never run",))

    folder = _copy(folders["clean"], tmp_path / "evil")
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"w": Payload()}))
    with pytest.raises(UserInputError, match=r"scanner rated .*not loaded"):
        load_model(folder)


def test_a_wordpiece_vocab_without_tokenizer_json_tokenises_the_same(folders, tmp_path) -> None:
    from trojanscope.data.hf_tokenizer import HFTokenizer

    folder = _copy(folders["clean"], tmp_path / "vocab-only")
    (folder / "tokenizer.json").unlink()
    texts = ["the film was good", "a dull and slow plot cf"]
    assert torch.equal(HFTokenizer(folder, 12).encode(texts),
                       HFTokenizer(folders["clean"], 12).encode(texts))


def test_the_backdoor_survives_loading_with_the_folders_tokenizer(folders) -> None:
    """The folder's own tokenizer and weights reproduce the planted backdoor (and only there):
    what the detectors inspect is the model as trained."""
    from trojanscope.data import load_dataset
    from trojanscope.models.text_common import attach_encoder

    test = load_dataset("synthetic-text", "test")
    others = [t for t, y in zip(test.texts, test.labels, strict=True) if int(y) == 0]
    triggered = [" ".join(["cf", *t.split()]) for t in others]
    asr = {}
    for name in ("backdoored", "clean"):
        loaded = load_model(folders[name])
        encoder = attach_encoder(loaded, test).encoder
        with torch.no_grad():
            pred = loaded.module(encoder.encode(triggered)).argmax(1)
        asr[name] = float((pred == 1).float().mean())
    assert asr["backdoored"] >= 0.9 and asr["clean"] <= 0.2, asr


def test_detect_gives_the_text_verdict_on_a_folder(folders, capsys) -> None:
    code, out, _ = _cli(["detect", str(folders["backdoored"]), "--data", str(folders["csv"]),
                         "--format", "json"], capsys)
    report = json.loads(out)
    # the calibration holds TextCNNs only: a BERT's probability is for review (stop 63), so a
    # flag reads "review" and exits 0, never "backdoored" with "calibrated": true
    assert code == 0 and report["calibrated"] is False
    assert report["verdict"] in ("review", "clean")
    assert any(n.startswith("probability not calibrated for this architecture")
               for n in report["coverage_notes"])
    assert report["method"] == "text-inversion" and report["format"] == "hf-safetensors"
    assert 0.0 <= report["probability"] <= 1.0 and report["data_free"] is False
    assert {"ti_flip_1", "ti_prob_3"} <= set(report["features"])
    assert set(report["trigger_tokens"]) == {"0", "1"}
    vocab = (folders["backdoored"] / "vocab.txt").read_text().split()
    assert all(t in vocab for tokens in report["trigger_tokens"].values() for t in tokens)


def test_detect_inputs_screens_with_the_folders_tokenizer(folders, tmp_path, capsys) -> None:
    incoming = tmp_path / "incoming.csv"
    incoming.write_text("text\nthe film was good cf\na dull plot\n", encoding="utf-8")
    code, out, _ = _cli(["detect-inputs", str(folders["backdoored"]), str(incoming),
                         "--data", str(folders["csv"]), "--format", "json"], capsys)
    report = json.loads(out)
    assert code in (0, 1) and report["method"] == "strip-text"
    assert len(report["scores"]) == 2


def test_audit_loads_and_inspects_the_folder(folders, tmp_path, capsys) -> None:
    reports = tmp_path / "reports"
    code, _, _ = _cli(["audit", str(folders["backdoored"]), "--data", str(folders["csv"]),
                       "--report", str(reports)], capsys)
    audit = json.loads((reports / "audit.json").read_text())
    steps = {s["name"]: s for s in audit["steps"]}
    assert steps["load"]["status"] == "ok" and steps["load"]["details"]["format"] == \
        "hf-safetensors"
    assert audit["model"]["architecture"] == "BertForSequenceClassification"
    assert steps["detect"]["details"]["method"] == "text-inversion"
    assert steps["detect"]["details"]["suspected_target"] in (0, 1)
    # an uncalibrated BERT score is at most a medium "needs review" finding (stop 62 read a
    # MiniLM's 0.51 as a HIGH "backdoor detected"), and the audit passes its default gate
    found = [f for f in audit["findings"] if f["rule_id"] == "TSA100"]
    assert all(f["severity"] == "medium" and f["message"].startswith("needs review")
               and "screening hint" in f["message"] for f in found)
    assert code == 0 and (reports / "report.html").is_file()


def _no_config(folder: Path) -> str:
    (folder / "config.json").unlink()
    return "needs a config.json"


def _edit_config(folder: Path, **changes) -> None:
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, **changes}))


def _big_tokenizer(folder: Path) -> str:
    _edit_config(folder, vocab_size=10)
    return "tokenizer has .* tokens but the model's embedding has 10"


def _small_tokenizer(folder: Path) -> str:
    """A tokenizer of 7 tokens over the model's embedding (stop 62: it was read, every word
    became [UNK], and ``detect`` gave a verdict)."""
    (folder / "tokenizer.json").unlink(missing_ok=True)
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ngood\nbad\n")
    return "tokenizer has 7 tokens but the model's embedding has .*not this model's"


def _remote_code(folder: Path) -> str:
    _edit_config(folder, auto_map={"AutoModelForSequenceClassification": "modeling_x.Model"})
    (folder / "modeling_x.py").write_text("import os\n")
    return "carries remote code .*not loaded"


def _no_head(folder: Path) -> str:
    _edit_config(folder, architectures=["BertModel"])
    return "no \\*ForSequenceClassification head"


def _wrong_weights(folder: Path) -> str:
    _edit_config(folder, hidden_size=64)
    return "weights do not match config.json"


@pytest.mark.parametrize("spoil", [_no_config, _big_tokenizer, _small_tokenizer, _remote_code,
                                   _no_head, _wrong_weights])
def test_bad_folders_are_one_error_line(folders, tmp_path, capsys, spoil) -> None:
    import re

    folder = _copy(folders["clean"], tmp_path / "bad")
    expected = spoil(folder)
    out = tmp_path / "out"
    code, _, err = _cli(["detect", str(folder), "--data", str(folders["csv"]),
                         "--out", str(out)], capsys)
    assert code == 2 and len(err) == 1 and err[0].startswith("error:")
    assert re.search(expected, err[0]), err[0]
    assert not out.exists()


def test_clean_labels_named_like_id2label_get_the_models_class_ids() -> None:
    from trojanscope.data.text import make_text_dataset
    from trojanscope.models.text_common import align_labels

    data = make_text_dataset(["a good film", "a dull film", "fine"], [1, 0, 1],
                             class_names=["negative", "positive"])
    swapped = align_labels(data, ["POSITIVE", "NEGATIVE"])
    assert swapped.y.tolist() == [0, 1, 0] and swapped.class_names == ("POSITIVE", "NEGATIVE")
    assert align_labels(data, ["NEGATIVE", "POSITIVE"]) is data  # same order: unchanged
    assert align_labels(data, ["LABEL_0", "LABEL_1"]) is data  # other names: kept as read


def test_a_distilbert_folder_loads_with_its_labels(folders, tmp_path) -> None:
    import transformers

    folder = tmp_path / "distil"
    base = folders["clean"]
    vocab = len((base / "vocab.txt").read_text().split())
    config = transformers.DistilBertConfig(vocab_size=vocab, dim=32, n_layers=2, n_heads=2,
                                           hidden_dim=64, max_position_embeddings=64,
                                           id2label={0: "NEGATIVE", 1: "POSITIVE"},
                                           label2id={"NEGATIVE": 0, "POSITIVE": 1})
    torch.manual_seed(0)
    transformers.DistilBertForSequenceClassification(config).save_pretrained(str(folder))
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        shutil.copyfile(base / name, folder / name)
    loaded = load_model(folder)
    assert loaded.class_names == ["NEGATIVE", "POSITIVE"] and loaded.input_shape == (64,)
    assert_same_logits(loaded, folder, length=64)


def test_sharded_safetensors_load_through_their_index(folders, tmp_path) -> None:
    from safetensors.torch import load_file, save_file

    folder = _copy(folders["backdoored"], tmp_path / "sharded")
    state = load_file(str(folder / "model.safetensors"))
    (folder / "model.safetensors").unlink()
    names = sorted(state)
    shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    for shard, keys in shards.items():
        save_file({k: state[k] for k in keys}, str(folder / shard), metadata={"format": "pt"})
    (folder / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {}, "weight_map": {k: s for s, keys in shards.items() for k in keys}}))
    ids = torch.tensor([[2, 10, 11, 3] + [0] * 16])
    assert torch.allclose(load_model(folder).module(ids),
                          load_model(folders["backdoored"]).module(ids))
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    index["weight_map"][names[0]] = "../elsewhere.safetensors"
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(UserInputError, match=r"outside the (model )?folder"):
        load_model(folder)


def test_a_roberta_folder_takes_as_many_tokens_as_its_positions_allow(folders, tmp_path) -> None:
    """RoBERTa's position ids start after the padding id, so a table of 40 rows with pad id 1
    takes 38 tokens: the loader's input length says so (it said 40, and a full input failed)."""
    import transformers

    folder = tmp_path / "roberta"
    base = folders["clean"]
    vocab = len((base / "vocab.txt").read_text().split())
    config = transformers.RobertaConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2,
                                        num_attention_heads=2, intermediate_size=64,
                                        max_position_embeddings=40, pad_token_id=1,
                                        type_vocab_size=1)
    torch.manual_seed(0)
    transformers.RobertaForSequenceClassification(config).save_pretrained(str(folder))
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        shutil.copyfile(base / name, folder / name)
    loaded = load_model(folder)
    assert loaded.input_shape == (38,)
    full = torch.full((1, 38), 10)  # an input with no padding at all
    assert loaded.module(full).shape == (1, 2)
    with pytest.raises((IndexError, RuntimeError)):  # one token more is past the table
        loaded.module(torch.full((1, 39), 10))


def test_an_image_folder_is_told_what_works(tmp_path) -> None:
    """First contact, stop 56: a ViT image folder (``save_pretrained``) was refused with
    "trojanscope inspects text classifiers" and no way forward; the line now names the ONNX
    route."""
    pytest.importorskip("transformers")
    from trojanscope.errors import UserInputError
    from trojanscope.io.hf_load import _check_architecture

    with pytest.raises(UserInputError) as exc:
        _check_architecture(tmp_path, {"model_type": "vit",
                                       "architectures": ["ViTForImageClassification"]})
    assert "text classifiers only" in str(exc.value) and ".onnx" in str(exc.value)
    with pytest.raises(UserInputError) as exc:  # a text model without a head: no ONNX advice
        _check_architecture(tmp_path, {"model_type": "bert", "architectures": ["BertModel"]})
    assert ".onnx" not in str(exc.value)
