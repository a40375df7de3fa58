"""The word-order asymmetry ``tp_order`` (issue 15, stop 36;
:mod:`trojanscope.detect.text_order`) added to committed rows of a text zoo: computed from the
zoo's models on disk exactly as ``text-inversion -p order=1`` computes it (its own sentence
sample, the clean split's lean), for every model the detector names ``kim-cnn`` (others keep
their row unchanged). Also measures, for each backdoored model with a known trigger, the true
trigger's margin inserted in order and reversed (whole, and its first four words).

    python benchmarks/text_order_rows.py --zoo zoo/text-foreign1900 \\
        --rows benchmarks/data/text_rows/text-foreign1900-lift.json \\
        --out benchmarks/data/text_rows/text-foreign1900-order.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.text_arch import KIM_CNN, text_architecture
from trojanscope.detect.text_order import exact_margin, order_asymmetry, order_inputs
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder

TRUE_WORDS = 4  # the true trigger's first words, measured beside the whole


def true_order(model, x, labels, target: int, words: list[str], vocab: list[str]) -> dict:
    """The true trigger's mean margin in order and reversed over 48 clean sentences of the
    other classes (the first 48 of the split: measurement only)."""
    index = {w: i for i, w in enumerate(vocab)}
    ids = [index.get(w, 1) for w in words]
    with torch.no_grad():
        pred = model(x).argmax(1)
    others = x[pred != target][:48, :40]
    spans = [ids, ids[::-1], ids[:TRUE_WORDS], ids[:TRUE_WORDS][::-1]]
    m = exact_margin(model, others, target, spans, 0)
    return {"whole": m[0], "whole_reversed": m[1], "first4": m[2], "first4_reversed": m[3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", type=Path, required=True)
    parser.add_argument("--rows", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--truth-json",
        type=Path,
        default=None,
        help="where to write the true triggers' order figures",
    )
    parser.add_argument(
        "--min-docs",
        type=int,
        default=0,
        help="the search over tokens held by at least this many clean sentences "
        "(text-inversion -p order_min_docs; stop 37)",
    )
    opts = parser.parse_args()
    torch.set_num_threads(1)
    truth = {m["name"]: m for m in json.loads((opts.zoo / "truth.json").read_text())["models"]}
    rows = json.loads(opts.rows.read_text())
    clean = load_dataset(json.loads((opts.zoo / "truth.json").read_text())["dataset"], "test")
    measured = []
    for row in rows:
        if truth[row["name"]].get("arch") != "textcnn":  # not a Kim CNN: not loaded (speed)
            continue
        loaded = load_model(opts.zoo / row["name"])
        model = loaded.module.eval()
        data = attach_encoder(loaded, clean)
        x, y = data.x, data.labels
        start = time.process_time()
        if text_architecture(model, x[:32]) != KIM_CNN:
            continue
        k = len(loaded.class_names or []) or 2
        row["features"].update(order_asymmetry(model, *order_inputs(model, x, y, k, opts.min_docs)))
        cpu = time.process_time() - start
        entry = truth[row["name"]]
        words = entry.get("trigger", {}).get("words") or []
        rec = {
            "name": row["name"],
            "attack": row["attack"],
            "tp_order": row["features"].get("tp_order"),
            "cpu_s": round(cpu, 2),
        }
        if row["backdoored"] and words and entry.get("target") is not None:
            vocab = json.loads((opts.zoo / row["name"] / "vocab.json").read_text())["tokens"]
            rec["true"] = true_order(model, x, y, int(entry["target"]), words, vocab)
        measured.append(rec)
        print(json.dumps(rec), file=sys.stderr, flush=True)
    opts.out.write_text(json.dumps(rows) + "\n")
    if opts.truth_json:
        opts.truth_json.write_text(json.dumps(measured, indent=1) + "\n")


if __name__ == "__main__":
    main()
