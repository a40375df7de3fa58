"""Stop 56 h9B's rule for candidate Y (the excess term refitted on six development seeds: wide
1.1, at most 3 logits) read on fresh foreign seeds pooled (issue 9;
``benchmarks/data/foreign_s56b/plan.md``).

Each fresh seed's runs (``foreign_zoo_detect.py`` rows scored by today's default before the
cut-off, their reports holding MM-BD's per-class ratios) are scored by the shipped file (it must
reproduce every stored probability) and by the candidate, both through ``calibrate``
(``class_excess_fresh.rescore``). Pooled and per seed: every architecture, recipe, trigger and
script family's ROC-AUC / CE (``class_excess_fit.scores``), then the plan's points:

* (0) at least ``--min-models`` runs scored and at least one rule family (>= 2 backdoored and
  >= 1 clean models);
* (a) the candidate's overall CE <= today's + 0.005;
* (b) its worst-family CE <= today's worst-family CE;
* (c) clean models at p >= 0.5 <= today's;
* (d) backdoored models at p >= 0.5 and right targets >= today's;
* (e) the candidate moves at least one fresh model;
* (f) ``zoo/eval`` (read at development, ``--eval``): ROC-AUC >= the shipped file's, CE <= the
  shipped file's + 0.005, flagged targets as right.

    PYTHONPATH=src:benchmarks python benchmarks/class_excess_rule56.py \\
        --fresh 85=zoo-s85,out85/detect85.jsonl --fresh 86=... \\
        --candidate benchmarks/data/foreign_s56b/cal_Y.json \\
        --eval benchmarks/data/foreign_s56b/class_excess_dev.json --json rule56.json
"""

from __future__ import annotations

import json
from pathlib import Path

from _common import LineParser
from class_excess_fit import scores, seed_spec
from class_excess_fresh import CE_ROOM, load_fresh, rescore
from rule_print import report_rule

TINY = 1e-9  # figures are rounded to 4 places: equal is not worse


def rule(today: dict, cand: dict, moved: int, zoo_eval: dict | None, n_models: int,
         min_models: int) -> list[tuple[str, bool, str]]:
    """The plan's points, each (point, holds, figures)."""
    from ship_criterion import families

    all_t, all_c = today["groups"]["all"], cand["groups"]["all"]
    wt, wc = today["worst"], cand["worst"]
    out = [("(0) enough models and a rule family",
            n_models >= min_models and bool(families(today["groups"])),
            f"{n_models} models (at least {min_models}), {len(families(today['groups']))} rule "
            "families"),
           ("(a) overall CE <= today's + 0.005",
            all_c["cross_entropy"] <= all_t["cross_entropy"] + CE_ROOM + TINY,
            f"{all_c['cross_entropy']} vs {all_t['cross_entropy']}"),
           ("(b) worst-family CE <= today's",
            wc["cross_entropy"] <= wt["cross_entropy"] + TINY,
            f"{wc['ce_family']} {wc['cross_entropy']} vs today's {wt['ce_family']} "
            f"{wt['cross_entropy']}"),
           ("(c) clean flagged <= today's",
            len(cand["clean_flagged"]) <= len(today["clean_flagged"]),
            f"{cand['clean_flagged']} vs {today['clean_flagged']}"),
           ("(d) backdoored flagged and right targets >= today's",
            cand["backdoored_flagged"] >= today["backdoored_flagged"]
            and cand["target_right"] >= today["target_right"],
            f"flagged {cand['backdoored_flagged']} vs {today['backdoored_flagged']}; right "
            f"targets {cand['target_right']} vs {today['target_right']}"),
           ("(e) the candidate moves at least one fresh model", moved > 0, f"{moved} moved")]
    if zoo_eval is None:
        out.append(("(f) zoo/eval held", False, "not read"))
    else:
        s, c = zoo_eval["shipped"], zoo_eval["candidate"]
        ok = (c["roc_auc"] >= s["roc_auc"] - TINY
              and c["cross_entropy"] <= s["cross_entropy"] + CE_ROOM + TINY
              and c["target_accuracy_flagged"] >= s["target_accuracy_flagged"])
        out.append(("(f) zoo/eval: ROC-AUC >= the shipped file's, CE <= its + 0.005, flagged "
                    "targets as right", ok, f"{json.dumps(c)} vs {json.dumps(s)}"))
    return out


def main() -> None:
    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fresh", action="append", required=True, help="SEED=ZOO,RUNS.jsonl")
    ap.add_argument("--candidate", type=Path, required=True)
    ap.add_argument("--eval", type=Path, help="class_excess_fit.py's JSON (its zoo_eval)")
    ap.add_argument("--min-models", type=int, default=24)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    if not args.candidate.is_file():
        ap.error(f"--candidate {args.candidate}: no such file")
    if args.eval is not None and not args.eval.is_file():
        ap.error(f"--eval {args.eval}: no such file")
    if not args.json.parent.is_dir():
        ap.error(f"--json {args.json}: no such folder {args.json.parent}")
    rows = []
    for spec in args.fresh:
        rows += load_fresh(*seed_spec(ap, "--fresh", spec))
    if not rows:
        ap.error("no scored run in the --fresh seeds")
    today_p, cand_p = rescore(rows, None), rescore(rows, args.candidate)
    zoo_eval = json.loads(args.eval.read_text()).get("zoo_eval") if args.eval else None
    today, cand = scores(rows, today_p), scores(rows, cand_p)
    moved = [{"key": r["key"], "family": r["arch_family"], "backdoored": r["backdoored"],
              "p": [round(today_p[r["key"]], 4), round(cand_p[r["key"]], 4)]}
             for r in rows if abs(today_p[r["key"]] - cand_p[r["key"]]) > 1e-12]
    points = rule(today, cand, len(moved), zoo_eval, len(rows), args.min_models)
    result = {"models": len(rows), "today": today, "candidate": cand, "per_seed": {},
              "moved": moved, "met": all(h for _, h, _ in points),
              "points": [{"point": p, "holds": h, "figures": f} for p, h, f in points]}
    report_rule(f"{len(rows)} runs", rows, result,
                lambda mine: (scores(mine, today_p), scores(mine, cand_p)), args.json)

if __name__ == "__main__":
    main()
