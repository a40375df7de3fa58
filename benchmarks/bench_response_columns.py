"""Would a column read from the model's own response help ``auto``? (issue 14, fifth round)

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_response_columns.py \\
        RUN [RUN ...] --out OUT.json

For each run, the default ``mahalanobis`` (``auto``) is fitted on half of the MNIST test split
exactly as in ``bench_detect_inputs.py`` (same halves, same seed); then its standardised columns
on the held-out clean and triggered inputs are fused by ``sumsq`` with and without one more
column taken from the same forward pass's logits — no extra pass: the second-largest logit, or
the largest logit, each put on a tail scale per predicted class fitted on the guard half
(:func:`~trojanscope.detect.input_level.consistency.tail_scale`) and softly capped like the
consistency columns. Prints TPR at 1% FPR and ROC-AUC per model and variant; writes JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from torch import Tensor

from trojanscope.data import load_dataset
from trojanscope.detect.input_level.consistency import tail_scale
from trojanscope.detect.input_level.evaluate import roc_auc, tpr_at_fpr, triggered_split
from trojanscope.detect.input_level.mahalanobis import CAP, Mahalanobis, combine_columns
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec

RESPONSES = {"second logit": lambda s: s[:, -2], "max logit": lambda s: s[:, -1]}


def response_column(kind: str, guard_logits: Tensor, logits: Tensor) -> Tensor:
    """The response ``kind`` of ``logits``, tail-scaled per predicted class on the guard's
    (all guard inputs for a class predicted fewer than 20 times), softly capped at CAP."""
    ref_v = RESPONSES[kind](guard_logits.double().sort(1).values)
    ref_p, v = guard_logits.argmax(1), RESPONSES[kind](logits.double().sort(1).values)
    pred, z = logits.argmax(1), torch.zeros(len(logits), dtype=torch.float64)
    for c in pred.unique().tolist():
        ref = ref_v[ref_p == c] if int((ref_p == c).sum()) >= 20 else ref_v
        centre, spread = tail_scale(ref[:, None])
        z[pred == c] = (v[pred == c] - centre) / spread
    return CAP * torch.tanh(z / CAP)


def bench_run(run: Path, test, fpr: float, seed: int) -> list[dict]:
    loaded = load_model(run)
    model = loaded.module.eval()
    attack = attack_from_spec(loaded.manifest.attack)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, test, attack, gen)
        det = Mahalanobis()
        det.fit(model, guard_x, generator=gen)
        pos_x = trig_x[fires]
        cols = {"neg": det._raw(neg_x), "pos": det._raw(pos_x)}
        logits = {"guard": model(guard_x), "neg": model(neg_x), "pos": model(pos_x)}
    rows = []
    for variant in ("auto", *RESPONSES):
        scores = {}
        for part in ("neg", "pos"):
            z = cols[part]
            if variant != "auto":
                z = torch.cat([z, response_column(variant, logits["guard"], logits[part])[:, None]
                               ], 1)
            scores[part] = combine_columns(z, "sumsq")
        rows.append({"model": run.name, "variant": variant, "positives": len(pos_x),
                     "roc_auc": roc_auc(scores["neg"], scores["pos"]),
                     "tpr_at_fpr": tpr_at_fpr(scores["neg"], scores["pos"], fpr)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--fpr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    test = load_dataset("mnist", "test")
    rows = [r for run in args.runs for r in bench_run(run, test, args.fpr, args.seed)]
    write_text_atomic(args.out, json.dumps({"fpr": args.fpr, "rows": rows}, indent=2) + "\n")
    print("| model | variant | ROC-AUC | TPR@FPR | positives |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} | {r['variant']} | {r['roc_auc']:.4f} | {r['tpr_at_fpr']:.3f} | "
              f"{r['positives']} |")


if __name__ == "__main__":
    main()
