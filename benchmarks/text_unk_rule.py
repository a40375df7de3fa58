"""Stop 45's rule for ``-p unk_push=1`` (issue 15; ``benchmarks/data/text_s45/plan.md``), read
from two ``text_zoo_eval_summary.py`` outputs of the same fresh zoo: today's default and the
candidate. Prints each clause and whether all hold.

    python benchmarks/text_unk_rule.py --today summary.json --candidate summary_unk.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def clauses(today: dict, cand: dict) -> dict[str, bool]:
    """R1-R5 of the plan."""
    a, b = today["all"], cand["all"]
    worst = today["worst_family"]
    wa, wb = today["families"][worst], cand["families"][worst]
    per_family = all(
        cand["families"][k]["roc_auc"] >= v["roc_auc"]
        and cand["families"][k]["cross_entropy"] <= v["cross_entropy"] + 0.01
        for k, v in today["families"].items())
    kim = cand["time"].get("kim-cnn", {}).get("median_s", 0.0)
    return {
        "R1 all: ROC-AUC not lower, cross-entropy lower by >= 0.01":
            b["roc_auc"] >= a["roc_auc"] and b["cross_entropy"] <= a["cross_entropy"] - 0.01,
        f"R2 worst family ({worst}): cross-entropy lower by >= 0.05, ROC-AUC not lower":
            wb["cross_entropy"] <= wa["cross_entropy"] - 0.05 and wb["roc_auc"] >= wa["roc_auc"],
        "R3 every recipe and attack: ROC-AUC not lower, cross-entropy not higher by > 0.01":
            per_family,
        "R4 clean flagged not more": b["clean_flagged"] <= a["clean_flagged"],
        "R5 Kim CNN median <= 30 s, all-model median <= 1.25x today's":
            kim <= 30.0 and cand["time"]["all"]["median_s"]
            <= 1.25 * today["time"]["all"]["median_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=Path, required=True)
    parser.add_argument("--candidate", type=Path, required=True)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    found = clauses(json.loads(opts.today.read_text()), json.loads(opts.candidate.read_text()))
    out = {"clauses": found, "met": all(found.values())}
    print(json.dumps(out, indent=1))
    if opts.json:
        opts.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
