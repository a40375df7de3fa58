"""The stop-54 rule for a ``strip-text`` score over its mixtures (issue 15, h15; plan in
``benchmarks/data/text_s54_h15/plan.md``), read on ``strip_text_class_dump.py --copies``
readings of fresh MiniLM models: today's score (``8:mean``) against ``--candidate`` on the same
detector fit, split and partners (``strip_text_copies_report.py``). Met only if, on every
fresh reading (model × split): (1) an ``addsent`` candidate guard TPR ≥ today's − ``--slack``,
(2) ≥ 0.90 wherever today's is, (3) every candidate guard FPR ≤ ``--guard-fpr``, (5) a
``badnl`` candidate guard TPR ≥ today's − ``--slack``; and (4) the mean candidate guard TPR
over the ``addsent`` readings > today's; (6) at least ``--expect`` ``addsent`` models read.

    python benchmarks/strip_text_copies_rule.py DUMP.json... --candidate 16:min [--json OUT]
"""

from __future__ import annotations

import statistics

from strip_text_class_report import rule_parser, write_rule
from strip_text_copies_report import rows_of

TODAY = "8:mean"


def rule(rows: list[dict], candidate: str, slack: float, guard_fpr: float,
         expect: int) -> dict:
    """The verdict over paired rows (one per model, split and score: ``TODAY`` and
    ``candidate``)."""
    pairs = {}
    for r in rows:
        pairs.setdefault((r["model"], r["seed"]), {})[r["score"]] = r
    checks = {"1_addsent_within_slack": True, "2_keeps_0.90": True, "3_guard_fpr": True,
              "5_badnl_within_slack": True}
    today_add, cand_add, models = [], [], set()
    for (model, _), pair in pairs.items():
        t, c = pair[TODAY], pair[candidate]
        checks["3_guard_fpr"] &= c["guard_fpr"] <= guard_fpr
        if t["attack"] == "addsent":
            models.add(model)
            today_add.append(t["guard_tpr"])
            cand_add.append(c["guard_tpr"])
            checks["1_addsent_within_slack"] &= c["guard_tpr"] >= t["guard_tpr"] - slack
            if t["guard_tpr"] >= 0.90:
                checks["2_keeps_0.90"] &= c["guard_tpr"] >= 0.90
        else:
            checks["5_badnl_within_slack"] &= c["guard_tpr"] >= t["guard_tpr"] - slack
    mean_t = statistics.mean(today_add) if today_add else float("nan")
    mean_c = statistics.mean(cand_add) if cand_add else float("nan")
    checks["4_mean_addsent_higher"] = bool(cand_add) and mean_c > mean_t
    checks["6_models_read"] = len(models) >= expect
    return {"candidate": candidate, "today": TODAY, "checks": checks,
            "mean_addsent_guard_tpr": {"today": mean_t, "candidate": mean_c},
            "met": all(checks.values())}


def main() -> None:
    parser = rule_parser(__doc__, slack=0.02, expect=2)
    parser.add_argument("--candidate", required=True)
    opts = parser.parse_args()
    rows = rows_of(opts.dumps, [TODAY, opts.candidate], opts.fpr, opts.confidence)
    write_rule(opts, rows, rule(rows, opts.candidate, opts.slack, opts.guard_fpr, opts.expect))


if __name__ == "__main__":
    main()
