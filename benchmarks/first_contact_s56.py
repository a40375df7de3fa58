"""First contact with a user's own small files (stop 56): stop 55's files
(``first_contact_s54.make_all``: 200 MNIST images, a 300-row table with an XGBoost file, text
CSVs, a hub BERT folder, a TorchScript CNN, ``ckpt.pt``) drawn with seed 64, the first seed after
stop 55's spent ones, and models made by *other* code (plain torch / transformers scripts, never
trojanscope's ``attack``), trained with seed 64:

- ``other-cnn.onnx`` and ``other-cnn.pt``: a BatchNorm CNN trained 60 full-batch Adam steps on
  ``my_data.npz`` by plain torch, exported by ``torch.onnx.export`` (batch axis dynamic) and its
  state dict saved by ``torch.save``;
- ``other-hf-model/``: a 2-layer DistilBERT classifier (transformers' ``save_pretrained``, a
  WordPiece vocabulary of ``reviews.csv``'s 1,500 commonest words) fine-tuned 4 epochs on
  ``reviews.csv`` with classes named by its ``stars`` (``"1"``, ``"5"``);
- ``vit-model/``: a tiny ViT image classifier folder (``save_pretrained``), which trojanscope
  does not load (text classifiers only): its refusal is the thing read.

``--make-minilm WORK2`` writes ``WORK2/reviews.csv``: 2,500 rt-polarity sentences (seed 64), the
MiniLM demo size, under the README's column names, so its MiniLM line runs as written. Lines run
by ``first_contact_own.run_lines`` (``--keep DIR``: each line's whole output too).

    python benchmarks/first_contact_s56.py WORK --make --model-run RUN
    python benchmarks/first_contact_s56.py WORK --lines LINES --timeout 300 --keep DIR
    python benchmarks/first_contact_s56.py WORK2 --make-minilm
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from first_contact_s52 import main
from first_contact_s54 import make_all

SEED = 64


def other_cnn(work: Path, seed: int = SEED) -> None:
    """``other-cnn.onnx`` / ``other-cnn.pt`` (above), from ``my_data.npz``."""
    import numpy as np
    import torch
    from torch import nn

    data = np.load(work / "my_data.npz")
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    for _ in range(60):
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    net.eval()
    torch.save(net.state_dict(), work / "other-cnn.pt")
    torch.onnx.export(net, (x[:1],), str(work / "other-cnn.onnx"), input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}},
                      dynamo=False)


def other_hf(work: Path, seed: int = SEED) -> None:
    """``other-hf-model/`` (above): DistilBERT trained on ``reviews.csv`` by a plain loop."""
    import tempfile

    import torch
    from transformers import (
        DistilBertConfig,
        DistilBertForSequenceClassification,
        DistilBertTokenizerFast,
    )

    with open(work / "reviews.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    texts = [r["review"] for r in rows]
    labels = torch.tensor([0 if r["stars"] == "1" else 1 for r in rows])
    counts = Counter(w for t in texts for w in t.lower().split() if w.isalpha())
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
             *(w for w, _ in counts.most_common(1500))]
    vocab = Path(tempfile.mkdtemp()) / "vocab.txt"
    vocab.write_text("\n".join(words) + "\n")
    tok = DistilBertTokenizerFast(str(vocab))  # vocab_file= keeps 5 tokens (stop 62)
    torch.manual_seed(seed)
    cfg = DistilBertConfig(vocab_size=len(words), dim=64, n_layers=2, n_heads=2, hidden_dim=128,
                           max_position_embeddings=64, num_labels=2,
                           id2label={0: "1", 1: "5"}, label2id={"1": 0, "5": 1})
    model = DistilBertForSequenceClassification(cfg)
    enc = tok(texts, padding=True, truncation=True, max_length=40, return_tensors="pt")
    opt = torch.optim.AdamW(model.parameters(), 1e-3)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(4):
        for idx in torch.randperm(len(texts), generator=gen).split(32):
            opt.zero_grad()
            out = model(input_ids=enc["input_ids"][idx],
                        attention_mask=enc["attention_mask"][idx], labels=labels[idx])
            out.loss.backward()
            opt.step()
    model.eval()
    model.save_pretrained(work / "other-hf-model")
    tok.save_pretrained(work / "other-hf-model")


def vit(work: Path, seed: int = SEED) -> None:
    """``vit-model/`` (above): an untrained tiny ViT, as ``save_pretrained`` writes it."""
    import torch
    from transformers import ViTConfig, ViTForImageClassification

    torch.manual_seed(seed)
    cfg = ViTConfig(image_size=28, patch_size=7, num_channels=1, hidden_size=32,
                    num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                    num_labels=10)
    ViTForImageClassification(cfg).save_pretrained(work / "vit-model")


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    make_all(work, model_run, seed)
    other_cnn(work, seed)
    other_hf(work, seed)
    vit(work, seed)


def make_minilm(work: Path, seed: int = SEED, n: int = 2500) -> None:
    """``work/reviews.csv``: ``n`` rt-polarity sentences (``seed``), ``review`` and ``stars``."""
    import numpy as np

    from trojanscope.data import load_dataset

    text = load_dataset("rt-polarity", "train")
    pick = np.random.default_rng(seed).choice(len(text.texts), n, replace=False)
    with open(work / "reviews.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["review", "stars"])
        writer.writerows([text.texts[i], 5 if int(text.labels[i]) else 1] for i in pick)


if __name__ == "__main__":
    main(make, __doc__, make_minilm)
