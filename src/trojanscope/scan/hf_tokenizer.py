"""Hugging Face folder checks on the tokenizer: ``tokenizer.json`` that is not what the
``tokenizers`` library writes (not JSON, component types it does not have, thousands of
added tokens, added tokens that take over vocabulary ids, normalizers that rewrite words in
every input — a trigger planted before the model sees the text), ``tokenizer_class`` values
that are not class names, a vocabulary larger than the model's embedding, and (stop 63) a
BERT ``vocab.txt`` read without a ``tokenizer.json`` whose size does not fit the embedding."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from trojanscope.io.hf_folder import HFLayout, read_json, tokenizer_misfit
from trojanscope.scan.context import Ctx
from trojanscope.scan.rules import Policy

MAX_TOKENIZER_JSON = 256 << 20
MAX_ADDED_TOKENS = 5000
MAX_TOKEN_CHARS = 512
KNOWN_TYPES = {
    "normalizer": {"BertNormalizer", "Strip", "StripAccents", "NFC", "NFD", "NFKC", "NFKD",
                   "Sequence", "Lowercase", "Nmt", "Precompiled", "Replace", "Prepend",
                   "ByteLevel"},
    "pre_tokenizer": {"BertPreTokenizer", "ByteLevel", "CharDelimiterSplit", "Delimiter",
                      "Metaspace", "Whitespace", "Sequence", "Split", "Punctuation",
                      "WhitespaceSplit", "Digits", "UnicodeScripts", "FixedLength"},
    "model": {"BPE", "WordPiece", "WordLevel", "Unigram"},
    "post_processor": {"RobertaProcessing", "BertProcessing", "ByteLevel",
                       "TemplateProcessing", "Sequence"},
    "decoder": {"BPEDecoder", "ByteLevel", "WordPiece", "Metaspace", "CTC", "Sequence",
                "Replace", "Fuse", "Strip", "ByteFallback"},
}
_CLASS_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WORD = re.compile(r"[A-Za-z0-9]")
# Regex syntax that matches no word character: counted repetition ({2,}), escapes of spaces,
# control characters and anchors (\s, \n, \b) and inline flags ((?i)). Escapes that match
# words or spell one (\w, \d, \p{L}, \x41) stay, and are flagged.
_REGEX_SYNTAX = re.compile(r"\{\d*(?:,\d*)?\}|\\[sbBAzZGntrfvhR]|\(\?[a-zA-Z-]+[:)]")


_SEQUENCE_KEYS = ("normalizers", "pretokenizers", "processors", "decoders")


def _types(component: Any, out: list[str]) -> None:
    """Every ``type`` in a component, its ``Sequence`` members included."""
    if not isinstance(component, dict):
        return
    if isinstance(component.get("type"), str):
        out.append(component["type"])
    for key in _SEQUENCE_KEYS:
        for child in _members(component, key):
            _types(child, out)


def _not_lists(component: Any, depth: int = 0) -> list[str]:
    """The Sequence member keys (``normalizers``…) that hold something other than a list."""
    if not isinstance(component, dict) or depth > 50:
        return []
    bad = [key for key in _SEQUENCE_KEYS if key in component
           and not isinstance(component[key], list)]
    for key in _SEQUENCE_KEYS:
        for child in _members(component, key):
            bad += _not_lists(child, depth + 1)
    return bad


def _members(component: dict[str, Any], key: str) -> list[Any]:
    """A Sequence's members: a list, else none (a number there is a broken file, not ours to
    iterate)."""
    members = component.get(key)
    return members if isinstance(members, list) else []


def _replacements(component: Any) -> list[tuple[str, str, bool]]:
    """``(pattern, content, is_regex)`` of every Replace normalizer, inside Sequences too."""
    if not isinstance(component, dict):
        return []
    found = []
    if component.get("type") == "Replace":
        pattern = component.get("pattern")
        regex = isinstance(pattern, dict) and "String" not in pattern and "Regex" in pattern
        text = pattern.get("String") or pattern.get("Regex") if isinstance(pattern, dict) else None
        found.append((str(text), str(component.get("content")), regex))
    for child in _members(component, "normalizers"):
        found.extend(_replacements(child))
    return found


def _vocab_ids(model: dict[str, Any]) -> dict[int, str]:
    vocab = model.get("vocab")
    if isinstance(vocab, dict):
        return {i: t for t, i in vocab.items() if isinstance(i, int)}
    if isinstance(vocab, list):  # Unigram: [[piece, score], ...]
        return {i: e[0] for i, e in enumerate(vocab) if isinstance(e, list) and e}
    return {}


def check_tokenizer_json(ctx: Ctx, data: Any, vocab_size: int | None) -> None:
    """Findings on one parsed ``tokenizer.json``."""
    if not isinstance(data, dict) or not isinstance(data.get("model"), dict):
        ctx.add("TS430", "tokenizer.json is not a tokenizers file (no model object)")
        return
    for part, known in KNOWN_TYPES.items():
        names: list[str] = []
        _types(data.get(part), names)
        if part == "model" and "type" not in data["model"]:
            continue  # old files leave the model type implicit
        for key in _not_lists(data.get(part)):
            ctx.add("TS430", f"tokenizer.json {part}: {key} is not a list", component=part)
        for name in names:
            if name not in known:
                ctx.add("TS432", f"tokenizer.json {part} has a type the tokenizers library "
                        f"does not define: {name!r}", component=part, type=name)
    for pattern, content, regex in _replacements(data.get("normalizer")):
        # a regex's word characters, its syntax left out: SentencePiece converters write
        # Replace(Regex(" {2,}"), "▁"), which rewrites spaces, not words
        letters = _REGEX_SYNTAX.sub("", pattern) if regex else pattern
        if _WORD.search(letters) and pattern != content:
            ctx.add("TS433", f"tokenizer.json normalizer replaces {pattern!r} with "
                    f"{content!r} in every input before the model sees it",
                    pattern=pattern, content=content)
    added = data.get("added_tokens") or []
    if not isinstance(added, list):
        ctx.add("TS430", "tokenizer.json added_tokens is not a list")
        return
    if len(added) > MAX_ADDED_TOKENS:
        ctx.add("TS431", f"tokenizer.json adds {len(added)} tokens (more than "
                f"{MAX_ADDED_TOKENS})", added=len(added))
    long = [t for t in added if isinstance(t, dict) and
            len(str(t.get("content", ""))) > MAX_TOKEN_CHARS]
    if long:
        ctx.add("TS431", f"tokenizer.json has {len(long)} added tokens longer than "
                f"{MAX_TOKEN_CHARS} characters", longest=max(len(str(t["content"]))
                                                             for t in long))
    ids = _vocab_ids(data["model"])
    taken = [(t.get("content"), t.get("id"), ids[t["id"]]) for t in added
             if isinstance(t, dict) and isinstance(t.get("id"), int) and t["id"] in ids
             and ids[t["id"]] != t.get("content")]
    for content, tid, word in taken[:5]:
        ctx.add("TS431", f"tokenizer.json added token {content!r} takes id {tid}, which the "
                f"vocabulary gives to {word!r}", token=str(content), id=tid)
    top = max([*ids, *(t["id"] for t in added if isinstance(t, dict) and
                       isinstance(t.get("id"), int))], default=-1)
    if vocab_size is not None and top >= vocab_size:
        ctx.add("TS440", f"the tokenizer produces ids up to {top} but config.json's vocab_size "
                f"is {vocab_size}", max_id=top, vocab_size=vocab_size)


def check_tokenizer(layout: HFLayout, policy: Policy) -> list:
    """Tokenizer findings for one folder."""
    findings = []
    tc_path = layout.root / "tokenizer_config.json"
    if tc_path.is_file():
        ctx = Ctx(policy, str(tc_path))
        data, error = read_json(tc_path)
        if error or not isinstance(data, dict):
            ctx.add("TS430", f"tokenizer_config.json is unreadable: {error or 'not an object'}")
        elif layout.tokenizer_class and not _CLASS_NAME.match(layout.tokenizer_class):
            ctx.add("TS421", f"tokenizer_class {layout.tokenizer_class!r} is not a class name",
                    tokenizer_class=layout.tokenizer_class)
        findings.extend(ctx.findings)
    tj_path = layout.root / "tokenizer.json"
    if tj_path.is_file():
        ctx = Ctx(policy, str(tj_path))
        data, error = read_json(tj_path, MAX_TOKENIZER_JSON)
        if error:
            ctx.add("TS430", f"tokenizer.json is unreadable: {error}")
        else:
            check_tokenizer_json(ctx, data, _vocab_size(layout))
        findings.extend(ctx.findings)
    if reads_vocab_txt(layout):  # what loading reads then (BERT's files)
        vt_path = layout.root / "vocab.txt"
        ctx = Ctx(policy, str(vt_path))
        check_vocab_txt(ctx, vt_path, _vocab_size(layout))
        findings.extend(ctx.findings)
    return findings


def reads_vocab_txt(layout: HFLayout) -> bool:
    """Whether :func:`check_tokenizer` reads the folder's ``vocab.txt``: there is no
    ``tokenizer.json`` (loading reads the ``vocab.txt`` then) and ``config.json`` gives the
    embedding's ``vocab_size`` to read it against."""
    root = layout.root
    return (not (root / "tokenizer.json").is_file() and (root / "vocab.txt").is_file()
            and _vocab_size(layout) is not None)


