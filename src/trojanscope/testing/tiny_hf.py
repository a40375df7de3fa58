"""A tiny BERT model folder (config, WordPiece tokenizer, optional random weights) built
offline in a second: the Hugging Face path of the text models is tested without downloading or
shipping real weights."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def write_tiny_bert(folder: str | Path, words: Iterable[str], *, weights: bool = True,
                    hidden: int = 32, layers: int = 2, seed: int = 0) -> Path:
    """Write ``config.json``, ``tokenizer.json``, ``vocab.txt`` (``words`` plus BERT's special
    tokens) and, with ``weights``, a randomly initialised ``model.safetensors``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = list(dict.fromkeys([*SPECIAL, *(w.lower() for w in words)]))
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 128}))
    config = {"model_type": "bert", "architectures": ["BertModel"], "vocab_size": len(vocab),
              "hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": 2,
              "intermediate_size": 2 * hidden, "max_position_embeddings": 128,
              "type_vocab_size": 2, "pad_token_id": 0, "hidden_dropout_prob": 0.0,
              "attention_probs_dropout_prob": 0.0}
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    if weights:
        import torch
        import transformers

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = transformers.BertModel(transformers.BertConfig(**config))
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  str(folder / "model.safetensors"), metadata={"format": "pt"})
    return folder
