"""Scores over ``strip-text``'s mixtures simulated on ``strip_text_class_dump.py --copies``
readings (issue 15, stop 54): the detector's own fit and split (``evaluate_triggered``'s), its
partners in draw order, so ``k:agg`` is the score of the same detector fitted with ``n=k``
(the first ``k`` partners of the reading's draw: the draw is a prefix of one permutation) and
``stat=agg`` (``mean``, ``min``), divided by the input's own probability (``measure=ratio``).
For each: guard FPR / TPR at :func:`pac_threshold` (``--fpr``, ``--confidence``) of the guard
half's scores, and ROC-AUC / TPR at FPR ≤ ``--fpr`` on the held-out clean.

    python benchmarks/strip_text_copies_report.py DUMP.json... [--scores 8:mean 16:min] [--json OUT]
"""

from __future__ import annotations

import json
import statistics

import torch

from strip_text_class_report import dump_parser
from trojanscope.detect.input_level.base import pac_threshold
from trojanscope.detect.input_level.evaluate import roc_auc, tpr_at_fpr

SCORES = ("8:mean", "16:mean", "8:min", "16:min")


def reduce(kept: torch.Tensor, agg: str) -> float:
    """One input's copies' keeps reduced by ``agg``: ``mean``, ``min``, ``med`` (the median),
    ``gmean`` (geometric mean), ``trimT`` (the mean without the ``T`` least and ``T`` largest),
    ``momG`` (the median of the means of ``G`` consecutive groups: independent partner draws
    of ``k / G``) — the last four for stop 55's development."""
    if agg in ("mean", "min", "med", "gmean"):
        return float({"mean": kept.mean, "min": kept.min, "med": lambda: kept.quantile(0.5),
                      "gmean": lambda: kept.clamp_min(1e-6).log().mean().exp()}[agg]())
    if agg.startswith("trim"):
        t = int(agg[4:])
        return float(kept.sort().values[t : len(kept) - t].mean())
    if agg.startswith("mom"):
        return float(kept.view(int(agg[3:]), -1).mean(1).quantile(0.5))
    raise SystemExit(f"unknown reduction {agg!r}")


def score(reading: dict, spec: str) -> torch.Tensor:
    """Score ``spec`` (``k:agg``) of each input of one reading, from its first ``k`` copies."""
    k, agg = spec.split(":")
    out = []
    for copies, own in zip(reading["copies"], reading["own"], strict=True):
        kept = copies[: int(k)]
        if len(kept) < int(k):
            raise SystemExit(f"a reading holds {len(kept)} copies, fewer than {spec} needs")
        value = reduce(torch.tensor(kept, dtype=torch.float64), agg)
        out.append(value / max(own, 1e-12))
    return torch.tensor(out, dtype=torch.float64)


def figures(split: dict, spec: str, fpr: float, confidence: float) -> dict:
    """Guard FPR / TPR and the ROC figures of score ``spec`` on one split."""
    guard, neg = score(split["guard"], spec), score(split["neg"], spec)
    fires = torch.tensor(split["fires"], dtype=torch.bool)
    pos = score(split["trig"], spec)[fires]
    t = pac_threshold(guard, fpr, confidence)
    return {"guard_fpr": float((neg > t).double().mean()),
            "guard_tpr": float((pos > t).double().mean()),
            "auc": roc_auc(neg, pos), "roc_tpr": tpr_at_fpr(neg, pos, fpr), "fired": len(pos)}


def rows_of(dumps, specs, fpr: float, confidence: float) -> list[dict]:
    """One row per model, split and score of the dumps."""
    rows = []
    for path in dumps:
        for model in json.loads(path.read_text())["models"]:
            for split in model["splits"]:
                for spec in specs:
                    rows.append({"model": model["model"], "attack": model["attack"],
                                 "seed": split["seed"], "target": split["target"],
                                 "score": spec, **figures(split, spec, fpr, confidence)})
    return rows


def summarise(opts, rows: list[dict]) -> None:
    """Print each score's mean and worst guard TPR and worst guard FPR over ``rows``; write
    the rows to ``--json`` when given."""
    for spec in opts.scores:
        sub = [r for r in rows if r["score"] == spec]
        tpr = [r["guard_tpr"] for r in sub]
        print(f"{spec:16s} guard TPR mean {statistics.mean(tpr):.3f} min {min(tpr):.3f}; "
              f"FPR max {max(r['guard_fpr'] for r in sub):.3f}")
    if opts.json is not None:
        opts.json.write_text(json.dumps({"fpr": opts.fpr, "confidence": opts.confidence,
                                         "rows": rows}, indent=2) + "\n")


def main() -> None:
    parser = dump_parser(__doc__)
    parser.add_argument("--scores", nargs="+", default=list(SCORES))
    opts = parser.parse_args()
    rows = rows_of(opts.dumps, opts.scores, opts.fpr, opts.confidence)
    for r in rows:
        print(f"{r['model']:14s} s{r['seed']} {r['score']:8s} guard {r['guard_fpr']:.3f}/"
              f"{r['guard_tpr']:.3f} roc {r['roc_tpr']:.3f} auc {r['auc']:.3f}")
    summarise(opts, rows)


if __name__ == "__main__":
    main()
