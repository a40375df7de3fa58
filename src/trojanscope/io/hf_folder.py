"""Recognise a Hugging Face model folder and describe its layout, reading only JSON files.

A folder written by ``save_pretrained`` (or downloaded from the hub) holds ``config.json``
(``model_type`` / ``architectures``), weights (``model.safetensors``, shards with an
``*.index.json``, ``pytorch_model.bin``), tokenizer files, and sometimes Python files that
``trust_remote_code`` imports through an ``auto_map``. Nothing here imports, unpickles or runs
what the folder holds: the scanner, the ML-BOM and model loading share this description.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trojanscope.io.json_file import MAX_JSON_BYTES  # one cap for JSON files

CONFIG_NAME = "config.json"
TOKENIZER_CONFIG = "tokenizer_config.json"
WEIGHT_NAMES = ("model.safetensors", "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack",
                "model.ckpt.index")
TOKENIZER_NAMES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "vocab.txt", "vocab.json", "merges.txt", "added_tokens.json",
                   "spiece.model", "sentencepiece.bpe.model", "tokenizer.model")
SKIP_DIRS = (".git", ".hg", ".svn", "__pycache__")


def tokenizer_misfit(size: int, rows: int) -> str | None:
    """Why a tokenizer of ``size`` tokens cannot be the tokenizer of a model whose embedding has
    ``rows`` rows (``None``: it may be): ids past the table, or fewer tokens than half its rows
    (stop 62: a 5-token tokenizer over MiniLM's 30,522 rows turned every word into ``[UNK]``;
    hub models pad their tables by a few per cent, to a multiple of 8 or 64). Loading refuses
    such a folder and the scanner names it (``TS440``), by this one rule."""
    if size > rows:
        return "they do not belong together"
    if 2 * size < rows:
        return ("most of its rows no input could reach: the tokenizer is not this model's "
                "(from another folder?)")
    return None


@dataclass(frozen=True)
class CodeRef:
    """One ``auto_map`` (or ``custom_pipelines``) entry: which file names which class."""

    source: str  # the JSON file that holds the entry
    key: str  # AutoModel, AutoTokenizer, ...
    ref: str  # as written: "modeling_x.MyModel" or "other/repo--modeling_x.MyModel"
    module_file: str  # the Python file it loads, relative to the folder ("modeling_x.py")
    other_repo: str | None = None  # code fetched from another repository


@dataclass
class HFLayout:
    """What a Hugging Face model folder holds (relative POSIX paths)."""

    root: Path
    config: dict[str, Any] | None = None
    config_error: str | None = None
    model_type: str | None = None
    architectures: list[str] = field(default_factory=list)
    name_or_path: str | None = None
    weights: list[str] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    tokenizer_files: list[str] = field(default_factory=list)
    tokenizer_class: str | None = None
    python_files: list[str] = field(default_factory=list)
    code_refs: list[CodeRef] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def weight_format(self) -> str | None:
        """``safetensors``, ``pytorch`` (pickle zip), both, or another framework's name."""
        kinds = sorted({_weight_kind(w) for w in self.weights})
        return "+".join(kinds) if kinds else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (what ``scan`` reports as the folder's layout)."""
        return {
            "path": str(self.root),
            "model_type": self.model_type, "architectures": self.architectures,
            "base_model": self.name_or_path, "weights": self.weights,
            "weight_format": self.weight_format, "indexes": self.indexes,
            "tokenizer": self.tokenizer_files, "tokenizer_class": self.tokenizer_class,
            "python_files": self.python_files,
            "remote_code": [{"source": r.source, "key": r.key, "ref": r.ref,
                             "file": r.module_file, "other_repo": r.other_repo}
                            for r in self.code_refs],
            "config_error": self.config_error,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        """One line for people: what the folder holds."""
        arch = ", ".join(self.architectures) or "architecture not stated"
        model = f"{self.model_type or 'unknown model type'} ({arch})"
        if self.name_or_path:
            model += f" from {self.name_or_path}"
        weights = ", ".join(self.weights[:3]) + (f" +{len(self.weights) - 3}"
                                                  if len(self.weights) > 3 else "")
        code = (f"{len(self.code_refs)} auto_map entries, " if self.code_refs else "") + \
            f"{len(self.python_files)} Python files"
        return (f"Hugging Face model folder {self.root}: {model}; weights: {weights or 'none'}"
                f"; tokenizer: {', '.join(self.tokenizer_files) or 'none'}; remote code: "
                f"{code}")


def _weight_kind(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    if base.endswith(".safetensors"):
        return "safetensors"
    if base.endswith(".bin"):
        return "pytorch"
    if base.endswith(".h5"):
        return "tensorflow"
    if base.endswith(".msgpack"):
        return "flax"
    return "other"


def read_json(path: Path, limit: int = MAX_JSON_BYTES) -> tuple[Any, str | None]:
    """``(value, None)`` or ``(None, why)`` for a JSON file, read only when under ``limit``."""
    try:
        size = path.stat().st_size
        if size > limit:
            return None, f"{size} bytes, more than the {limit}-byte limit for a JSON file"
        with open(path, "rb") as fh:
            return json.loads(fh.read().decode("utf-8")), None
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 ({exc.reason} at byte {exc.start})"
    except (ValueError, RecursionError) as exc:
        return None, f"not valid JSON ({exc})"
    except OSError as exc:
        return None, f"cannot read ({exc.strerror or exc})"


def _is_weight(name: str) -> bool:
    if name in WEIGHT_NAMES:
        return True
    return (name.endswith(".safetensors") or
            (name.startswith("pytorch_model") and name.endswith(".bin")))


def _hf_config(config: Any) -> bool:
    return isinstance(config, dict) and any(k in config for k in
                                            ("model_type", "architectures", "auto_map"))


def is_hf_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder laid out as a Hugging Face model: a ``config.json`` with
    ``model_type``/``architectures``/``auto_map``, or a ``config.json`` (even a broken one)
    or tokenizer files beside weights with Hugging Face names.

    A trojanscope run folder without a ``config.json`` is not one, though a TextCNN run's
    ``vocab.json`` beside its ``model.safetensors`` has Hugging Face names (stop 64: the
    scanner said "config.json is missing" of every text run and the ML-BOM named a Hugging Face
    model type ``unknown``). A MiniLM run holds both a manifest and a hub ``config.json``: it is
    laid out as one (the scanner and the ML-BOM describe its hub files) and still loads by its
    manifest (:func:`model_folder_kind`). Every caller reads this one rule."""
    root = Path(path)
    if not root.is_dir():
        return False
    config = root / CONFIG_NAME
    if _has_run_manifest(root) and not config.exists():
        return False
    if config.is_file() and _hf_config(read_json(config)[0]):
        return True
    try:
        names = {e.name for e in os.scandir(root)}
    except OSError:
        return False
    has_weights = any(_is_weight(n) or n.endswith(".index.json") for n in names)
    return has_weights and (CONFIG_NAME in names or any(n in names for n in TOKENIZER_NAMES))


def model_folder_kind(path: str | Path) -> str | None:
    """How a model folder is loaded: ``"run"`` (a trojanscope manifest, which wins over a
    MiniLM run's hub files), ``"huggingface"`` (a Hugging Face folder without one, read by
    :mod:`trojanscope.io.hf_load`), or None (not a folder, or neither). Loading, serving, the
    audit's choice of file and its text-model test all read this one answer."""
    root = Path(path)
    if not root.is_dir():
        return None
    if _has_run_manifest(root):
        return "run"
    return "huggingface" if is_hf_folder(root) else None


def _has_run_manifest(root: Path) -> bool:
    from trojanscope.io.manifest import MANIFEST_NAME  # lazily: pydantic, not needed above

    return (root / MANIFEST_NAME).is_file()


def _list(root: Path) -> tuple[list[str], list[str]]:
    """Files (links to files included) and symbolic links under ``root``, relative, sorted."""
    files, links = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for d in dirnames:
            if (Path(dirpath) / d).is_symlink():
                links.append((rel / d).as_posix())
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                links.append((rel / name).as_posix())
            files.append((rel / name).as_posix())
    return sorted(files), sorted(links)


def parse_code_ref(source: str, key: str, ref: str) -> CodeRef:
    """An ``auto_map`` value: ``module.Class``, or ``repo--module.Class`` for another repo."""
    other = None
    if "--" in ref:
        other, ref_local = ref.split("--", 1)
    else:
        ref_local = ref
    module = ref_local.rsplit(".", 1)[0] if "." in ref_local else ref_local
    return CodeRef(source, key, ref, module.replace(".", "/") + ".py", other)


def code_refs(source: str, data: Any) -> list[CodeRef]:
    """Every code reference in one parsed JSON config: ``auto_map`` values (strings or
    ``[slow, fast]`` lists) and ``custom_pipelines`` implementations."""
    if not isinstance(data, dict):
        return []
    out: list[CodeRef] = []
    auto_map = data.get("auto_map")
    if isinstance(auto_map, dict):
        for key, value in auto_map.items():
            values = value if isinstance(value, list) else [value]
            out.extend(parse_code_ref(source, str(key), v) for v in values
                       if isinstance(v, str) and v)
    pipelines = data.get("custom_pipelines")
    if isinstance(pipelines, dict):
        for task, spec in pipelines.items():
            impl = spec.get("impl") if isinstance(spec, dict) else None
            if isinstance(impl, str) and impl:
                out.append(parse_code_ref(source, f"pipeline:{task}", impl))
    return out


def read_hf_layout(path: str | Path) -> HFLayout:
    """The layout of a Hugging Face model folder (JSON files read, nothing else opened)."""
    root = Path(path)
    layout = HFLayout(root)
    layout.files, layout.links = _list(root)
    config, error = read_config(root)
    layout.config, layout.config_error = config, error
    if config is not None:
        layout.model_type = _str(config.get("model_type"))
        archs = config.get("architectures")
        layout.architectures = [a for a in archs if isinstance(a, str)] \
            if isinstance(archs, list) else []
        layout.name_or_path = _str(config.get("_name_or_path"))
    for rel in layout.files:
        name = rel.rsplit("/", 1)[-1]
        top = "/" not in rel
        if name.endswith(".py"):
            layout.python_files.append(rel)
        elif top and name.endswith(".index.json"):
            layout.indexes.append(rel)
        elif top and _is_weight(name):
            layout.weights.append(rel)
        elif top and (name in TOKENIZER_NAMES or name.endswith(".model")):
            layout.tokenizer_files.append(rel)
        if top and name.endswith(".json"):
            data = config if name == CONFIG_NAME else _small_json(root / rel)
            layout.code_refs.extend(code_refs(rel, data))
            if name == TOKENIZER_CONFIG and isinstance(data, dict):
                layout.tokenizer_class = _str(data.get("tokenizer_class"))
    return layout


def read_config(root: Path) -> tuple[dict[str, Any] | None, str | None]:
    """``(config, None)`` for a folder's ``config.json``, or ``(None, why)``: ``missing``,
    ``not a JSON object``, or :func:`read_json`'s reason."""
    if not (root / CONFIG_NAME).is_file():
        return None, "missing"
    config, error = read_json(root / CONFIG_NAME)
    if error is None and not isinstance(config, dict):
        return None, "not a JSON object"
    return config, error


def config_words(root: Path, error: str) -> str:
    """The loader's refusal of a hub folder whose ``config.json`` does not read (``error``
    from :func:`read_config`), said before the imports too (stop 69)."""
    if error == "missing":
        return (f"{root}: a Hugging Face model folder needs a config.json (there is none), so "
                "the architecture is unknown")
    return f"{root / CONFIG_NAME}: {error}"


def _small_json(path: Path) -> Any:
    """A top-level JSON file other than ``tokenizer.json`` (large, never holds auto_map)."""
    if path.name == "tokenizer.json":
        return None
    return read_json(path)[0]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


__all__ = ["CodeRef", "HFLayout", "is_hf_folder", "read_hf_layout", "read_json"]
