"""Thresholds for ``strip-text`` simulated on dumped readings (issue 15, stop 52, development;
``strip_text_class_dump.py``): for each model and split, the held-out clean share (guard FPR)
and firing triggered share (guard TPR) flagged at ``--fpr`` by

- ``global``: today's default, :func:`pac_threshold` (c = ``--confidence``) of all guard scores;
- ``class_pac`` / ``class_conformal``: one threshold per predicted class, that rank of the guard
  scores predicted as that class (an input is compared with clean inputs predicted as it is);
- ``class_rank``: each score replaced by its rank among the guard scores of its predicted class
  (the share strictly below it), then :func:`pac_threshold` of the guard's ranks;
- ``class_either`` (stop 53): the larger of that rank and the rank among all guard scores, then
  the same threshold (``strip-text -p normalise=either``);

plus the ROC view of the raw and the class-ranked score (ROC-AUC, TPR at FPR ≤ ``--fpr`` on the
held-out clean), each for the ``ratio`` score and the ``keep`` score.

    python benchmarks/strip_text_class_report.py DUMP.json... [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import torch

from trojanscope.detect.input_level.base import conformal_threshold, pac_threshold
from trojanscope.detect.input_level.evaluate import roc_auc, tpr_at_fpr


def class_rank(ref: torch.Tensor, ref_pred: torch.Tensor, s: torch.Tensor,
               pred: torch.Tensor) -> torch.Tensor:
    """Each of ``s`` as the share of the reference scores of its predicted class strictly below
    it (0.0 when that class has no reference score)."""
    out = torch.zeros(len(s), dtype=torch.float64)
    for c in pred.unique().tolist():
        mine, theirs = pred == c, ref[ref_pred == c]
        if len(theirs):
            out[mine] = (theirs[None, :] < s[mine][:, None]).double().mean(1)
    return out


def pooled_rank(ref: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """Each of ``s`` as the share of all the reference scores strictly below it."""
    return (ref[None, :] < s[:, None]).double().mean(1)


def per_class(ref: torch.Tensor, ref_pred: torch.Tensor, pred: torch.Tensor, rank) -> torch.Tensor:
    """The per-input threshold: ``rank`` of the reference scores of the input's predicted
    class (+inf for a class with none: never flagged)."""
    out = torch.full((len(pred),), float("inf"), dtype=torch.float64)
    for c in pred.unique().tolist():
        theirs = ref[ref_pred == c]
        if len(theirs):
            out[pred == c] = rank(theirs)
    return out


def figures(split: dict, key: str, fpr: float, confidence: float) -> dict:
    """Each threshold's guard FPR / TPR and the ROC figures of one split, score ``key``."""
    t = {k: torch.tensor(split[k][key], dtype=torch.float64) for k in ("guard", "neg", "trig")}
    p = {k: torch.tensor(split[k]["pred"]) for k in ("guard", "neg", "trig")}
    fires = torch.tensor(split["fires"], dtype=torch.bool)
    trig, trig_pred = t["trig"][fires], p["trig"][fires]
    out: dict = {}

    def read(name: str, neg_t, trig_t, neg=t["neg"], pos=trig) -> None:
        out[name] = {"guard_fpr": float((neg > neg_t).double().mean()),
                     "guard_tpr": float((pos > trig_t).double().mean())}

    g = pac_threshold(t["guard"], fpr, confidence)
    read("global", g, g)
    for name, rank in (("class_pac", lambda v: pac_threshold(v, fpr, confidence)),
                       ("class_conformal", lambda v: conformal_threshold(v, fpr))):
        read(name, per_class(t["guard"], p["guard"], p["neg"], rank),
             per_class(t["guard"], p["guard"], trig_pred, rank))
    ranks = {k: class_rank(t["guard"], p["guard"], t[k], p[k]) for k in ("guard", "neg")}
    trig_rank = class_rank(t["guard"], p["guard"], trig, trig_pred)
    r = pac_threshold(ranks["guard"], fpr, confidence)
    read("class_rank", r, r, ranks["neg"], trig_rank)
    either = {k: torch.maximum(v, pooled_rank(t["guard"], w))
              for k, v, w in (("guard", ranks["guard"], t["guard"]),
                              ("neg", ranks["neg"], t["neg"]), ("trig", trig_rank, trig))}
    r = pac_threshold(either["guard"], fpr, confidence)
    read("class_either", r, r, either["neg"], either["trig"])
    out["roc_raw"] = {"auc": roc_auc(t["neg"], trig), "tpr_at_fpr": tpr_at_fpr(t["neg"], trig, fpr)}
    out["roc_class_rank"] = {"auc": roc_auc(ranks["neg"], trig_rank),
                             "tpr_at_fpr": tpr_at_fpr(ranks["neg"], trig_rank, fpr)}
    return out


def dump_parser(doc: str) -> argparse.ArgumentParser:
    """The arguments every reader of dumps takes (this script's and the rule's)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--json", type=Path, default=None)
    return parser


def rule_parser(doc: str, slack: float, expect: int) -> argparse.ArgumentParser:
    """A rule script's arguments: the dump readers' plus its bounds."""
    parser = dump_parser(doc)
    parser.add_argument("--guard-fpr", type=float, default=0.05)
    parser.add_argument("--slack", type=float, default=slack)
    parser.add_argument("--expect", type=int, default=expect)
    return parser


def write_rule(opts: argparse.Namespace, rows: list[dict], verdict: dict) -> None:
    """Print a rule's rows and verdict as JSON, and write them to ``--json`` when given."""
    text = json.dumps({"dumps": [str(p) for p in opts.dumps], "rows": rows, "rule": verdict},
                      indent=2)
    print(text)
    if opts.json is not None:
        opts.json.write_text(text + "\n")


def main() -> None:
    opts = dump_parser(__doc__).parse_args()
    rows = []
    for path in opts.dumps:
        for model in json.loads(path.read_text())["models"]:
            for split in model["splits"]:
                for key in ("score", "keep"):
                    f = figures(split, key, opts.fpr, opts.confidence)
                    rows.append({"model": model["model"], "seed": split["seed"], "score": key,
                                 **f})
                    line = " ".join(f"{n} {v['guard_fpr']:.3f}/{v['guard_tpr']:.3f}"
                                    for n, v in f.items() if "guard_fpr" in v)
                    roc = " ".join(f"{n} {v['auc']:.3f}/{v['tpr_at_fpr']:.3f}"
                                   for n, v in f.items() if "auc" in v)
                    print(f"{model['model']} s{split['seed']} {key}: {line} | {roc}")
    names = [n for n in rows[0] if isinstance(rows[0][n], dict) and "guard_fpr" in rows[0][n]]
    for key in ("score", "keep"):
        sub = [r for r in rows if r["score"] == key]
        for n in names:
            f = [r[n]["guard_fpr"] for r in sub]
            tp = [r[n]["guard_tpr"] for r in sub]
            print(f"{key} {n}: FPR mean {statistics.mean(f):.3f} max {max(f):.3f}; "
                  f"TPR mean {statistics.mean(tp):.3f} min {min(tp):.3f}")
    if opts.json is not None:
        opts.json.write_text(json.dumps({"fpr": opts.fpr, "confidence": opts.confidence,
                                         "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
