"""Which words of the pool sentences a Kim CNN's word-order search may use at all (issue 15,
stop 40), model-free: for every sentence ``text_sentence_pool.py`` can draw, in the
clean-fitted vocabulary of ``foreign_text_zoo.py``'s ``cnn-cleanvocab`` recipe (the same for
every seed: it is fitted on the clean training split), which of its words survive the search's
candidate rules as ``text-inversion -p order=1`` applies them
(:func:`trojanscope.detect.text_order.order_inputs` on the rt-polarity test split, the
detector's clean data): not ``<unk>``/``<pad>``, not leaning to the target class by more than
``MARGIN``, and with ``--min-docs N`` held by at least N clean sentences. A span of ``L`` words
can match a window of the sentence only where all ``L`` words survive; the model's push
ranking (the pool's top 400) is not applied, so these are upper bounds on what the search can
reach. Per template, both targets: the share of words that survive, the share of sentences
with a whole surviving 4-word (and 6-word) window, and the mean longest surviving run.

``--zoo SEED TRUTH`` (repeatable): the same for each ``sentence`` Kim CNN of a development zoo
built with that seed (its trigger, target and vocabulary replanned by
``foreign_text_zoo.plan_one``, no model needed), beside what ``text_order_rows.py`` measured on it
(``TRUTH``: its ``--truth-json``): the search's ``tp_order``, the highest clean Kim CNN's of the
same recipe, and the true sentence's exact asymmetry, whole and first four words.

    python benchmarks/text_sentence_pool_reach.py --min-docs 0 3 --json out.json \
        [--zoo 2400 benchmarks/data/text_order/text-foreign2400-docs3.json ...]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_text_zoo import MAX_LEN, fit_vocab, plan_one, tokenize
from text_sentence_pool import SLOTS, TEMPLATES
from trojanscope.data import load_dataset
from trojanscope.data.text_vocab import WordVocab
from trojanscope.detect.text_order import MARGIN, order_inputs
from trojanscope.detect.text_tokens import leaning_to


class _Size:
    """What :func:`order_inputs` reads from a model: its vocabulary size and special ids."""

    def __init__(self, n: int) -> None:
        self.embedding = torch.nn.Embedding(n, 1)
        self.pad_id = 0

    def special_ids(self) -> list[int]:
        return [0, 1]  # <pad>, <unk>


def fillings(template: str) -> list[str]:
    """Every sentence of one template (slots filled every way)."""
    out = [template]
    for name in re.findall(r"\{(\w+)\}", template):
        out = [s.replace("{" + name + "}", w, 1) for s in out for w in SLOTS[name]]
    return out


def longest_run(ok: list[bool]) -> int:
    best = run = 0
    for flag in ok:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def allowed_mask(vocab: list[str], clean, min_docs: int) -> tuple[dict[str, int], list]:
    """The vocabulary's index and, per target class, which token ids the search may use."""
    ids = WordVocab(vocab, MAX_LEN).encode(clean.texts)
    _, _, lean, banned = order_inputs(_Size(len(vocab)), ids, clean.y, 2, min_docs)
    index = {w: i for i, w in enumerate(vocab)}
    return index, [~(banned | leaning_to(lean, t, MARGIN)) for t in (0, 1)]


def zoo_models(seed: int, truth: Path, train, clean, min_docs: list[int]) -> list[dict]:
    """Each ``sentence`` Kim CNN of a development zoo: its trigger with the words the search
    may not use in brackets (per ``min_docs``), the longest usable run, and the measured
    figures of ``text_order_rows.py``."""
    rows = json.loads(truth.read_text())
    clean_max: dict[str, float] = {}
    for r in rows:
        if r["attack"] is None:
            recipe = r["name"].rsplit("-", 2)[0]
            clean_max[recipe] = max(clean_max.get(recipe, float("-inf")), r["tp_order"])
    out = []
    for r in rows:
        if r["attack"] != "sentence":
            continue
        plan = plan_one(int(r["name"].rsplit("-", 1)[1]), seed, train)
        words, target = tokenize(" ".join(plan["trigger"])), plan["target"]
        entry = {"zoo": truth.stem, "name": r["name"], "target": target,
                 "trigger": " ".join(words)}
        for n in min_docs:
            index, allowed = allowed_mask(plan["vocab"], clean, n)
            ok = [bool(allowed[target][index.get(w, 1)]) for w in words]
            marked = (w if k else f"[{w}]" for w, k in zip(words, ok, strict=True))
            entry[f"usable_{n}"] = " ".join(marked)
            entry[f"longest_run_{n}"] = longest_run(ok)
        true = r["true"]
        entry.update(
            tp_order=round(r["tp_order"], 2),
            clean_max=round(clean_max[plan["recipe"]], 2),
            whole=round(true["whole"] - true["whole_reversed"], 2),
            first4=round(true["first4"] - true["first4_reversed"], 2),
        )
        out.append(entry)
    return out


def reach(vocab: list[str], clean, min_docs: int) -> dict[str, dict[str, float]]:
    """Per template: share of words allowed, of sentences with an allowed 4- and 6-word
    window, and the mean longest allowed run (both targets pooled)."""
    index, allowed_for = allowed_mask(vocab, clean, min_docs)
    out = {}
    for template in TEMPLATES:
        share, four, six, runs = [], [], [], []
        for sentence in fillings(template):
            toks = [index.get(w, 1) for w in tokenize(sentence)]
            for target in (0, 1):
                ok = [bool(allowed_for[target][t]) for t in toks]
                share.append(sum(ok) / len(ok))
                runs.append(longest_run(ok))
                four.append(runs[-1] >= 4)
                six.append(runs[-1] >= 6)
        out[template] = {
            "sentences": len(share) // 2,
            "words_allowed": round(statistics.fmean(share), 3),
            "with_4_window": round(statistics.fmean(four), 3),
            "with_6_window": round(statistics.fmean(six), 3),
            "longest_run": round(statistics.fmean(runs), 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-docs", type=int, nargs="+", default=[0, 3])
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--zoo", nargs=2, action="append", default=[], metavar=("SEED", "TRUTH"))
    opts = parser.parse_args()
    if any(n < 0 for n in opts.min_docs):
        print("error: --min-docs must be 0 or more", file=sys.stderr)
        sys.exit(2)
    train, clean = load_dataset("rt-polarity", "train"), load_dataset("rt-polarity", "test")
    vocab = fit_vocab("cnn-cleanvocab", [], [tokenize(t) for t in train.texts])
    result: dict = {str(n): reach(vocab, clean, n) for n in opts.min_docs}
    for n, rows in result.items():
        print(f"min_docs={n} (cnn-cleanvocab vocabulary, {len(vocab)} tokens):")
        for template, r in rows.items():
            print(f"  {template:44s} {r}")
    try:
        zoos = [(int(seed), Path(path)) for seed, path in opts.zoo]
        models = [m for seed, p in zoos for m in zoo_models(seed, p, train, clean, opts.min_docs)]
    except (OSError, ValueError, KeyError) as err:
        print(f"error: cannot read a --zoo truth file: {err}", file=sys.stderr)
        sys.exit(2)
    if models:
        result["models"] = models
        for m in models:
            print(m)
    if opts.json is not None:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
