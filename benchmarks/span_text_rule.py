"""The stop-56 to stop-58 rules for a span-occlusion score (issue 15, h15; plan in
``benchmarks/data/text_s56_h15/plan.md``), read on ``span_text_dump.py`` readings of fresh
MiniLM ``addsent`` models: today's ``strip-text`` (``strip``) and the candidate (``--candidate``,
a score name of ``span_text_report.scores``) on the same split. Met only if, on every fresh
reading, (1) the candidate's guard TPR ≥ ``--goal`` (0.90) with its guard FPR ≤ ``--fpr``
(0.05), (2) ≥ today's − ``--slack`` (0.02) wherever today's guard TPR ≥ ``--goal``, (3) its
guard FPR ≤ today's + ``--fpr-slack`` (0.01); and (4) at least ``--expect`` models read;
with ``--gain`` (stop 57) also the candidate's mean guard TPR above today's; ``--neg-first N``
(stop 58) reads the held-out clean set's first N, as the plan read it (guard, triggered whole);
``--goal-only`` (stop 60: today's default read on fresh models, no candidate against it) keeps
conditions (1) and (4) and gives each model's verdict; ``--count turned`` (stop 61, the lead's
decision) counts a guard's TPR on the triggered inputs the trigger turned (their clean twin not
in the target class; the dump's ``twin_pred``) instead of all fired ones (``fired``, the
default, as stops 49-60 read), each reading giving both counts beside it (``counts``), and
``--min-count N`` reads only splits with at least N triggered inputs so counted; ``--today``
(stop 63) names the score read as today's (``lost:5:1`` since stop 59's default; ``strip``, the
mixture score alone, by default, as stops 56-62 read).
Reported beside it: each reading's seconds per input (strip, span occlusion).

    python benchmarks/span_text_rule.py DUMP... --candidate drop:2:2 [--expect 2] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from span_text_report import SETS, by_count, count_mask, cut, figures, merged, scores


def readings(paths: list[Path], candidate: str, fpr: float, confidence: float,
             neg_first: int = 0, count: str = "fired", min_count: int = 0,
             today: str = "strip") -> list[dict]:
    """Per model and split: today's and the candidate's figures on the triggered inputs
    ``count`` counts (``fired`` or ``turned``), both under each count (``counts``), and the
    seconds per input; with ``neg_first`` (stop 58's plan) a split whose held-out clean set was
    read to its first ``neg_first`` (``span_text_dump.py --first``), cut there, is read too,
    its guard and triggered sets still whole; a split with fewer than ``min_count`` counted
    inputs is not read. ``today``: the score read as today's (``strip``, the mixture score,
    until stop 62; stop 63: ``lost:5:1``, the transformer default since stop 59)."""
    out = []
    for model, split, windows in merged(paths, partial=bool(neg_first)):
        if neg_first and not planned(split, neg_first):
            continue
        mask = count_mask(split, count)
        if mask is None:
            raise SystemExit(f"error: {model} split {split['seed']}: the dump has no twin "
                             "predictions (twin_pred) to count turned inputs; add a "
                             "span_text_dump.py --part twins dump")
        if int(mask.sum()) < min_count:
            continue
        values = scores(split, windows, fpr, confidence)
        n = sum(len(split[s]["own"]) for s in SETS)
        out.append({"model": model, "seed": split["seed"], "target": split["target"],
                    "count": count,
                    "today": figures(values[today], mask, fpr, confidence),
                    "candidate": figures(values[candidate], mask, fpr, confidence),
                    "counts": {"today": by_count(values[today], split, fpr, confidence),
                               "candidate": by_count(values[candidate], split, fpr,
                                                     confidence)},
                    "strip_s_per_input": (split.get("fit_seconds", 0.0) + sum(
                        split[s].get("strip_seconds", 0.0) for s in SETS)) / n,
                    "span_s_per_input": sum(split[s]["span"]["seconds"] for s in SETS) / n,
                    "span_passes_per_input": span_passes(split, candidate, n)})
    return out


def planned(split: dict, neg_first: int) -> bool:
    """The guard and triggered sets read whole, the held-out clean set to ``neg_first`` at least
    (then cut there)."""
    sizes = split.get("sizes", {})
    whole = all(len(split[s]["own"] if split[s].get("own") else split[s]["score"]) ==
                sizes.get(s, -1) for s in ("guard", "trig"))
    if not whole or len(split["neg"]["score"]) < min(neg_first, sizes.get("neg", 0)):
        return False
    split["neg"] = cut(split["neg"], neg_first)
    return True


def span_passes(split: dict, candidate: str, n: int) -> float | None:
    """Mean forward passes per input of the candidate's window reading (its own pass and one per
    window), from the windows the dump counted (None: a dump that did not count them)."""
    spec = candidate.partition(":")[2]
    if not spec or not all("windows" in split[s]["span"] for s in SETS):
        return None
    return 1 + sum(sum(split[s]["span"]["windows"][spec]) for s in SETS) / n


def goal_met(row: dict, goal: float = 0.90, fpr: float = 0.05) -> bool:
    """Condition (1) on one reading: the candidate's guard TPR ≥ ``goal`` at guard FPR ≤ ``fpr``."""
    return row["candidate"]["guard_tpr"] >= goal and row["candidate"]["guard_fpr"] <= fpr


