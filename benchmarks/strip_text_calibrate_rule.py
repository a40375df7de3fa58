"""``strip-text``'s guard threshold (issue 15, stop 49): today's default against a candidate
setting on the same split and seed (``strip_text_mix_default.paired``: guard fitted on half of
the folder's held-out split, measured on the other half and its triggered copies), and the
stop-49 rule over every scored row: each model's candidate TPR at ``--fpr`` ≥ ``--goal``; each
model's candidate guard FPR (held-out clean flagged at the guard's own threshold) ≤
``--guard-fpr``; no model of ``--no-worse`` (folder-name prefixes, the TextCNNs) more than
``--slack`` below its default TPR.

    python benchmarks/strip_text_calibrate_rule.py score RUN... --candidate calibrate=own \
        [--only candidate|default] --json OUT
    python benchmarks/strip_text_calibrate_rule.py rule OUT1 OUT2 ... [--no-worse textcnn]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from strip_text_mix_default import paired
from trojanscope.params import parse_assignments


def rule(rows: list[dict], goal: float, guard_fpr: float, no_worse: list[str],
         slack: float) -> dict:
    """The committed stop-49 rule on ``rows`` (each with ``default`` and ``candidate``)."""
    cand = [r["candidate"] for r in rows]
    worst = min(rows, key=lambda r: r["candidate"]["tpr_at_fpr"])
    worst_fpr = max(rows, key=lambda r: r["candidate"]["guard_fpr"])
    guarded = [r for r in rows if any(Path(r["folder"]).parent.name.startswith(p)
                                      or r["model"].startswith(p) for p in no_worse)]
    drops = [r["default"]["tpr_at_fpr"] - r["candidate"]["tpr_at_fpr"] for r in guarded]
    out = {"models": len(rows), "goal": goal, "guard_fpr_bound": guard_fpr, "slack": slack,
           "worst_tpr_model": worst["model"], "worst_tpr": worst["candidate"]["tpr_at_fpr"],
           "tpr_met": all(c["tpr_at_fpr"] >= goal for c in cand),
           "worst_guard_fpr_model": worst_fpr["model"],
           "worst_guard_fpr": worst_fpr["candidate"]["guard_fpr"],
           "guard_fpr_met": all(c["guard_fpr"] <= guard_fpr + 1e-12 for c in cand),
           "no_worse_models": len(guarded),
           "largest_drop": round(max(drops), 4) if drops else 0.0,
           "no_worse_met": (max(drops) if drops else 0.0) <= slack + 1e-12}
    out["met"] = out["tpr_met"] and out["guard_fpr_met"] and out["no_worse_met"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    score = sub.add_parser("score", help="score run folders with both settings")
    score.add_argument("folders", type=Path, nargs="+")
    score.add_argument("--candidate", action="append", default=[],
                       help="name=value of the candidate strip-text setting (repeatable)")
    score.add_argument("--only", nargs="+", choices=["candidate", "default"], default=None,
                       help="score these settings only (default: both, candidate first)")
    score.add_argument("--fpr", type=float, default=0.05)
    score.add_argument("--json", type=Path, required=True)
    check = sub.add_parser("rule", help="the rule over scored JSON files")
    check.add_argument("scored", type=Path, nargs="+")
    check.add_argument("--goal", type=float, default=0.90)
    check.add_argument("--guard-fpr", type=float, default=0.06)
    check.add_argument("--no-worse", nargs="*", default=[])
    check.add_argument("--slack", type=float, default=0.02)
    check.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    if opts.mode == "score":
        # the candidate first: a run stopped for time keeps the figures the rule reads
        every = {"candidate": parse_assignments(opts.candidate, "--candidate"), "default": {}}
        settings = {k: every[k] for k in opts.only or every}
        rows = paired(opts.folders, opts.fpr, settings)
        text = json.dumps({"fpr": opts.fpr, "settings": settings, "rows": rows}, indent=2,
                          default=float)
        opts.json.write_text(text + "\n")
        print(text)
        return
    rows = [r for path in opts.scored for r in json.loads(path.read_text())["rows"]
            if "candidate" in r]  # default-only rows (MiniLM, after the rule's) do not count
    text = json.dumps({"scored": [str(p) for p in opts.scored],
                       "rule": rule(rows, opts.goal, opts.guard_fpr, opts.no_worse,
                                    opts.slack)}, indent=2)
    print(text)
    if opts.json is not None:
        opts.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
