"""``strip-text``'s guard threshold at its own rate (issue 15, stop 50, h15b): the rule over the
rows ``strip_text_calibrate_rule.py score`` wrote (today's default and the candidate on the
same split and seed). Met when every model's candidate guard flags at most ``--guard-fpr`` of
the held-out clean sentences at the guard's own threshold, flags at least ``--goal`` of the
firing triggered ones at that threshold, and flags no fewer of them than today's default by
more than ``--slack``. Today's default's figures are reported beside each.

    python benchmarks/strip_text_guard_rule.py OUT1.json OUT2.json ... --json rule.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import print_json


def guard_rule(rows: list[dict], guard_fpr: float, goal: float, slack: float) -> dict:
    """The committed stop-50 rule on ``rows`` (each with ``candidate`` and ``default``); a row
    without its default leaves the rule undecided (``met`` None) unless another part fails."""
    both = [r for r in rows if "candidate" in r and "default" in r]
    cand = [r for r in rows if "candidate" in r]
    worst_fpr = max(cand, key=lambda r: r["candidate"]["guard_fpr"])
    worst_tpr = min(cand, key=lambda r: r["candidate"]["guard_tpr"])
    drops = {r["model"]: r["default"]["guard_tpr"] - r["candidate"]["guard_tpr"] for r in both}
    worst_drop = max(drops, key=drops.get) if drops else None
    parts = {"guard_fpr_met": all(r["candidate"]["guard_fpr"] <= guard_fpr + 1e-12 for r in cand),
             "guard_tpr_met": all(r["candidate"]["guard_tpr"] >= goal - 1e-12 for r in cand),
             "no_worse_met": all(v <= slack + 1e-12 for v in drops.values())}
    missing = sorted(r["model"] for r in cand if "default" not in r)
    met = (False if not all(parts.values()) else None if missing or not cand else True)
    return {"models": len(cand), "guard_fpr_bound": guard_fpr, "goal": goal, "slack": slack,
            "worst_guard_fpr_model": worst_fpr["model"],
            "worst_guard_fpr": worst_fpr["candidate"]["guard_fpr"],
            "default_worst_guard_fpr": max((r["default"]["guard_fpr"] for r in both),
                                           default=None),
            "worst_guard_tpr_model": worst_tpr["model"],
            "worst_guard_tpr": worst_tpr["candidate"]["guard_tpr"],
            "largest_drop_model": worst_drop,
            "largest_drop": round(drops[worst_drop], 4) if worst_drop else None,
            "without_default": missing, **parts, "met": met}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scored", type=Path, nargs="+")
    parser.add_argument("--guard-fpr", type=float, default=0.06)
    parser.add_argument("--goal", type=float, default=0.90)
    parser.add_argument("--slack", type=float, default=0.02)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    rows = [r for path in opts.scored for r in json.loads(path.read_text())["rows"]]
    out = {"scored": [str(p) for p in opts.scored],
           "rows": [{"model": r["model"],
                     **{f"{k}_{f}": r[k][f] for k in ("default", "candidate") if k in r
                        for f in ("guard_fpr", "guard_tpr", "tpr_at_fpr", "roc_auc")}}
                    for r in rows],
           "rule": guard_rule(rows, opts.guard_fpr, opts.goal, opts.slack)}
    print_json(out, opts.json)


if __name__ == "__main__":
    main()
