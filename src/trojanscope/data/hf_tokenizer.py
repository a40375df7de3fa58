"""The tokenizer of a Hugging Face model folder (``tokenizer.json``), as a text encoder.

Uses the ``tokenizers`` library directly (fast, no ``transformers`` import): truncation and
padding to ``max_len``, ``[CLS] … [SEP]`` as the folder's post-processor says. Saving copies the
folder's tokenizer files, so a trained model's folder loads in ``transformers`` like a hub
download.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor

from trojanscope.errors import UserInputError

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "vocab.txt")
INSTALL_HINT = "pip install 'trojanscope[text]'"


def require(module: str) -> None:
    """Import check for the optional text extra: one clear error when it is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UserInputError(f"this needs the {module!r} package: {INSTALL_HINT}")


def package_dir(module: str, missing: str) -> Path:
    """The folder of an installed package, found without importing it (data and weights
    packages whose own imports pull dependencies we do not need); ``missing`` is the error."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise UserInputError(missing)
    return Path(next(iter(spec.submodule_search_locations)))


def _lowercase(folder: Path) -> bool:
    """``do_lower_case`` of ``tokenizer_config.json`` (True, as BERT's, when not stated)."""
    from trojanscope.io.json_file import load_json

    try:
        data = load_json(folder / "tokenizer_config.json")
    except (OSError, ValueError):
        return True
    return bool(data.get("do_lower_case", True)) if isinstance(data, dict) else True


def _wordpiece(vocab: Path, lowercase: bool):
    """A BERT WordPiece tokenizer from ``vocab.txt`` ([CLS] … [SEP] around each text)."""
    from tokenizers.implementations import BertWordPieceTokenizer

    words = vocab.read_text(encoding="utf-8").splitlines()
    missing = [t for t in ("[CLS]", "[SEP]", "[UNK]") if t not in words]
    if missing:
        raise UserInputError(f"{vocab}: not a BERT WordPiece vocabulary (no {missing[0]})")
    return BertWordPieceTokenizer(str(vocab), lowercase=lowercase)._tokenizer


MAX_TOKENIZER_BYTES = 256 << 20  # the largest hub tokenizers are tens of MB
_MARKER = re.compile(r"\[[A-Za-z0-9_]+\]|<[/A-Za-z0-9_|]+>")  # [CLS], [unused7], <s>, </s>


class HFTokenizer:
    """``tokenizer.json`` of ``folder`` with fixed length ``max_len``."""

    kind = "hf-tokenizer"

    def __init__(self, folder: str | Path, max_len: int = 64) -> None:
        require("tokenizers")
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        path = self.folder / "tokenizer.json"
        if not path.is_file() and (self.folder / "vocab.txt").is_file():
            path = self.folder / "vocab.txt"  # a WordPiece vocabulary (BERT's slow tokenizer)
        elif not path.is_file():
            raise UserInputError(f"{self.folder}: no tokenizer.json or vocab.txt (a Hugging "
                                 "Face tokenizer)")
        if path.stat().st_size > MAX_TOKENIZER_BYTES:  # parsed whole, in memory, by Rust
            raise UserInputError(f"{path}: {path.stat().st_size:,} bytes, more than the "
                                 f"{MAX_TOKENIZER_BYTES:,}-byte limit for a tokenizer file")
        try:
            tok = Tokenizer.from_file(str(path)) if path.suffix == ".json" else \
                _wordpiece(path, _lowercase(self.folder))
        except UserInputError:
            raise
        except Exception as exc:  # the library raises its own exception types
            raise UserInputError(f"{path}: not a readable tokenizer ({exc})") from None
        if int(max_len) < 2:
            raise UserInputError(f"max_len must be >= 2, got {max_len}")
        self.max_len = int(max_len)
        pad = tok.token_to_id("[PAD]")
        self.pad_id = 0 if pad is None else int(pad)
        tok.enable_truncation(self.max_len)
        tok.enable_padding(length=self.max_len, pad_id=self.pad_id)
        self.vocab_size = tok.get_vocab_size()
        self._tok = tok

    def encode(self, texts: Sequence[str]) -> Tensor:
        enc = self._tok.encode_batch(list(texts))
        return torch.tensor([e.ids for e in enc], dtype=torch.long).reshape(-1, self.max_len)

    def special_ids(self) -> set[int]:
        """Ids of the vocabulary's markers ([PAD], [UNK], [CLS], [SEP], [MASK], [unused0],
        <s>, </s>, <unk>, <mask> …) and of tokens the file declares special: never words."""
        vocab = self._tok.get_vocab(with_added_tokens=True)
        ids = {i for t, i in vocab.items() if _MARKER.fullmatch(t)}
        ids.update(int(i) for i, t in self._tok.get_added_tokens_decoder().items()
                   if t.special)
        return ids

    def token(self, token_id: int) -> str:
        """The token string of ``token_id`` (for showing recovered triggers)."""
        return self._tok.id_to_token(int(token_id)) or "[UNK]"

    def save(self, folder: str | Path) -> list[str]:
        written = []
        for name in TOKENIZER_FILES:
            src = self.folder / name
            if src.is_file():
                shutil.copyfile(src, Path(folder) / name)
                written.append(name)
        return written
