"""Why are inserted-sentence triggers missed in clean-fitted or unordered vocabularies?
Development only (issue 15, stop 32): for each model of a zoo made by
``benchmarks/foreign_text_zoo.py`` (optionally some recipes), on the detector's sample (48 clean
sentences per class, seed 0) the mean probability of the target class over the other-class
sentences with

- the trigger sentence's best single word, best adjacent pair and whole sentence inserted at
  the start (``word``, ``pair``, ``sentence``), and the same with the other class's best
  three-token trigger already inserted (``opposed``);
- the greedy three-token search's best result per class (``search_3``: what any sentiment word
  reaches) and the opposed phrase search's (``phrase_3``, tokens without a clean-data lean to the
  class; :mod:`trojanscope.detect.text_phrase`), with the words found.

    python benchmarks/text_phrase_probe.py zoo/text-foreign1800 --recipes cnn-cleanvocab bag-alpha
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.base import balanced_sample
from trojanscope.detect.text_inversion import TextInversion, trim_padding
from trojanscope.detect.text_phrase import opposed, phrase_ban, rival_trigger
from trojanscope.detect.text_relax import insert_ids
from trojanscope.detect.text_tokens import class_doc_counts, class_lean
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder


def prob(model, x: torch.Tensor, t: int, trigger: list[int]) -> float:
    with torch.no_grad():
        return float(model(insert_ids(x, trigger, 0, 0) if trigger else x).softmax(1)[:, t].mean())


def detector_state(model, data, spare: int) -> dict:
    """What the detector's searches start from on ``data`` (a text set tokenised for
    ``model``): the embedding table, per-class token counts and lean, the balanced sample (48
    per class, seed 0) trimmed to ``spare`` padding columns and the model's answers to it, a
    detector with the full search budget, the always-banned tokens (padding, unknown) and the
    greedy three-token search's result per class."""
    table = model.token_embeddings().detach()
    counts = class_doc_counts(data.x, data.labels, data.num_classes, len(table))
    lean = class_lean(counts, torch.bincount(data.labels, minlength=data.num_classes))
    ids = trim_padding(balanced_sample(data, 48, torch.Generator().manual_seed(0)).x, 0, spare)
    with torch.no_grad():
        pred = model(ids).argmax(1)
    det = TextInversion()
    det._candidates, det._rounds = 16, 2
    banned = torch.zeros(len(table), dtype=torch.bool)
    banned[:2] = True
    found = [det._search(model, ids[pred != t], t, table, banned, 3) for t in range(2)]
    return {
        "table": table,
        "counts": counts,
        "lean": lean,
        "ids": ids,
        "pred": pred,
        "det": det,
        "banned": banned,
        "found": found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoo", type=Path)
    parser.add_argument("--recipes", nargs="*", default=[])
    opts = parser.parse_args()
    torch.set_num_threads(1)
    clean_all = load_dataset("rt-polarity", "test")
    for e in json.loads((opts.zoo / "truth.json").read_text())["models"]:
        if opts.recipes and e["attack_params"]["recipe"] not in opts.recipes:
            continue
        loaded = load_model(opts.zoo / e["name"])
        data = attach_encoder(loaded, clean_all)
        model = loaded.module.eval()
        state = detector_state(model, data, 16)
        table, lean, ids, pred, det, banned, found = (
            state[k] for k in ("table", "lean", "ids", "pred", "det", "banned", "found")
        )
        words = data.encoder.tokens
        out: dict = {"name": e["name"]}
        for t in range(2):
            x = opposed(ids[pred != t], rival_trigger(found, t), 0, 0)
            trig, _, probs = det._search(model, x, t, table, phrase_ban(banned, lean, t), 3)
            out[f"class_{t}"] = {
                "search_3": round(found[t][2][-1], 3),
                "phrase_3": round(probs[-1], 3),
                "phrase_words": " ".join(words[v] for v in trig),
            }
        if e["backdoored"] and e["attack"] == "sentence":
            t = e["target"]
            w = [data.encoder.index.get(v, 1) for v in e["trigger"]["words"]]
            for tag, x in (
                ("plain", ids[pred != t]),
                ("opposed", opposed(ids[pred != t], rival_trigger(found, t), 0, 0)),
            ):
                out[f"trigger_{tag}"] = {
                    "word": round(max(prob(model, x, t, [v]) for v in w), 3),
                    "pair": round(
                        max(prob(model, x, t, w[i : i + 2]) for i in range(len(w) - 1)), 3
                    ),
                    "sentence": round(prob(model, x, t, w), 3),
                }
            out["target"] = t
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
