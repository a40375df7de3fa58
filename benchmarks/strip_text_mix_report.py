"""Scores over ``strip-text``'s perturbed copies, simulated on ``strip_text_mix_dump.py``'s
readings (issue 15, stop 54, development). For each model and split seed: the clean sentences
split in half as ``evaluate_triggered`` splits them (its generator's first draw), the guard
half sets :func:`pac_threshold` (``--fpr``, ``--confidence``) on its own scores, the held-out
half's share above it is the guard FPR, the fired triggered copies of the held-out half's
share the guard TPR; plus ROC-AUC and TPR at FPR ≤ ``--fpr`` on the held-out clean.

A score is ``how:n:agg``: the mixtures of perturbation ``how`` (``concat``) with the first
``n`` partners, reduced by ``agg`` (``mean``; ``qX``: the X-th percentile of the copies' keep,
``q0`` the least) and divided by the input's own probability (``measure=ratio``).

    python benchmarks/strip_text_mix_report.py DUMP.json... --split-seeds 0 1 2 [--json OUT]
"""

from __future__ import annotations

import json

import torch

from strip_text_class_report import dump_parser
from strip_text_copies_report import summarise
from trojanscope.detect.input_level.base import pac_threshold
from trojanscope.detect.input_level.evaluate import roc_auc, tpr_at_fpr

SCORES = ("concat:8:mean", "concat:16:mean", "concat:8:q0", "concat:16:q0", "concat:16:q10",
          "concat:16:q25")


def score(reading: dict, spec: str) -> torch.Tensor:
    """The score ``spec`` (``how:n:agg``) of every input of one reading."""
    how, n, agg = spec.split(":")
    keep = torch.tensor(reading[how], dtype=torch.float64)[:, : int(n)]
    own = torch.tensor(reading["own"], dtype=torch.float64)
    kept = keep.mean(1) if agg == "mean" else keep.quantile(float(agg[1:]) / 100, dim=1)
    return kept / own.clamp_min(1e-12)


def split_figures(model: dict, seed: int, spec: str, fpr: float, confidence: float) -> dict:
    """Guard FPR / TPR and the ROC figures of score ``spec`` on split seed ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(model["clean"]["own"]), generator=gen)
    half = len(order) // 2
    guard, held = order[:half], order[half:]
    clean, trig = score(model["clean"], spec), score(model["trig"], spec)
    row = {int(i): r for r, i in enumerate(model["trig_index"])}
    mine = torch.tensor([row[int(i)] for i in held if int(i) in row], dtype=torch.long)
    fires = torch.tensor(model["trig"]["pred"])[mine] == model["target"]
    pos, neg = trig[mine][fires], clean[held]
    t = pac_threshold(clean[guard], fpr, confidence)
    return {"guard_fpr": float((neg > t).double().mean()),
            "guard_tpr": float((pos > t).double().mean()),
            "auc": roc_auc(neg, pos), "roc_tpr": tpr_at_fpr(neg, pos, fpr), "fired": len(pos)}


def main() -> None:
    parser = dump_parser(__doc__)
    parser.add_argument("--split-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--scores", nargs="+", default=list(SCORES))
    opts = parser.parse_args()
    rows = []
    for path in opts.dumps:
        for model in json.loads(path.read_text())["models"]:
            for spec in opts.scores:
                for seed in opts.split_seeds:
                    f = split_figures(model, seed, spec, opts.fpr, opts.confidence)
                    rows.append({"model": model["model"], "seed": seed, "score": spec, **f})
                cut = rows[-len(opts.split_seeds):]
                print(f"{model['model']:14s} {spec:16s} " + "  ".join(
                    f"s{r['seed']} {r['guard_fpr']:.3f}/{r['guard_tpr']:.3f} "
                    f"(roc {r['roc_tpr']:.3f} auc {r['auc']:.3f})" for r in cut))
    summarise(opts, rows)


if __name__ == "__main__":
    main()
