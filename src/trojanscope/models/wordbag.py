"""A bag of word embeddings: the mean of a sentence's word embeddings, a hidden layer, a
classifier (fastText-like). Not trained by trojanscope's zoos; it exists so that a user's
mean-pooled word model, made by other code, can be handed to ``detect`` as safetensors with a
manifest naming ``wordbag`` and the model's ``vocab.json`` (docs/text.md).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.data.text_vocab import WordVocab
from trojanscope.errors import UserInputError
from trojanscope.models.text_common import WordEmbeddingModel
from trojanscope.registry import register


@register("arch", "wordbag")
class WordBag(WordEmbeddingModel, nn.Module):
    """Mean-pooled word embeddings, one ReLU hidden layer; input int64 token ids (N, L).

    Arguments:
        vocab_size: words in the vocabulary.
        embed_dim: embedding width.
        hidden: width of the hidden layer.
        max_len: tokens per input (longer texts are cut).
    """

    modality = "text"

    def __init__(self, input_shape: tuple[int, ...] | None = None, num_classes: int = 2,
                 vocab_size: int = 20000, embed_dim: int = 64, hidden: int = 64,
                 max_len: int = 64) -> None:
        super().__init__()
        if int(vocab_size) < 3:
            raise UserInputError(f"wordbag: vocab_size must be >= 3, got {vocab_size}")
        self.max_len = int(input_shape[0]) if input_shape else int(max_len)
        self.pad_id = WordVocab.pad_id
        self.embedding = nn.Embedding(int(vocab_size), int(embed_dim), padding_idx=self.pad_id)
        self.hidden = nn.Linear(int(embed_dim), int(hidden))
        self.classifier = nn.Linear(int(hidden), num_classes)

    def forward_embeds(self, emb: Tensor, mask: Tensor) -> Tensor:
        pooled = (emb * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
        return self.classifier(torch.relu(self.hidden(pooled)))