def _vocab_size(layout: HFLayout) -> int | None:
    vocab = layout.config.get("vocab_size") if layout.config else None
    return vocab if isinstance(vocab, int) and not isinstance(vocab, bool) else None


def check_vocab_txt(ctx: Ctx, path: Path, vocab_size: int | None) -> None:
    """``TS440`` where a ``vocab.txt`` (one token a line, read when the folder has no
    ``tokenizer.json``) cannot be the tokenizer of an embedding of ``vocab_size`` rows (stop
    62: loading refused such folders, the scanner said nothing)."""
    if vocab_size is None:
        return
    try:
        if path.stat().st_size > MAX_TOKENIZER_JSON:
            ctx.add("TS430", f"vocab.txt is larger than {MAX_TOKENIZER_JSON >> 20} MiB; not read")
            return
        size = len(path.read_bytes().splitlines())
    except OSError as exc:  # unreadable (permissions, a file gone): said, as tokenizer.json's
        ctx.add("TS430", f"vocab.txt is unreadable: {exc.strerror or exc}")
        return
    why = tokenizer_misfit(size, vocab_size)
    if why:
        ctx.add("TS440", f"vocab.txt holds {size} tokens but config.json's vocab_size is "
                f"{vocab_size}: {why}", tokens=size, vocab_size=vocab_size)
