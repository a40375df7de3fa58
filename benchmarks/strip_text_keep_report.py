"""Read ``strip_text_keep_matrix.py``'s keep probabilities and simulate ``strip-text`` settings
without another forward pass (issue 15, stop 49, development only): for ``--draws`` random
partner draws from the pool, the ROC-AUC and TPR at ``--fpr`` of the held-out clean against
the triggered inputs that fire, and the held-out clean share the guard flags when its
threshold is (a) ``folds``: the split-conformal rank of cross-fitted scores, each of five folds
scored with its own partner draw and the deployed detector with another (today's
``fit_guard``), or (b) ``own``: the same rank of the deployed detector's own scores of the
guard half (a class's partners are sentences of other classes, so a guard sentence is never
mixed with itself), or (c) ``class``: each score replaced by its rank among the deployed
detector's own guard scores of its predicted class, the threshold the same rank of those
ranks. ``--score``: ``keep`` (today's mean keep), ``ratio`` (mean keep over the input's own
probability of its class) or ``drop`` (mean logit keep less the input's own logit). Also the
clean scores by predicted class and the triggered inputs that score lowest, with their length,
the trigger's token position and their mean keep input-first / input-last.

    python benchmarks/strip_text_keep_report.py keep.pt [--n 8 16] [--draws 200] \
        [--score keep|ratio|drop] [--trigger-ids ...] [--json out]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import print_json
from trojanscope.detect.input_level.base import GUARD_FOLDS, conformal_threshold
from trojanscope.detect.input_level.evaluate import roc_auc, tpr_at_fpr


def logit(p: torch.Tensor) -> torch.Tensor:
    """log(p / (1 − p)), clamped away from 0 and 1."""
    p = p.double().clamp(1e-6, 1 - 1e-6)
    return (p / (1 - p)).log()


# "keep": today's mean keep; "drop": mean logit(keep) − logit(the input's own probability);
# "ratio": mean keep / the input's own probability
SCORE = "keep"


def scores(keep: torch.Tensor, pred: torch.Tensor, draw: list[torch.Tensor],
           conf: torch.Tensor | None = None) -> torch.Tensor:
    """strip-text's score with partners ``draw[c]`` (pool indices) for inputs predicted ``c``:
    the j-th partner input-first for even j, input-last for odd j; the mean keep (``SCORE``
    "keep") or the mean logit of the keep less the logit of the input's own probability of
    its class, ``conf`` ("drop")."""
    out = torch.empty(len(keep), dtype=torch.float64)
    for i in range(len(keep)):
        idx = draw[int(pred[i])]
        order = torch.arange(len(idx)) % 2
        k = keep[i, idx, order]
        if SCORE == "drop" and conf is not None:
            out[i] = logit(k).mean() - logit(conf[i])
        elif SCORE == "ratio" and conf is not None:
            out[i] = k.double().mean() / conf[i].double()
        else:
            out[i] = k.double().mean()
    return out


def ranks(raw: torch.Tensor, pred: torch.Tensor, ref: list[torch.Tensor]) -> torch.Tensor:
    """``calibrate="class"``: each score's rank among ``ref[c]`` (ties half) for inputs
    predicted ``c``."""
    out = raw.clone()
    for c, r in enumerate(ref):
        mine = pred == c
        if len(r) and bool(mine.any()):
            v = raw[mine][:, None]
            rank = ((r[None, :] < v).sum(1) + 0.5 * (r[None, :] == v).sum(1)) / len(r)
            out[mine] = rank.to(out.dtype)
    return out


def simulate(data: dict, n: int, draws: int, fpr: float, seed: int = 0) -> dict:
    """Mean / worst figures of ``draws`` partner draws of ``n`` from the pool (both thresholds)."""
    gen = torch.Generator().manual_seed(seed)
    pool = data["guard_keep"].shape[1]
    classes = int(max(data["guard_pred"].max(), data["neg_pred"].max())) + 1
    fires = data["fires"]

    def draw() -> list[torch.Tensor]:
        return [torch.randperm(pool, generator=gen)[:n] for _ in range(classes)]

    rows = []
    for _ in range(draws):
        deployed = draw()
        neg = scores(data["neg_keep"], data["neg_pred"], deployed, data["neg_conf"])
        trig = scores(data["trig_keep"], data["trig_pred"], deployed, data["trig_conf"])[fires]
        fold = torch.randperm(len(data["guard_keep"]), generator=gen) % GUARD_FOLDS
        cal = torch.empty(len(fold), dtype=torch.float64)
        for f in range(GUARD_FOLDS):
            held = fold == f
            cal[held] = scores(data["guard_keep"][held], data["guard_pred"][held], draw(),
                               data["guard_conf"][held])
        own = scores(data["guard_keep"], data["guard_pred"], deployed, data["guard_conf"])
        t_folds, t_own = conformal_threshold(cal, fpr), conformal_threshold(own, fpr)
        ref = [own[data["guard_pred"] == c] for c in range(classes)]
        neg_r = ranks(neg, data["neg_pred"], ref)
        trig_r = ranks(scores(data["trig_keep"], data["trig_pred"], deployed, data["trig_conf"]),
                       data["trig_pred"], ref)[fires]
        t_class = conformal_threshold(ranks(own, data["guard_pred"], ref), fpr)
        rows.append({"auc": roc_auc(neg, trig), "tpr": tpr_at_fpr(neg, trig, fpr),
                     "fpr_folds": float((neg > t_folds).float().mean()),
                     "fpr_own": float((neg > t_own).float().mean()),
                     "tpr_own": float((trig > t_own).float().mean()),
                     "auc_class": roc_auc(neg_r, trig_r),
                     "tpr_class": tpr_at_fpr(neg_r, trig_r, fpr),
                     "fpr_class": float((neg_r > t_class).float().mean()),
                     "guard_tpr_class": float((trig_r > t_class).float().mean())})
    summary = {"n": n, "draws": draws}
    for key in rows[0]:
        vals = [r[key] for r in rows]
        summary[key] = {"mean": round(statistics.mean(vals), 4), "min": round(min(vals), 4),
                        "max": round(max(vals), 4),
                        "share_over_0.06": round(sum(v > 0.06 for v in vals) / len(vals), 3)}
    return summary


def lowest(data: dict, trigger_ids: list[int] | None, k: int = 12) -> list[dict]:
    """The ``k`` firing triggered inputs with the lowest score over the whole pool."""
    fires = data["fires"]
    keep = data["trig_keep"]
    score = keep.mean((1, 2))
    order = [int(i) for i in score.argsort() if bool(fires[i])][:k]
    out = []
    for i in order:
        row = {"i": i, "score": round(float(score[i]), 3), "len": int(data["trig_len"][i]),
               "first": round(float(keep[i, :, 0].mean()), 3),
               "last": round(float(keep[i, :, 1].mean()), 3),
               "conf": round(float(data["trig_conf"][i]), 3)}
        if trigger_ids:
            ids = data["trig_x"][i].long().tolist()
            row["trigger_at"] = next((j for j in range(len(ids)) if ids[j:j + len(trigger_ids)]
                                      == trigger_ids), -1)
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("keep", type=Path)
    parser.add_argument("--n", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--trigger-ids", type=int, nargs="*", default=None)
    parser.add_argument("--score", choices=["keep", "drop", "ratio"], default="keep")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    global SCORE
    SCORE = opts.score
    data = torch.load(opts.keep, weights_only=True)
    fires = data["fires"]
    neg_all = data["neg_keep"].mean((1, 2))
    trig_all = data["trig_keep"].mean((1, 2))[fires]
    out = {"keep": str(opts.keep), "score": opts.score, "pool": data["guard_keep"].shape[1],
           "whole_pool_both_orders": {"auc": round(roc_auc(neg_all, trig_all), 4),
                                      "tpr": round(tpr_at_fpr(neg_all, trig_all, opts.fpr), 4)},
           "first_only": {"auc": round(roc_auc(data["neg_keep"][:, :, 0].mean(1),
                                               data["trig_keep"][:, :, 0].mean(1)[fires]), 4)},
           "last_only": {"auc": round(roc_auc(data["neg_keep"][:, :, 1].mean(1),
                                              data["trig_keep"][:, :, 1].mean(1)[fires]), 4)},
           "clean_by_class": {str(c): {
               "n": int((data["neg_pred"] == c).sum()),
               "mean": round(float(neg_all[data["neg_pred"] == c].mean()), 4),
               "q95": round(float(neg_all[data["neg_pred"] == c].quantile(0.95)), 4)}
               for c in range(int(data["neg_pred"].max()) + 1)},
           "triggered_mean": round(float(trig_all.mean()), 4),
           "settings": [simulate(data, n, opts.draws, opts.fpr) for n in opts.n],
           "lowest_triggered": lowest(data, opts.trigger_ids)}
    print_json(out, opts.json)


if __name__ == "__main__":
    main()
