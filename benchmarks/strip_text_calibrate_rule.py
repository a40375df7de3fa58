"""``strip-text``'s guard threshold (issue 15, stop 49): today's default against a candidate
setting on the same split and seed (``strip_text_mix_default.paired``: guard fitted on half of
the folder's held-out split, measured on the other half and its triggered copies), and the
stop-49 rule over every scored row: each model's candidate TPR at ``--fpr`` ≥ ``--goal``; each
model's candidate guard FPR (held-out clean flagged at the guard's own threshold) ≤
``--guard-fpr``; no model of ``--no-worse`` (folder-name prefixes, the TextCNNs) more than
``--slack`` below its default TPR. With ``--guard-vs-default S`` (h15b) the guard criterion is
instead each model's candidate guard FPR at most its default's plus S (undecided without one).

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


def guard_vs_default(rows: list[dict], defaults: dict[str, dict], slack: float) -> dict:
    """Each model's candidate guard FPR against today's default's on the same model (stop 49,
    h15b): met when none is above it by more than ``slack``; undecided (``None``) when a
    model has no default row (``defaults``: model name -> default figures, any file)."""
    rises = {r["model"]: r["candidate"]["guard_fpr"] - defaults[r["model"]]["guard_fpr"]
             for r in rows if r["model"] in defaults}
    missing = sorted(r["model"] for r in rows if r["model"] not in defaults)
    worst = max(rises, key=rises.get) if rises else None
    met = all(v <= slack + 1e-12 for v in rises.values())
    return {"guard_slack": slack, "largest_rise_model": worst,
            "largest_rise": round(rises[worst], 4) if worst else None,
            "without_default": missing, "met": None if missing and met else met}


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
    check.add_argument("--guard-vs-default", type=float, default=None,
                       help="instead of --guard-fpr: candidate guard FPR at most the default's "
                            "on the same model plus this")
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
    every = [r for path in opts.scored for r in json.loads(path.read_text())["rows"]]
    rows = [r for r in every if "candidate" in r]  # default-only rows: the comparison only
    out = rule(rows, opts.goal, opts.guard_fpr, opts.no_worse, opts.slack)
    if opts.guard_vs_default is not None:  # h15b's rule: the guard against today's default
        defaults = {r["model"]: r["default"] for r in every if "default" in r}
        out["guard_vs_default"] = guard_vs_default(rows, defaults, opts.guard_vs_default)
        for key in ("guard_fpr_bound", "guard_fpr_met"):
            out.pop(key)
        parts = (out["tpr_met"], out["guard_vs_default"]["met"], out["no_worse_met"])
        out["met"] = False if False in parts else (None if None in parts else True)
    text = json.dumps({"scored": [str(p) for p in opts.scored], "rule": out}, indent=2)
    print(text)
    if opts.json is not None:
        opts.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
