"""The stop-59 rule for candidate K (``benchmarks/data/outside_s59/plan.md``) read on a fresh
outside seed (issue 9, stop 59: h9).

The fresh seed's runs (``outside_zoo_score.py`` rows: today's default, each with its stored
report) are scored by the shipped file (it must reproduce every stored probability) and by the
candidate, both through ``calibrate`` on the stored report; the stored foreign seeds 87/88 and
issue 3's ``zoo/eval`` likewise. Prints and writes every figure and the plan's points.

    PYTHONPATH=src:benchmarks python benchmarks/kind_centre_rule.py \\
        --fresh 9201=RUNS,TRUTH --candidate benchmarks/data/outside_s59/cal_K.json \\
        --json benchmarks/data/outside_s59/rule59.json
"""

from __future__ import annotations

import json
from pathlib import Path

from _common import LineParser, fail
from kind_centre_fit import GOAL_AUC, GOAL_CE, brief, figures, parse_outside, read
from wide_class_rows import foreign_rows, outside_rows, own_rows

CLEAN_FLAGGED = 0.10  # at most this share of the fresh clean models at p >= 0.5
RIGHT = 0.90  # at least this share of the flagged backdoored models with the right target
ROOM_AUC, ROOM_CE = 0.01, 0.02  # the most the candidate may lose on 87/88 and zoo/eval


def meets(g: dict | None) -> bool:
    return (g is not None and g["roc_auc"] is not None and g["roc_auc"] >= GOAL_AUC
            and g["cross_entropy"] <= GOAL_CE)


def worst_rule_family(f: dict) -> dict | None:
    """The rule family (>= 2 backdoored, >= 1 clean) of the highest CE, or of an AUC under the
    goal, as ``figures`` lists them."""
    rule = {k: v for k, v in f["groups"].items() if k != "all" and v["backdoored"] >= 2
            and v["n"] > v["backdoored"]}
    if not rule:
        return None
    bad = [k for k, v in rule.items() if not meets(v)]
    k = bad[0] if bad else max(rule, key=lambda k: rule[k]["cross_entropy"])
    return {"family": k, **rule[k], "all_meet": not bad, "missing": bad}


def points(fresh: dict, held: dict[str, dict]) -> list[tuple[str, bool, str]]:
    c = fresh["candidate"]
    n_clean = c["groups"]["all"]["n"] - c["groups"]["all"]["backdoored"]
    worst = worst_rule_family(c)
    flagged, right = c["right_targets"][1], c["right_targets"][0]
    out = [("goal whole", meets(c["groups"]["all"]), str(c["groups"]["all"])),
           ("goal on every rule family", worst is not None and worst["all_meet"],
            str(worst)),
           ("clean flagged <= 10%", len(c["clean_flagged"]) <= CLEAN_FLAGGED * n_clean,
            f"{len(c['clean_flagged'])} of {n_clean}: {c['clean_flagged']}"),
           ("right targets >= 90% of flagged", flagged > 0 and right >= RIGHT * flagged,
            f"{right} of {flagged}")]
    for label, v in held.items():
        t, k = v["today"]["groups"]["all"], v["candidate"]["groups"]["all"]
        ok = (k["roc_auc"] >= t["roc_auc"] - ROOM_AUC
              and k["cross_entropy"] <= t["cross_entropy"] + ROOM_CE)
        out.append((f"{label}: not worse than today (AUC -{ROOM_AUC}, CE +{ROOM_CE})", ok,
                    f"today {t['roc_auc']} / {t['cross_entropy']}, candidate "
                    f"{k['roc_auc']} / {k['cross_entropy']}"))
    return out


def main() -> None:
    from trojanscope.detect.calibration import load_calibrators

    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fresh", action="append", required=True, help="SEED=RUNS,TRUTH")
    ap.add_argument("--candidate", type=Path, required=True)
    ap.add_argument("--today", type=Path, default=None,
                    help="today's file (default: the shipped one; since K ships, the file "
                         "before it: benchmarks/data/outside_s59/cal_before.json)")
    ap.add_argument("--stored", action="append", default=[],
                    help="SEED=RUNS,TRUTH: a stored outside-style seed read as a held "
                         "population too (stop 60: 9103, 9201, fourth 9600; 9200 always)")
    ap.add_argument("--twin-rows", type=Path, action="append", default=[],
                    help="stop 61: rows of benchmarks/twin_wide_class.py whose twins' median "
                         "ratios join the stored runs' features (a run without them reads "
                         "as before; stop 62: repeat it, a model's rows join as one)")
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    for path in args.twin_rows:
        if not path.is_file():
            ap.error(f"--twin-rows {path}: no such file")
    if not args.candidate.is_file():
        ap.error(f"--candidate {args.candidate}: no such file")
    if args.today is not None and not args.today.is_file():
        ap.error(f"--today {args.today}: no such file")
    shipped, cand = load_calibrators(args.today), load_calibrators(args.candidate)
    fresh_rows = [r for r in outside_rows(parse_outside(args.fresh)) if r["seed"] != 9200]
    for r in fresh_rows:
        got = read(r, shipped)["p"]
        if abs(got - r["probability"]) > 1e-9:
            fail(f"{r['key']}: today's file gives {got}, the run stored {r['probability']}")
    result: dict = {"candidate": str(args.candidate), "populations": {}}
    stored = outside_rows(parse_outside(args.stored))
    if args.twin_rows:
        from twin_wide_class import join_twins

        join_twins([*fresh_rows, *stored], args.twin_rows)
    pops = {"fresh " + ",".join(sorted({str(r["seed"]) for r in fresh_rows})): fresh_rows,
            **{f"stored {seed}": [r for r in stored if r["seed"] == seed]
               for seed in sorted({r["seed"] for r in stored})},
            "foreign 87/88": [r for r in foreign_rows() if r["seed"] in (87, 88)],
            "own zoo/eval": own_rows()}
    for label, rows in pops.items():
        t = figures(rows, {r["key"]: read(r, shipped) for r in rows})
        c_read = {r["key"]: read(r, cand) for r in rows}
        c = figures(rows, c_read)
        moved = [{"key": r["key"], "backdoored": r["backdoored"], "target": r["target"],
                  "p": [round(read(r, shipped)["p"], 4), round(c_read[r["key"]]["p"], 4)],
                  "suspect": c_read[r["key"]]["suspect"]}
                 for r in rows if abs(read(r, shipped)["p"] - c_read[r["key"]]["p"]) > 1e-6]
        result["populations"][label] = {"today": t, "candidate": c, "moved": moved,
                                        "worst_today": worst_rule_family(t),
                                        "worst_candidate": worst_rule_family(c)}
        print(f"== {label}\n  today:     {brief(t)}\n  candidate: {brief(c)}")
        for m in moved:
            print(f"  moved {m}")
    label = next(iter(pops))
    held = {k: v for k, v in result["populations"].items() if k != label}
    result["points"] = [{"point": p, "holds": ok, "figures": s}
                        for p, ok, s in points(result["populations"][label], held)]
    result["met"] = all(p["holds"] for p in result["points"])
    print("== the plan's points")
    for p in result["points"]:
        print(f"  [{'yes' if p['holds'] else 'NO'}] {p['point']}: {p['figures']}")
    print(f"rule {'MET' if result['met'] else 'NOT MET'}")
    args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
