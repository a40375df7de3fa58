"""The stop-53 rule for ``strip-text -p normalise=either`` (issue 15, h15; committed in
``benchmarks/data/text_s53_h15/plan.md`` before the fresh models existed), read on dumps of
``strip_text_class_dump.py``: on every model and split seed, today's default (``global``: one
threshold over all guard scores) and the candidate (``class_either``: the larger of the class
rank and the pooled rank, then the same threshold rule), both on the same readings. Met only if
(1) on every ``addsent`` reading the candidate's guard TPR ≥ today's − ``--slack``, (2) ≥
``--goal`` wherever today's is, (3) every reading's candidate guard FPR ≤ ``--guard-fpr``, (4)
the candidate's mean guard TPR over the ``addsent`` readings > today's, (5) no ``badnl``
reading's candidate guard TPR below today's − ``--slack``, (6) ``--expect`` ``addsent`` models
read.

    python benchmarks/strip_text_either_rule.py DUMP.json... --expect 2 --json OUT
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from strip_text_class_report import figures, rule_parser, write_rule

TODAY, CANDIDATE = "global", "class_either"


def readings(models: list[dict], fpr: float, confidence: float) -> list[dict]:
    """One row per model and split seed: both thresholds' guard FPR / TPR and the ROC view."""
    rows = []
    for m in models:
        for s in m["splits"]:
            f = figures(s, "score", fpr, confidence)
            rows.append({"model": m["model"], "attack": m["attack"], "seed": s["seed"],
                         "target": s["target"], TODAY: f[TODAY], CANDIDATE: f[CANDIDATE],
                         "roc_raw": f["roc_raw"]})
    return rows


def rule(rows: list[dict], guard_fpr: float, slack: float, goal: float, expect: int) -> dict:
    """The six conditions over ``rows`` (``readings``')."""
    add = [r for r in rows if r["attack"] == "addsent"]
    bad = [r for r in rows if r["attack"] == "badnl"]

    def tpr(r: dict, key: str) -> float:
        return r[key]["guard_tpr"]

    change = {f"{r['model']}/s{r['seed']}": round(tpr(r, CANDIDATE) - tpr(r, TODAY), 4)
              for r in add + bad}
    mean = {k: round(statistics.mean(tpr(r, k) for r in add), 4) if add else None
            for k in (TODAY, CANDIDATE)}
    out = {"readings": len(rows), "addsent_models": len({r["model"] for r in add}),
           "expect": expect, "slack": slack, "goal": goal, "guard_fpr_bound": guard_fpr,
           "tpr_change": change, "addsent_mean": mean,
           "addsent_within_slack": bool(add) and all(tpr(r, CANDIDATE) >= tpr(r, TODAY) - slack
                                                     - 1e-12 for r in add),
           "goal_kept": all(tpr(r, CANDIDATE) >= goal - 1e-12 for r in add
                            if tpr(r, TODAY) >= goal - 1e-12),
           "worst_guard_fpr": max((r[CANDIDATE]["guard_fpr"] for r in rows), default=None),
           "addsent_mean_higher": bool(add) and mean[CANDIDATE] > mean[TODAY] + 1e-12,
           "badnl_within_slack": all(tpr(r, CANDIDATE) >= tpr(r, TODAY) - slack - 1e-12
                                     for r in bad),
           "all_read": len({r["model"] for r in add}) >= expect}
    out["guard_fpr_met"] = bool(rows) and out["worst_guard_fpr"] <= guard_fpr + 1e-12
    out["met"] = all(out[k] for k in ("addsent_within_slack", "goal_kept", "guard_fpr_met",
                                      "addsent_mean_higher", "badnl_within_slack", "all_read"))
    return out


def main() -> None:
    parser = rule_parser(__doc__, slack=0.02, expect=2)
    parser.add_argument("--goal", type=float, default=0.90)
    opts = parser.parse_args()
    models = [m for p in opts.dumps for m in json.loads(p.read_text())["models"]]
    rows = readings(models, opts.fpr, opts.confidence)
    write_rule(opts, rows, rule(rows, opts.guard_fpr, opts.slack, opts.goal, opts.expect))


if __name__ == "__main__":
    main()
