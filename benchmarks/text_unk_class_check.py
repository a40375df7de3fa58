"""Whether the class ``tu_class`` names is the class of the share the ``text-inversion:raise:unk``
term reads (review of stop 45, part 2): for every Kim CNN with a word vocabulary in the zoos
given, the unknown-word push's share per class for one and three copies (the same inserts as
:func:`trojanscope.detect.text_unk.unknown_push`), the class of each maximum, and whether the
model is raised (``tu_flip_1`` above the shipped term's start). No detector run.

    python benchmarks/text_unk_class_check.py ZOO [ZOO ...] --json rows.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.data.text_vocab import WordVocab
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.text_arch import KIM_CNN, text_architecture
from trojanscope.detect.text_relax import insert_ids
from trojanscope.detect.text_unk import COPIES, PER_CLASS, UNK_SEED, unknown_push
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder


def per_class(model: torch.nn.Module, x: torch.Tensor, pred: torch.Tensor, k: int,
              pad_id: int) -> dict[int, list[float]]:
    """Each class's share for each number of copies (unknown_push keeps only the maxima)."""
    gen = torch.Generator().manual_seed(UNK_SEED)
    lengths = (x != pad_id).sum(1).clamp_min(1)
    at = (torch.rand(len(x), generator=gen) * lengths.float()).long()
    shares = {n: [0.0] * k for n in COPIES}
    for t in range(k):
        others = torch.nonzero(pred != t).flatten()[:PER_CLASS]
        if not len(others):
            continue
        for n in COPIES:
            ids = insert_ids(x[others], [WordVocab.unk_id] * n, at[others], pad_id)
            with torch.no_grad():
                shares[n][t] = float((model(ids).argmax(1) == t).float().mean())
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoos", type=Path, nargs="+")
    parser.add_argument("--json", type=Path, required=True)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    term = load_calibrators()["text-inversion:raise:unk"]
    start = -term.intercept / term.coef[0]
    rows = []
    for zoo in opts.zoos:
        truth = json.loads((zoo / "truth.json").read_text())
        clean = load_dataset(truth["dataset"], "test")
        for entry in truth["models"]:
            loaded = load_model(zoo / entry["name"])
            model = loaded.module.eval()
            data = attach_encoder(loaded, clean)
            if (not isinstance(getattr(data, "encoder", None), WordVocab)
                    or text_architecture(model, data.x[:64]) != KIM_CNN):
                continue
            with torch.no_grad():
                pred = model(data.x).argmax(1)
            k = int(model.classifier.out_features)
            shares = per_class(model, data.x, pred, k, WordVocab.pad_id)
            feats = unknown_push(model, data.x, pred, k, WordVocab.unk_id, WordVocab.pad_id)
            one, three = (max(range(k), key=lambda c, n=n: shares[n][c]) for n in COPIES)
            row = {"zoo": zoo.name, "name": entry["name"], "backdoored": bool(entry["backdoored"]),
                   "target": entry.get("target"), "share_1": shares[1], "share_3": shares[3],
                   "class_1": one, "class_3": three, "tu_class": feats["tu_class"],
                   "tu_flip_1": feats["tu_flip_1"], "raised": feats["tu_flip_1"] > start}
            rows.append(row)
            print(json.dumps(row), flush=True)
    raised = [r for r in rows if r["raised"]]
    summary = {"kim_cnns": len(rows), "raised": len(raised),
               "classes_differ": sum(r["class_1"] != r["class_3"] for r in rows),
               "classes_differ_raised": sum(r["class_1"] != r["class_3"] for r in raised),
               "raised_class_1_is_target": sum(r["class_1"] == r["target"] for r in raised)}
    print(json.dumps(summary))
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps({"zoos": [z.name for z in opts.zoos], "start": start,
                                     "summary": summary, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
