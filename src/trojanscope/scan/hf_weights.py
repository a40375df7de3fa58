"""Hugging Face folder checks on the weights: shard indexes (paths that leave the folder,
missing shards, tensors missing from their shard) and whether ``config.json`` describes the
tensors the safetensors headers hold (vocabulary, hidden size, layers, labels, base model).
Only headers are read, never tensor data."""

from __future__ import annotations

import json
import os
import re
import struct
from pathlib import Path
from typing import Any

from trojanscope.io.hf_folder import HFLayout, read_json
from trojanscope.scan.budget import Budget
from trojanscope.scan.context import Ctx
from trojanscope.scan.rules import Policy
from trojanscope.scan.safetensors_fmt import MAX_HEADER
from trojanscope.scan.walk import is_inside

_EMBEDDINGS = ("word_embeddings.weight", "embed_tokens.weight", "wte.weight", "shared.weight",
               "tok_embeddings.weight", "word_emb.weight")
_CLASSIFIERS = ("classifier.weight", "score.weight", "classifier.out_proj.weight")
_LAYER = re.compile(r"^(.*?\.(?:layer|layers|h|block|blocks))\.(\d+)\.")
# model_type -> the prefix its task models put before the base model's tensors
_BASE_PREFIX = {"bert": "bert", "roberta": "roberta", "xlm-roberta": "roberta",
                "camembert": "roberta", "distilbert": "distilbert", "albert": "albert",
                "electra": "electra", "deberta": "deberta", "deberta-v2": "deberta",
                "mpnet": "mpnet", "gpt2": "transformer", "xlnet": "transformer"}
_KNOWN_PREFIXES = set(_BASE_PREFIX.values())


