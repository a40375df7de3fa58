"""Check stop 54 h9A's rule (``benchmarks/data/foreign_s54a/plan.md``, committed before seed 77
existed) from ``lofo_fresh.py``'s output on the fresh seed.

Candidate V (``gate_unseen = "max@kind:unfitted"``) replaces today's file only if, on the seed:
(a) V's worst held-out architecture (script) rule family meets issue 9's goal (ROC-AUC >= 0.95,
CE <= 0.30), and where today's worst already meets it, V's worst-family CE <= today's + 0.01;
(b) no held-out rule family (script or trigger) that meets the goal under today's file misses
it under V; (c) the whole-calibration reading (no family held out): V's CE <= today's + 0.005,
its clean flags <= and its right-target flags >= today's. (d), the stored runs and ``zoo/eval``
unchanged, is ``unseen_start.py --unfitted``'s check; (e) the tests, the test run's log.

    python benchmarks/rule_s54a_check.py lofo77.json --seed 77 --json rule77_V.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

CE_SLACK_WORST, CE_SLACK_WHOLE = 0.01, 0.005


def meets(f: dict, goal: tuple[float, float]) -> bool:
    """Issue 9's goal on one family's figures."""
    return f["roc_auc"] is not None and f["roc_auc"] >= goal[0] and f["cross_entropy"] <= goal[1]


def check(seed: dict, goal: tuple[float, float], cand: str = "V") -> dict:
    """The rule's conditions (a)-(c) on one seed of ``lofo_fresh.py``'s output."""
    today_w, cand_w = seed["worst"]["today"]["script"], seed["worst"][cand]["script"]
    a = bool(cand_w.get("goal_met"))
    if today_w.get("goal_met"):
        a = a and cand_w["cross_entropy"] <= today_w["cross_entropy"] + CE_SLACK_WORST
    lost = [fam for fam, v in seed["folds"].items()
            if v["today"]["backdoored"] >= 2 and v["today"]["clean"] >= 1
            and meets(v["today"], goal) and not meets(v[cand], goal)]
    t, c = seed["whole"]["today"], seed["whole"][cand]
    whole = {"cross_entropy": c["cross_entropy"] <= t["cross_entropy"] + CE_SLACK_WHOLE,
             "clean_flagged": len(c["clean_flagged"]) <= len(t["clean_flagged"]),
             "right_target_flagged": c["right_target_flagged"] >= t["right_target_flagged"]}
    out = {"a_worst_script_family": a, "b_families_lost": lost, "b": not lost,
           "c_whole": whole, "c": all(whole.values()),
           "worst": {"today": seed["worst"]["today"], cand: seed["worst"][cand]},
           "whole": {"today": {k: t[k] for k in ("models", "roc_auc", "cross_entropy",
                                                 "clean_flagged", "right_target_flagged",
                                                 "backdoored_flagged")},
                     cand: {k: c[k] for k in ("models", "roc_auc", "cross_entropy",
                                              "clean_flagged", "right_target_flagged",
                                              "backdoored_flagged")}}}
    out["met_a_to_c"] = out["a_worst_script_family"] and out["b"] and out["c"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lofo", type=Path, help="lofo_fresh.py's --json output")
    ap.add_argument("--seed", required=True, help="the fresh seed's label in that file")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    try:
        data = json.loads(args.lofo.read_text())
        seed, goal = data["seeds"][args.seed], tuple(data["goal"])
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {args.lofo}: no lofo_fresh.py reading of seed {args.seed!r} ({exc!r})",
              file=sys.stderr)
        raise SystemExit(2) from None
    res = check(seed, goal)
    for k in ("today", "V"):
        w = res["worst"][k]
        for kind, v in w.items():
            if v["families"]:
                print(f"{k}: worst held-out {kind} family AUC {v['roc_auc']} ({v['auc_family']}), "
                      f"CE {v['cross_entropy']} ({v['ce_family']}), goal met {v['goal_met']}")
        print(f"{k}: whole file {res['whole'][k]}")
    print(f"(a) {res['a_worst_script_family']}; (b) families lost {res['b_families_lost']}; "
          f"(c) {res['c_whole']} -> (a)-(c) {'met' if res['met_a_to_c'] else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