def rule(rows: list[dict], *, goal: float = 0.90, fpr: float = 0.05, slack: float = 0.02,
         fpr_slack: float = 0.01, expect: int = 2, gain: bool = False,
         goal_only: bool = False) -> dict:
    """Each condition's verdict over ``rows`` and the overall one; ``gain`` (stop 57's rule)
    adds one: the candidate's mean guard TPR over the readings above today's; ``goal_only``
    (stop 60's rule) keeps (1) and (4) and adds each model's verdict on (1)."""
    if goal_only:
        checks = {"1_goal": all(goal_met(r, goal, fpr) for r in rows),
                  "4_read": len({r["model"] for r in rows}) >= expect}
        per_model = {r["model"]: goal_met(r, goal, fpr) for r in rows}
        return {"conditions": checks, "per_model": per_model, "met": all(checks.values())}
    checks = {
        "1_goal": all(goal_met(r, goal, fpr) for r in rows),
        "2_no_loss": all(r["candidate"]["guard_tpr"] >= r["today"]["guard_tpr"] - slack
                         for r in rows if r["today"]["guard_tpr"] >= goal),
        "3_fpr": all(r["candidate"]["guard_fpr"] <= r["today"]["guard_fpr"] + fpr_slack + 1e-12
                     for r in rows),
        "4_read": len({r["model"] for r in rows}) >= expect,
    }
    if gain:
        mean = [sum(r[k]["guard_tpr"] for r in rows) / max(len(rows), 1)
                for k in ("candidate", "today")]
        checks["gain"] = bool(rows) and mean[0] > mean[1]
    return {"conditions": checks, "met": all(checks.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--candidate", required=True)
    parser.add_argument("--today", default="strip",
                        help="the score read as today's default (stop 63: lost:5:1; before: "
                             "strip, the mixture score alone)")
    parser.add_argument("--expect", type=int, default=2)
    parser.add_argument("--gain", action="store_true",
                        help="also require a higher mean guard TPR than today's (stop 57)")
    parser.add_argument("--neg-first", type=int, default=0,
                        help="read a split whose held-out clean set was read to its first N "
                             "(stop 58's plan), cut there; guard and triggered still whole")
    parser.add_argument("--goal-only", action="store_true",
                        help="stop 60: conditions (1) and (4) only, each model's verdict")
    parser.add_argument("--count", choices=("fired", "turned"), default="fired",
                        help="stop 61: the triggered inputs a TPR counts (turned: the clean "
                             "twin not in the target class; fired: all, as stops 49-60)")
    parser.add_argument("--min-count", type=int, default=0,
                        help="read only splits with at least N triggered inputs so counted")
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--fpr-slack", type=float, default=0.01,
                        help="condition (3): the candidate's held-out clean FPR at most "
                             "today's plus this (stop 63: 0.02)")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    rows = readings(opts.dumps, opts.candidate, opts.fpr, opts.confidence, opts.neg_first,
                    opts.count, opts.min_count, opts.today)
    verdict = rule(rows, fpr=opts.fpr, fpr_slack=opts.fpr_slack, expect=opts.expect,
                   gain=opts.gain, goal_only=opts.goal_only)
    for r in rows:
        t, c = r["today"], r["candidate"]
        print(f"{r['model']} split {r['seed']} (t {r['target']}): guard FPR {t['guard_fpr']:.3f}"
              f" -> {c['guard_fpr']:.3f}, guard TPR {t['guard_tpr']:.3f} -> {c['guard_tpr']:.3f},"
              f" ROC TPR {t['roc_tpr']:.3f} -> {c['roc_tpr']:.3f}, AUC {t['auc']:.3f} -> "
              f"{c['auc']:.3f}; s/input strip {r['strip_s_per_input']:.2f}, span "
              f"{r['span_s_per_input']:.2f} ({r['span_passes_per_input'] or float('nan'):.1f} "
              f"passes); counted: {r['count']} ({c['fired']})")
        for count, got in r["counts"]["candidate"].items():
            was = r["counts"]["today"][count]
            print(f"  {count} ({got['fired']}): guard TPR {was['guard_tpr']:.3f} -> "
                  f"{got['guard_tpr']:.3f}, AUC {was['auc']:.3f} -> {got['auc']:.3f}, "
                  f"ROC TPR {was['roc_tpr']:.3f} -> {got['roc_tpr']:.3f}")
    print("conditions:", verdict["conditions"], "met:", verdict["met"])
    if "per_model" in verdict:
        print("per model (1):", verdict["per_model"])
    if opts.json:
        opts.json.write_text(json.dumps({"candidate": opts.candidate, "today": opts.today,
                                         "count": opts.count,
                                         "readings": rows,
                                         **verdict}, indent=1) + "\n")


if __name__ == "__main__":
    main()