def safetensors_header(path: Path) -> dict[str, Any] | None:
    """The JSON header of a safetensors file (None when it cannot be read as one)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(8)
            if len(raw) < 8:
                return None
            (n,) = struct.unpack("<Q", raw)
            if n > MAX_HEADER:
                return None
            header = json.loads(fh.read(n).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return header if isinstance(header, dict) else None


def _config_int(config: dict[str, Any], *keys: str) -> int | None:
    for scope in (config, config.get("text_config")):
        if isinstance(scope, dict):
            for key in keys:
                value = scope.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    return value
    return None


def check_indexes(layout: HFLayout, policy: Policy) -> tuple[list, dict[str, list[str]]]:
    """Findings on every ``*.index.json``, and the tensors each shard should hold. The
    look-ups share the policy's per-file time limit: an index naming thousands of deep paths
    (each resolved one component at a time) is a TS182, not a scan that never ends."""
    findings: list = []
    expected: dict[str, list[str]] = {}
    root_real = Path(os.path.realpath(layout.root))
    budget = Budget.start(policy.limits.max_seconds)
    for rel in layout.indexes:
        ctx = Ctx(policy, str(layout.root / rel))
        data, error = read_json(layout.root / rel)
        weight_map = data.get("weight_map") if isinstance(data, dict) else None
        if error or not isinstance(weight_map, dict):
            ctx.add("TS451", f"shard index {rel} is unreadable: "
                    f"{error or 'no weight_map object'}")
            findings.extend(ctx.findings)
            continue
        own: set[str] = set()  # this index's shards (``expected`` also holds earlier ones')
        for tensor, shard in weight_map.items():
            if not isinstance(shard, str) or not shard:
                ctx.add("TS451", f"shard index {rel}: tensor {_short(tensor)!r} maps to "
                        f"{_short(shard)!r}")
                continue
            expected.setdefault(shard, []).append(str(tensor))
            own.add(shard)
        late = 0  # shards whose look-up the time limit cut (a name alone still says "outside")
        for shard in sorted(own):
            where = _name_place(shard)
            if where is None and budget.spent():
                late += 1
                continue
            if where is None:
                where = _looked_up(layout.root, root_real, shard)
            if where == "outside":
                ctx.add("TS450", f"shard index {rel} points outside the model folder: "
                        f"{_short(shard)!r} (loaders read that file as weights)",
                        shard=_short(shard))
            elif where != "present":
                ctx.add("TS451", f"shard index {rel} lists {_short(shard)!r}, which {where}",
                        shard=_short(shard))
        if late:
            ctx.add("TS182", f"shard index {rel}: {late} of {len(own)} shard paths not looked "
                    "up (time limit)", limit="time")
        findings.extend(ctx.findings)
    return findings, expected


def _short(value: Any, keep: int = 200) -> Any:
    """A hostile name cut for a finding (its length said), so one finding stays readable."""
    if isinstance(value, str) and len(value) > keep:
        return f"{value[:keep]}… ({len(value)} characters)"
    return value


# What Linux allows: a longer name or path cannot be opened, so it is not looked up (a path of
# a million components would cost a million lstat calls in realpath).
NAME_MAX, PATH_MAX = 255, 4095


def _looked_up(root: Path, root_real: Path, shard: str) -> str:
    """"outside" (the folder, through a link), "present", or "is missing" (or why the look-up
    failed), for a name :func:`_name_place` let through."""
    try:
        if not is_inside(Path(os.path.realpath(root / shard)), root_real):
            return "outside"
        return "present" if (root / shard).is_file() else "is missing"
    except (OSError, ValueError) as exc:  # ENAMETOOLONG (with the folder's own path) and such
        return f"cannot be looked up ({getattr(exc, 'strerror', None) or exc})"


def _name_place(shard: str) -> str | None:
    """What the name alone says: "outside", or why no file system holds it (a NUL byte, or
    too long: what ``open`` would refuse); None: look it up. No file system call, so never cut
    by the time limit (a traversal listed after thousands of slow look-ups is still TS450)."""
    if "\x00" in shard:
        return "holds a NUL byte (no file can have that name)"
    if Path(shard).is_absolute() or ".." in Path(shard).parts:
        return "outside"
    try:  # the bytes open() would pass: a lone surrogate (JSON "\ud800") has none
        size = len(os.fsencode(shard))
        longest = max((len(os.fsencode(part)) for part in Path(shard).parts), default=0)
    except UnicodeEncodeError:
        return "cannot be looked up (not encodable as a file name)"  # open(): the same error
    if size > PATH_MAX or longest > NAME_MAX:
        return "cannot be looked up (File name too long)"  # what open() would say
    return None


def read_headers(layout: HFLayout, shards: dict[str, list[str]], policy: Policy,
                 findings: list) -> dict[str, list[int]]:
    """Shape of every tensor in the folder's safetensors files; tensors an index assigns to a
    shard that does not hold them are TS451."""
    shapes: dict[str, list[int]] = {}
    for rel in layout.weights:
        if not rel.endswith(".safetensors"):
            continue
        header = safetensors_header(layout.root / rel)
        if header is None:
            continue  # the file scan reports a broken header (TS300)
        for name, info in header.items():
            if name != "__metadata__" and isinstance(info, dict) and \
                    isinstance(info.get("shape"), list):
                shapes[name] = info["shape"]
        missing = [t for t in shards.get(rel, []) if t not in header]
        if missing:
            ctx = Ctx(policy, str(layout.root / rel))
            ctx.add("TS451", f"{len(missing)} tensors that the index assigns to {rel} are not in "
                    f"it (first: {missing[0]!r})", missing=len(missing))
            findings.extend(ctx.findings)
    return shapes


def config_mismatches(config: dict[str, Any], shapes: dict[str, list[int]]) -> list[str]:
    """What ``config`` says that the tensor shapes contradict (empty when they agree)."""
    problems: list[str] = []
    if not shapes:
        return problems
    emb = next(((n, s) for n, s in sorted(shapes.items())
                if n.endswith(_EMBEDDINGS) and len(s) == 2), None)
    vocab = _config_int(config, "vocab_size", "n_vocab")
    hidden = _config_int(config, "embedding_size") or \
        _config_int(config, "hidden_size", "d_model", "n_embd", "dim")
    if emb is not None:
        name, (rows, cols) = emb
        if vocab is not None and rows != vocab:
            problems.append(f"vocab_size is {vocab} but {name} has {rows} rows")
        if hidden is not None and cols != hidden:
            problems.append(f"hidden size is {hidden} but {name} has {cols} columns")
    layers = _config_int(config, "num_hidden_layers", "n_layer", "num_layers")
    groups: dict[str, set[int]] = {}
    for name in shapes:
        m = _LAYER.match(name)
        if m:
            groups.setdefault(m.group(1), set()).add(int(m.group(2)))
    counts = sorted({max(v) + 1 for v in groups.values()})
    if layers is not None and counts and layers not in counts:
        problems.append(f"num_hidden_layers is {layers} but the weights hold "
                        f"{' / '.join(map(str, counts))} layers")
    labels = config.get("id2label")
    archs = config.get("architectures")
    archs = archs if isinstance(archs, list) else []  # a number or null in a hostile config
    if isinstance(labels, dict) and labels and any(
            isinstance(a, str) and a.endswith("ForSequenceClassification") for a in archs):
        head = next(((n, s) for n, s in shapes.items() if n in _CLASSIFIERS and s), None)
        if head is not None and head[1][0] != len(labels):
            problems.append(f"id2label has {len(labels)} labels but {head[0]} has "
                            f"{head[1][0]} outputs")
    model_type = config.get("model_type")
    want = _BASE_PREFIX.get(model_type) if isinstance(model_type, str) else None
    tops = {n.split(".", 1)[0] for n in shapes if "." in n}
    others = (tops & _KNOWN_PREFIXES) - {want}
    if want is not None and others and want not in tops:
        problems.append(f"model_type is {model_type!r} but the tensors belong to a "
                        f"{sorted(others)[0]!r} model")
    return problems


def check_weights(layout: HFLayout, policy: Policy) -> list:
    """Index and config-versus-weights findings for one folder."""
    findings, shards = check_indexes(layout, policy)
    shapes = read_headers(layout, shards, policy, findings)
    if layout.config is not None:
        ctx = Ctx(policy, str(layout.root / "config.json"))
        for problem in config_mismatches(layout.config, shapes):
            ctx.add("TS440", f"config.json does not match the weights: {problem}")
        findings.extend(ctx.findings)
    return findings
