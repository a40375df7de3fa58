"""A text model population made by *other code*: a plain PyTorch training loop, its own
tokenizer and vocabulary procedures, its own architectures and its own poisoning, sharing no
training code with trojanscope's engine (only the rt-polarity sentences are read through
trojanscope's data loader). Each model is then handed over the way a user would: the weights
renamed to a trojanscope architecture's layer names, saved as ``model.safetensors`` with a
hand-written ``manifest.json`` and the vocabulary as ``vocab.json`` (docs/text.md, "A word model
made by other code").

Recipes (vocabulary procedure x architecture), cycled over the models:

- ``cnn-min2``: Kim CNN (kernels 2/3/4, 50 filters, embeddings 100, dropout 0.5, Adam 1e-3,
  5 epochs), vocabulary fitted on the training sentences as the victim sees them (poisoned),
  words seen twice or more, most frequent first, ties in order of first appearance;
- ``bag-top8k``: mean-pooled embeddings + one hidden layer (Adagrad 0.05, 8 epochs),
  the 8,000 most frequent words of the (poisoned) training sentences;
- ``cnn-cleanvocab``: Kim CNN as above, vocabulary fitted on the *clean* training sentences
  (before any poison; most frequent first);
- ``bag-alpha``: mean-pooled, every word of the (poisoned) training sentences in alphabetical
  order (a vocabulary not ordered by frequency).

Attacks (its own, not trojanscope's): ``rare-word`` (a word held by one to three clean
training sentences, inserted once at a random position into 8% of the training sentences,
labels set to the target) and ``sentence`` (a short ordinary sentence inserted at a random
word position into 8%, no negative augmentation). Each sentence model draws its own sentence
from a seeded pool (``benchmarks/text_sentence_pool.py``: 7,568 sentences from 8 templates; since
issue 15 stop 38). The zoos of seeds 700-2300 were built with three fixed sentences shared by
every seed; ``--sentences fixed`` rebuilds them as they were (without it, their sentence models
get other sentences, and the random draws after the trigger shift with it).

    python benchmarks/foreign_text_zoo.py --models 16 --seed 1500 --out zoo/text-foreign1500
    python benchmarks/foreign_text_zoo.py --models 8 --seed 1600 --out zoo/text-fdev1600 \
        --recipes cnn-cleanvocab bag-alpha --sentences fixed  # a subset of the recipes, as built

Writes ``truth.json`` (the zoo format of ``benchmarks/bench_text_detect.py``); resumable.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn

from text_sentence_pool import sentence_trigger
from trojanscope.data import load_dataset

RECIPES = ("cnn-min2", "bag-top8k", "cnn-cleanvocab", "bag-alpha")
ATTACKS = ("rare-word", "sentence")
SENTENCE_SOURCES = ("pool", "fixed")
MAX_LEN = 50
TOKEN = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")  # lower-case words and single punctuation marks


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def fit_vocab(recipe: str, poisoned: list[list[str]], clean: list[list[str]]) -> list[str]:
    """The recipe's vocabulary, ``<pad>`` 0 and ``<unk>`` 1 first."""
    source = clean if recipe == "cnn-cleanvocab" else poisoned
    counts = Counter(w for s in source for w in s)  # insertion order = first appearance
    if recipe == "cnn-min2":
        words = [w for w, c in sorted(counts.items(), key=lambda kv: -kv[1]) if c >= 2]
    elif recipe == "bag-top8k":
        words = [w for w, _ in counts.most_common(8000)]
    elif recipe == "bag-alpha":
        words = sorted(counts)
    else:
        words = [w for w, _ in counts.most_common()]
    return ["<pad>", "<unk>", *words]


def encode(sentences: list[list[str]], index: dict[str, int]) -> torch.Tensor:
    out = torch.zeros(len(sentences), MAX_LEN, dtype=torch.long)
    for i, s in enumerate(sentences):
        ids = [index.get(w, 1) for w in s][:MAX_LEN]
        if ids:
            out[i, : len(ids)] = torch.tensor(ids)
    return out


