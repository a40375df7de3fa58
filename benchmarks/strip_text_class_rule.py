"""The stop-52 rule for ``strip-text -p normalise=class`` (issue 15, h15; committed in
``benchmarks/data/text_s52_h15/plan.md`` before the fresh models existed), read on dumps of
``strip_text_class_dump.py``: per model, today's default (``global``: one threshold over all
guard scores) and the candidate (``class_rank``: the score ranked within its predicted class,
then the same threshold rule), both on the same readings, averaged over the split seeds every
model has. Met only if (1) every ``addsent`` model's candidate guard TPR ≥ today's, (2) at least
one ``addsent`` model's is higher, (3) every model's candidate guard FPR ≤ ``--guard-fpr``, (4) no
``badnl`` model's candidate guard TPR more than ``--slack`` below today's, (5) ``--expect``
models read.

    python benchmarks/strip_text_class_rule.py DUMP.json... --expect 4 --json OUT
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from strip_text_class_report import figures, rule_parser, write_rule

KEYS = ("global", "class_rank")


def per_model(models: list[dict], fpr: float, confidence: float) -> list[dict]:
    """Each model's mean figures over the split seeds all models share."""
    common = set.intersection(*({s["seed"] for s in m["splits"]} for m in models))
    out = []
    for m in models:
        reads = [figures(s, "score", fpr, confidence) for s in m["splits"]
                 if s["seed"] in common]
        row = {"model": m["model"], "attack": m["attack"], "seeds": sorted(common)}
        for key in (*KEYS, "roc_raw", "roc_class_rank"):
            row[key] = {k: round(statistics.mean(r[key][k] for r in reads), 4)
                        for k in reads[0][key]}
        out.append(row)
    return out


def rule(rows: list[dict], guard_fpr: float, slack: float, expect: int) -> dict:
    """The five conditions over ``rows`` (``per_model``'s)."""
    add = [r for r in rows if r["attack"] == "addsent"]
    bad = [r for r in rows if r["attack"] == "badnl"]
    gain = {r["model"]: round(r["class_rank"]["guard_tpr"] - r["global"]["guard_tpr"], 4)
            for r in add}
    drop = {r["model"]: round(r["global"]["guard_tpr"] - r["class_rank"]["guard_tpr"], 4)
            for r in bad}
    worst_fpr = max(rows, key=lambda r: r["class_rank"]["guard_fpr"]) if rows else None
    out = {"models": len(rows), "expect": expect, "guard_fpr_bound": guard_fpr, "slack": slack,
           "addsent_gain": gain, "badnl_drop": drop,
           "addsent_no_worse": bool(add) and all(v >= -1e-12 for v in gain.values()),
           "addsent_higher": any(v > 1e-12 for v in gain.values()),
           "worst_guard_fpr_model": worst_fpr["model"] if worst_fpr else None,
           "worst_guard_fpr": worst_fpr["class_rank"]["guard_fpr"] if worst_fpr else None,
           "guard_fpr_met": bool(rows) and all(r["class_rank"]["guard_fpr"] <= guard_fpr + 1e-12
                                               for r in rows),
           "badnl_met": all(v <= slack + 1e-12 for v in drop.values()),
           "all_read": len(rows) >= expect}
    out["met"] = all(out[k] for k in ("addsent_no_worse", "addsent_higher", "guard_fpr_met",
                                      "badnl_met", "all_read"))
    return out


def main() -> None:
    opts = rule_parser(__doc__, slack=0.01, expect=4).parse_args()
    models = [m for p in opts.dumps for m in json.loads(p.read_text())["models"]
              if m["splits"]]  # a model whose first split did not finish: not read
    rows = per_model(models, opts.fpr, opts.confidence)
    write_rule(opts, rows, rule(rows, opts.guard_fpr, opts.slack, opts.expect))


if __name__ == "__main__":
    main()
