"""The unknown-word push (:mod:`trojanscope.detect.text_unk`) of every model of a text zoo
(issue 15, stop 45): ``tu_flip_1``, ``tu_flip_3``, the class, the architecture
(:func:`~trojanscope.detect.text_arch.text_architecture`) and, for a backdoored model, which
trigger words its vocabulary lacks (``<unk>`` to it). No detector run.

    python benchmarks/text_unk_rows.py --zoo /tmp/h15s44/zoo/text-foreign2850 --json rows.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.data.text_vocab import WordVocab
from trojanscope.detect.text_arch import text_architecture
from trojanscope.detect.text_unk import unknown_push
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder


def family(name: str) -> str:
    """The recipe (foreign zoo) or attack (own zoo) a model name starts with."""
    for tag in ("-clean-", "-rare-word-", "-sentence-"):
        if tag in name:
            return name.split(tag)[0]
    return name.rsplit("-", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", type=Path, required=True)
    parser.add_argument("--json", type=Path, required=True)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    truth = json.loads((opts.zoo / "truth.json").read_text())
    clean = load_dataset(truth["dataset"], "test")
    rows = []
    for entry in truth["models"]:
        name = entry["name"]
        loaded = load_model(opts.zoo / name)
        model = loaded.module.eval()
        data = attach_encoder(loaded, clean)
        start = time.process_time()
        with torch.no_grad():
            pred = model(data.x).argmax(1)
        feats = unknown_push(model, data.x, pred, int(model.classifier.out_features),
                             WordVocab.unk_id, WordVocab.pad_id)
        row = {"name": name, "family": family(name), "arch": text_architecture(model, data.x[:64]),
               "backdoored": bool(entry["backdoored"]),
               "attack": entry.get("attack"), "target": entry.get("target"), **feats,
               "cpu_s": round(time.process_time() - start, 3)}
        words = (entry.get("trigger") or {}).get("words") or []
        encoder = data.encoder if isinstance(getattr(data, "encoder", None), WordVocab) else None
        if words and encoder is not None:
            row["unknown_words"] = [w for w in words if w not in encoder.index]
        rows.append(row)
        print(json.dumps(row), flush=True)
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps({"zoo": str(opts.zoo), "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