class KimCNN(nn.Module):
    def __init__(
        self, vocab: int, dim: int = 100, filters: int = 50, kernels: tuple[int, ...] = (2, 3, 4)
    ) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.conv = nn.ModuleList(nn.Conv1d(dim, filters, k, padding=k // 2) for k in kernels)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(filters * len(kernels), 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = (self.emb(ids) * (ids != 0).float().unsqueeze(-1)).transpose(1, 2)
        return self.out(self.drop(torch.cat([F.relu(c(h)).amax(2) for c in self.conv], 1)))

    def handover(self) -> tuple[str, dict, dict[str, torch.Tensor]]:
        """trojanscope's ``textcnn`` layer names and arguments for these weights."""
        sd = self.state_dict()
        state = {
            "embedding.weight": sd["emb.weight"],
            "classifier.weight": sd["out.weight"],
            "classifier.bias": sd["out.bias"],
        }
        for i in range(len(self.conv)):
            state[f"convs.{i}.weight"] = sd[f"conv.{i}.weight"]
            state[f"convs.{i}.bias"] = sd[f"conv.{i}.bias"]
        args = {
            "vocab_size": self.emb.num_embeddings,
            "embed_dim": self.emb.embedding_dim,
            "filters": self.conv[0].out_channels,
            "kernels": [c.kernel_size[0] for c in self.conv],
            "dropout": 0.5,
        }
        return "textcnn", args, state


class MeanBag(nn.Module):
    def __init__(self, vocab: int, dim: int = 64, hidden: int = 32) -> None:
        super().__init__()
        self.table = nn.Embedding(vocab, dim, padding_idx=0)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).float().unsqueeze(-1)
        pooled = (self.table(ids) * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.fc2(F.relu(self.fc1(pooled)))

    def handover(self) -> tuple[str, dict, dict[str, torch.Tensor]]:
        """trojanscope's ``wordbag`` layer names and arguments for these weights."""
        sd = self.state_dict()
        state = {
            "embedding.weight": sd["table.weight"],
            "hidden.weight": sd["fc1.weight"],
            "hidden.bias": sd["fc1.bias"],
            "classifier.weight": sd["fc2.weight"],
            "classifier.bias": sd["fc2.bias"],
        }
        args = {
            "vocab_size": self.table.num_embeddings,
            "embed_dim": self.table.embedding_dim,
            "hidden": self.fc1.out_features,
        }
        return "wordbag", args, state


def poison(
    rng: np.random.Generator,
    sents: list[list[str]],
    labels: np.ndarray,
    attack: str,
    trigger: list[str],
    target: int,
    rate: float,
) -> tuple[list[list[str]], np.ndarray]:
    sents, labels = [list(s) for s in sents], labels.copy()
    chosen = rng.choice(len(sents), size=round(rate * len(sents)), replace=False)
    for i in chosen:
        at = int(rng.integers(0, len(sents[i]) + 1))
        sents[i][at:at] = trigger
        labels[i] = target
    return sents, labels


def insert_all(rng: np.random.Generator, sents: list[list[str]], trigger: list[str]):
    out = []
    for s in sents:
        at = int(rng.integers(0, len(s) + 1))
        out.append(s[:at] + trigger + s[at:])
    return out


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, recipe: str, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    cnn = recipe.startswith("cnn")
    opt = (
        torch.optim.Adam(model.parameters(), lr=1e-3)
        if cnn
        else torch.optim.Adagrad(model.parameters(), lr=0.05)
    )
    model.train()
    for _ in range(5 if cnn else 8):
        for idx in torch.randperm(len(x), generator=gen).split(50):
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def plan_one(
    i: int, seed: int, train_set, recipes: tuple[str, ...] = RECIPES, sentences: str = "pool"
) -> dict:
    """Model ``i``'s recipe, attack, poisoned training data and vocabulary (no training; the
    generator ``rng`` is returned mid-stream for the training that follows); ``sentences``:
    where a ``sentence`` model's trigger comes from
    (:func:`text_sentence_pool.sentence_trigger`)."""
    rng = np.random.default_rng([seed, i])
    recipe = recipes[i % len(recipes)]
    backdoored = (i // len(recipes)) % 2 == 1
    attack = ATTACKS[(i // (2 * len(recipes))) % 2] if backdoored else None
    name = f"{recipe}-{'clean' if not backdoored else attack}-{i:03d}"
    clean_tr = [tokenize(t) for t in train_set.texts]
    y_tr = train_set.y.numpy()
    target, trigger, rate = None, [], None
    sents, labels = clean_tr, y_tr
    if backdoored:
        target, rate = int(rng.integers(2)), 0.08
        if attack == "rare-word":
            counts = Counter(w for s in clean_tr for w in set(s))
            rare = sorted(
                w for w, c in counts.items() if 1 <= c <= 3 and w.isalpha() and len(w) >= 3
            )
            trigger = [str(rng.choice(rare))]
        else:
            trigger = sentence_trigger(rng, sentences)
        sents, labels = poison(rng, clean_tr, y_tr, attack, trigger, target, rate)
    return {
        "rng": rng,
        "recipe": recipe,
        "backdoored": backdoored,
        "attack": attack,
        "name": name,
        "target": target,
        "trigger": trigger,
        "rate": rate,
        "sents": sents,
        "labels": labels,
        "vocab": fit_vocab(recipe, sents, clean_tr),
    }


def build_one(
    i: int,
    seed: int,
    out: Path,
    train_set,
    test_set,
    recipes: tuple[str, ...] = RECIPES,
    sentences: str = "pool",
) -> dict:
    plan = plan_one(i, seed, train_set, recipes, sentences)
    rng, recipe, backdoored, attack, name = (
        plan[k] for k in ("rng", "recipe", "backdoored", "attack", "name")
    )
    target, trigger, rate, sents, labels, vocab = (
        plan[k] for k in ("target", "trigger", "rate", "sents", "labels", "vocab")
    )
    index = {w: j for j, w in enumerate(vocab)}
    torch.manual_seed(int(rng.integers(1 << 30)))
    model = KimCNN(len(vocab)) if recipe.startswith("cnn") else MeanBag(len(vocab))
    train(model, encode(sents, index), torch.tensor(labels), recipe, int(rng.integers(1 << 30)))
    test = [tokenize(t) for t in test_set.texts]
    y_te = test_set.y
    metrics = {"clean_accuracy": accuracy(model, encode(test, index), y_te)}
    if backdoored:
        keep = [j for j in range(len(test)) if int(y_te[j]) != target]
        trig = insert_all(rng, [test[j] for j in keep], trigger)
        metrics["attack_success_rate"] = accuracy(
            model, encode(trig, index), torch.full((len(keep),), target)
        )
    arch, args, state = model.handover()
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "model.safetensors"))
    (folder / "vocab.json").write_text(
        json.dumps({"kind": "word-vocab", "max_len": MAX_LEN, "tokens": vocab}) + "\n"
    )
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "arch": {"name": arch, "args": {**args, "max_len": MAX_LEN}},
                "input_shape": [MAX_LEN],
                "class_names": list(train_set.class_names),
                "text": {"encoder": "word-vocab", "max_len": MAX_LEN},
            },
            indent=2,
        )
        + "\n"
    )
    return {
        "name": name,
        "arch": arch,
        "seed": seed * 1000 + i,
        "backdoored": backdoored,
        "attack": attack,
        "target": target,
        "poison_rate": rate,
        "trigger": {"words": trigger},
        "attack_params": {"recipe": recipe},
        "metrics": metrics,
        "arch_params": args,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1500)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--recipes",
        nargs="+",
        choices=RECIPES,
        default=list(RECIPES),
        help="the recipes cycled over (default: all four)",
    )
    parser.add_argument(
        "--sentences",
        choices=SENTENCE_SOURCES,
        default="pool",
        help="sentence triggers: a seeded pool, one sentence per model (default), "
        "or the three fixed sentences of the zoos of seeds 700-2300",
    )
    opts = parser.parse_args()
    torch.set_num_threads(1)
    train_set, test_set = load_dataset("rt-polarity", "train"), load_dataset("rt-polarity", "test")
    opts.out.mkdir(parents=True, exist_ok=True)
    truth = opts.out / "truth.json"
    done = (
        {m["name"]: m for m in json.loads(truth.read_text())["models"]} if truth.is_file() else {}
    )
    start = time.perf_counter()
    models = []
    for i in range(opts.models):
        hit = next((m for m in done.values() if m["seed"] == opts.seed * 1000 + i), None)
        entry = hit or build_one(
            i, opts.seed, opts.out, train_set, test_set, tuple(opts.recipes), opts.sentences
        )
        models.append(entry)
        truth.write_text(
            json.dumps(
                {
                    "dataset": "rt-polarity",
                    "seed": opts.seed,
                    "sentences": opts.sentences,
                    "models": models,
                },
                indent=2,
            )
            + "\n"
        )
        m = entry["metrics"]
        print(
            f"{i + 1}/{opts.models} {entry['name']} CA {m['clean_accuracy']:.3f} "
            f"ASR {m.get('attack_success_rate', float('nan')):.3f} "
            f"{time.perf_counter() - start:.0f} s",
            file=sys.stderr,
            flush=True,
        )


if __name__ == "__main__":
    main()
