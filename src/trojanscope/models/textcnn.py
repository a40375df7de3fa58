"""TextCNN (Kim, 2014): word embeddings, parallel 1-D convolutions, max-over-time pooling.

Small and fast on a CPU (about 1M parameters with a 15k-word vocabulary): the text model of
zoos and tests. Its tokenizer is a word vocabulary fitted on the training sentences and saved
beside the weights (``vocab.json``); with ``tokenizer=wordpiece`` it reads MiniLM's fixed
WordPiece vocabulary instead (saved as ``tokenizer.json``): the small model for
character-level triggers, which a word vocabulary turns into many rare words
(``data/text_wordpiece.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from trojanscope.data.text_vocab import WordVocab
from trojanscope.errors import UserInputError
from trojanscope.models.text_common import WordEmbeddingModel
from trojanscope.registry import register

TOKENIZERS = ("word", "wordpiece")


def check_tokenizer(value: object) -> str:
    """``value`` if it names a TextCNN tokenizer; else one error line."""
    if value not in TOKENIZERS:
        raise UserInputError(f"textcnn: unknown tokenizer {value!r}; valid: "
                             f"{', '.join(TOKENIZERS)}")
    return str(value)


@register("arch", "textcnn")
class TextCNN(WordEmbeddingModel, nn.Module):
    """Word-embedding CNN for text classification (Kim, 2014); input int64 token ids (N, L).

    Arguments:
        vocab_size: words in the vocabulary (set from the training data).
        embed_dim: embedding width.
        filters: channels per kernel size.
        kernels: widths of the 1-D convolutions.
        dropout: dropout before the classifier.
        max_len: tokens per input (longer texts are cut).
        tokenizer: ``word`` (default: a word vocabulary fitted on the training sentences) or
            ``wordpiece`` (MiniLM's fixed 30,522-piece WordPiece vocabulary; the ``text``
            extra): the small model for character-level triggers.
    """

    modality = "text"

    def __init__(
        self,
        input_shape: tuple[int, ...] | None = None,
        num_classes: int = 2,
        vocab_size: int = 20000,
        embed_dim: int = 64,
        filters: int = 64,
        kernels: Sequence[int] = (3, 4, 5),
        dropout: float = 0.3,
        max_len: int = 64,
        tokenizer: str = "word",
    ) -> None:
        super().__init__()
        self.tokenizer = check_tokenizer(tokenizer)
        if self.tokenizer == "wordpiece":
            self.insert_at = 1  # after [CLS]: where a detector inserts a candidate trigger
        if int(vocab_size) < 3:
            raise UserInputError(f"textcnn: vocab_size must be >= 3, got {vocab_size}")
        self.max_len = int(input_shape[0]) if input_shape else int(max_len)
        self.pad_id = WordVocab.pad_id
        self.embedding = nn.Embedding(int(vocab_size), int(embed_dim), padding_idx=self.pad_id)
        self.convs = nn.ModuleList(
            nn.Conv1d(int(embed_dim), int(filters), int(k), padding=int(k) // 2) for k in kernels
        )
        self.act = nn.ReLU()
        self.dropout = nn.Dropout(float(dropout))
        self.classifier = nn.Linear(int(filters) * len(self.convs), num_classes)

    @classmethod
    def build_encoder(cls, texts: Any, max_len: int = 64, tokenizer: str = "word", **params: Any):
        """The word vocabulary fitted on ``texts`` (default), or the fixed WordPiece one."""
        if check_tokenizer(tokenizer) == "word":
            return super().build_encoder(texts, max_len=max_len, **params)
        from trojanscope.data.text_wordpiece import fixed_wordpiece

        encoder = fixed_wordpiece(int(max_len))
        return encoder, {"vocab_size": encoder.vocab_size, "max_len": int(max_len)}

    def special_ids(self) -> list[int]:
        """Ids no trigger search should use: padding and unknown word, or WordPiece's
        markers ([PAD], [unused*], [UNK], [CLS], [SEP], [MASK])."""
        if self.tokenizer == "wordpiece":
            from trojanscope.data.text_wordpiece import SPECIAL_IDS

            return list(SPECIAL_IDS)
        return super().special_ids()

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        """A random variant for model zoos: widths and dropout."""
        return {"embed_dim": int(rng.choice([48, 64, 96])), "filters": int(rng.choice([48, 64])),
                "dropout": float(rng.choice([0.2, 0.3, 0.5]))}

    def forward_embeds(self, emb: Tensor, mask: Tensor) -> Tensor:
        h = (emb * mask.unsqueeze(-1)).transpose(1, 2)
        pooled = [self.act(conv(h)).amax(dim=2) for conv in self.convs]
        return self.classifier(self.dropout(torch.cat(pooled, dim=1)))
