"""What text architectures share: the embedding-level interface and the tokenizer hand-over.

A text architecture takes int64 token ids ``(N, L)``; it also exposes ``embed(ids)`` (token
embeddings ``(N, L, D)``) and ``forward_embeds(emb, mask)`` so that detectors can search for
triggers in embedding space, and ``build_encoder(texts, **arch_params)`` that makes its tokenizer
(a vocabulary fitted on the training strings, or a pretrained model's own tokenizer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from trojanscope import registry
from trojanscope.data.text import TextEncoder, is_text
from trojanscope.errors import UserInputError


def is_text_arch(arch: str) -> bool:
    return getattr(registry.get("arch", arch), "modality", "image") == "text"


def check_pair(arch: str, data: object) -> None:
    """Text data need a text architecture and the other way round."""
    if is_text(data) != is_text_arch(arch):
        text_archs = [n for n in registry.names("arch") if is_text_arch(n)]
        if is_text(data):
            raise UserInputError(
                f"text data need a text architecture ({', '.join(text_archs)}), not {arch!r}"
            )
        raise UserInputError(f"architecture {arch!r} takes text data, not images")


def prepare(arch: str, arch_params: dict[str, Any], strings: object) -> tuple[TextEncoder, dict]:
    """The architecture's encoder, fitted on the training ``strings`` as the victim sees them,
    and the architecture parameters it implies (e.g. the vocabulary size)."""
    cls = registry.get("arch", arch)
    return cls.build_encoder(list(strings.texts), **arch_params)  # type: ignore[attr-defined]


def load_encoder(folder: str | Path, manifest: Any) -> TextEncoder:
    """The tokenizer saved with a text model (``manifest.text.encoder`` names its kind)."""
    info = getattr(manifest, "text", None) or {}
    kind = info.get("encoder")
    args = getattr(getattr(manifest, "arch", None), "args", None) or {}
    if kind == "word-vocab":
        from trojanscope.data.text_vocab import WordVocab

        vocab = WordVocab.load(folder)
        _check_rows(folder, len(vocab), args.get("vocab_size"), "words")
        return vocab
    if kind == "hf-tokenizer":
        from trojanscope.data.hf_tokenizer import HFTokenizer

        tok = HFTokenizer(folder, int(info.get("max_len", 64)))
        # a word-embedding model over a saved tokenizer (textcnn tokenizer=wordpiece): its
        # ids index the embedding and its padding is id 0 (review of issue 15 stop 46)
        _check_rows(folder, tok.vocab_size, args.get("vocab_size"), "tokens")
        if args.get("tokenizer") == "wordpiece" and tok.pad_id != 0:
            raise UserInputError(f"{folder}: the tokenizer pads with id {tok.pad_id}, but the "
                                 "model masks id 0 as padding: they do not belong together")
        return tok
    raise UserInputError(f"{folder}: the manifest names no text tokenizer (text.encoder)")


def _check_rows(folder: str | Path, size: int, rows: Any, what: str) -> None:
    """One error line where the tokenizer has ids past the model's embedding table."""
    if rows is not None and size > int(rows):  # ids past the embedding table
        raise UserInputError(f"{folder}: the vocabulary has {size} {what} but the model's "
                             f"embedding has {int(rows)} rows (arch vocab_size): "
                             "they do not belong together")


def attach_encoder(loaded: Any, data: Any) -> Any:
    """``data`` tokenised by the tokenizer saved with ``loaded`` (a text model's run folder);
    anything else is returned as it is."""
    text_info = getattr(loaded.manifest, "text", None) if loaded.manifest is not None else None
    if not text_info or data is None:
        return data
    if not is_text(data):
        raise UserInputError("a text model needs text data (sentences), not images")
    source = Path(loaded.source)
    data = align_labels(data, loaded.class_names or [])
    return data.with_encoder(load_encoder(source if source.is_dir() else source.parent,
                                          loaded.manifest))


def align_labels(data: Any, model_names: list[str]) -> Any:
    """Sentences labelled with the model's class names (any case, e.g. ``positive`` for a Hugging
    Face folder's ``POSITIVE``) get the model's class ids; other labels are kept as read."""
    from dataclasses import replace

    from trojanscope.data.text import TextDataset

    names = [str(n).lower() for n in getattr(data, "class_names", ())]
    wanted = {str(n).lower(): i for i, n in enumerate(model_names)}
    if not isinstance(data, TextDataset) or not names or any(n not in wanted for n in names) \
            or [wanted[n] for n in names] == list(range(len(names))):
        return data
    ids = torch.tensor([wanted[n] for n in names], dtype=torch.long)
    return replace(data, y=ids[data.y], class_names=tuple(model_names))


def padding_mask(ids: Tensor, pad_id: int) -> Tensor:
    """1.0 at real tokens, 0.0 at padding, as float (N, L)."""
    return (ids != pad_id).to(torch.float32)


class WordEmbeddingModel:
    """What the word-vocabulary architectures (``textcnn``, ``wordbag``) share: an
    ``embedding`` table over a :class:`~trojanscope.data.text_vocab.WordVocab` (padding 0,
    unknown word 1) fitted on the training sentences; subclasses define ``forward_embeds``."""

    max_len: int
    pad_id: int
    embedding: Any

    @classmethod
    def build_encoder(cls, texts: Any, max_len: int = 64, **_: Any):
        from trojanscope.data.text_vocab import WordVocab

        vocab = WordVocab.fit(texts, max_len=int(max_len))
        return vocab, {"vocab_size": len(vocab), "max_len": int(max_len)}

    def example_input(self, n: int = 2) -> Tensor:
        return torch.ones(n, self.max_len, dtype=torch.long)

    def token_embeddings(self) -> Tensor:
        """The embedding table (vocabulary × width)."""
        return self.embedding.weight

    def special_ids(self) -> list[int]:
        """Ids no trigger search should use (padding, unknown word)."""
        from trojanscope.data.text_vocab import WordVocab

        return [WordVocab.pad_id, WordVocab.unk_id]

    def embed(self, ids: Tensor) -> Tensor:
        return self.embedding(ids)

    def forward_embeds(self, emb: Tensor, mask: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, ids: Tensor) -> Tensor:
        return self.forward_embeds(self.embed(ids), padding_mask(ids, self.pad_id))


def position_limit(model: nn.Module) -> int | None:
    """The most tokens per input ``model`` accepts, where learned position embeddings bound it
    (BERT/MiniLM: ``max_position_embeddings``, 512; RoBERTa-style tables, whose first
    ``padding_idx + 1`` rows are not positions, that many fewer); None when nothing does (the
    TextCNN and bag-of-words models take any length)."""
    for module in model.modules():
        table = getattr(module, "position_embeddings", None)
        if isinstance(table, nn.Embedding):
            skip = table.padding_idx + 1 if table.padding_idx is not None else 0
            return table.num_embeddings - skip
    return None
