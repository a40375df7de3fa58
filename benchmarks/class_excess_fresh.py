"""The stop-55 rule for ``mmbd_class_excess`` read on fresh foreign seeds pooled (issue 9, stop
55: h9A; ``benchmarks/data/foreign_s55a/plan.md``).

Each fresh seed's runs (``foreign_zoo_detect.py`` rows scored by today's default before the
cut-off; since stop 55 their reports hold MM-BD's per-class ratios) are scored twice: by the
shipped file (it must reproduce every stored probability) and by the candidate file, both
through ``calibrate`` on the stored report. Pooled over the seeds and per seed: every
architecture, trigger and script family's ROC-AUC / CE, the worst family, clean and backdoored
models at p >= 0.5, right targets; then the plan's points, with ``--eval`` the ``zoo/eval``
reading ``class_excess_fit.py`` wrote.

    PYTHONPATH=src:benchmarks python benchmarks/class_excess_fresh.py \\
        --fresh 80=/tmp/h9As55/run/zoo-s80,/tmp/h9As55/run/out80/detect80.jsonl \\
        --fresh 81=... --candidate benchmarks/data/foreign_s55a/cal_X.json \\
        --eval benchmarks/data/foreign_s55a/class_excess_dev.json --json rule.json
"""

from __future__ import annotations

import json
from pathlib import Path

from _common import LineParser, read_jsonl
from class_excess_fit import GOAL_AUC, GOAL_CE, scores, seed_spec
from rule_print import report_rule

EVAL_TODAY = (0.9875, 0.1830)  # issue 3's zoo/eval under the shipped file (stop 50)
CE_ROOM = 0.005


def load_fresh(seed: int, zoo: Path, runs: Path) -> list[dict]:
    """The seed's scored runs with their truth, in plan order."""
    from foreign_zoo_detect import models

    stored = {r["name"]: r for r in read_jsonl(runs)}
    return [{**meta, "seed": seed, "key": f"s{seed}:{meta['name']}",
             "report": stored[meta["name"]]["report"],
             "stored_p": stored[meta["name"]]["probability"]}
            for meta in models(zoo) if stored.get(meta["name"], {}).get("report")]


def rescore(rows: list[dict], path: Path | None) -> dict[str, float]:
    """Each row's probability under ``path`` (None: the shipped file); the suspect must not
    move (the term lowers, it never renames)."""
    from foreign_zoo_detect import recalibrate_row
    from trojanscope.detect.calibration import load_calibrators

    cals = load_calibrators(path)
    out = {}
    for r in rows:
        got = recalibrate_row({"name": r["name"], "report": r["report"]}, cals, "x")
        out[r["key"]] = got["probability"]
        if path is None:
            r["suspect"] = got["suspected_target"]
            if abs(got["probability"] - r["stored_p"]) > 1e-9:
                raise SystemExit(f"error: {r['key']}: the shipped file gives "
                                 f"{got['probability']}, the run stored {r['stored_p']}")
        elif got["suspected_target"] != r["suspect"]:
            raise SystemExit(f"error: {r['key']}: the candidate moved the suspect")
    return out


def meets(v: dict) -> bool:
    return v["roc_auc"] >= GOAL_AUC and v["cross_entropy"] <= GOAL_CE


def rule(today: dict, cand: dict, zoo_eval: dict | None) -> list[tuple[str, bool, str]]:
    """The plan's points, each (point, holds, figures)."""
    from ship_criterion import families

    ft, fc = families(today["groups"]), families(cand["groups"])
    all_t, all_c = today["groups"]["all"], cand["groups"]["all"]
    out = []
    if not today["missing"]:
        ok = meets(all_c) and not cand["missing"]
        said = (f"candidate overall {all_c['roc_auc']}/{all_c['cross_entropy']}, missing "
                f"{cand['missing']}")
    else:
        lost = sorted(k for k in ft if meets(ft[k]) and k in fc and not meets(fc[k]))
        ok = (meets(all_c) and cand["worst"]["cross_entropy"] < today["worst"]["cross_entropy"]
              and not lost)
        said = (f"today misses {today['missing']}; candidate overall {all_c['roc_auc']}/"
                f"{all_c['cross_entropy']}, worst CE {cand['worst']['ce_family']} "
                f"{cand['worst']['cross_entropy']} vs today's {today['worst']['ce_family']} "
                f"{today['worst']['cross_entropy']}; fell from meeting to missing {lost}")
    out.append(("(a) the goal overall and on every family (or, where today's misses, a lower "
                "worst CE and no family lost)", ok, said))
    out.append(("(b) overall CE <= today's + 0.005",
                all_c["cross_entropy"] <= all_t["cross_entropy"] + CE_ROOM,
                f"{all_c['cross_entropy']} vs {all_t['cross_entropy']}"))
    out.append(("(c) clean flagged <= today's, backdoored flagged >= today's",
                len(cand["clean_flagged"]) <= len(today["clean_flagged"])
                and cand["backdoored_flagged"] >= today["backdoored_flagged"],
                f"clean {len(cand['clean_flagged'])} vs {len(today['clean_flagged'])}; "
                f"backdoored {cand['backdoored_flagged']} vs {today['backdoored_flagged']}"))
    out.append(("(d) right targets >= today's", cand["target_right"] >= today["target_right"],
                f"{cand['target_right']} vs {today['target_right']}"))
    if zoo_eval is None:
        out.append(("(e) zoo/eval held", False, "not read"))
    else:
        c = zoo_eval["candidate"]
        ok = (c["roc_auc"] >= EVAL_TODAY[0] - 1e-9 and c["cross_entropy"] <= EVAL_TODAY[1] + CE_ROOM
              and c["target_accuracy_flagged"] >= zoo_eval["shipped"]["target_accuracy_flagged"])
        out.append(("(e) zoo/eval: ROC-AUC >= 0.9875, CE <= 0.1830 + 0.005, flagged targets "
                    "as right as today's", ok, json.dumps(c)))
    return out


def main() -> None:
    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fresh", action="append", required=True, help="SEED=ZOO,RUNS.jsonl")
    ap.add_argument("--candidate", type=Path, required=True)
    ap.add_argument("--eval", type=Path, help="class_excess_fit.py's JSON (its zoo_eval)")
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    if not args.candidate.is_file():
        ap.error(f"--candidate {args.candidate}: no such file")
    if not args.json.parent.is_dir():
        ap.error(f"--json {args.json}: no such folder {args.json.parent}")
    rows = []
    for spec in args.fresh:
        rows += load_fresh(*seed_spec(ap, "--fresh", spec))
    today_p, cand_p = rescore(rows, None), rescore(rows, args.candidate)
    zoo_eval = json.loads(args.eval.read_text()).get("zoo_eval") if args.eval else None
    today, cand = scores(rows, today_p), scores(rows, cand_p)
    read = [r["key"] for r in rows if "mmbd_class_ratio_0" in r["report"]["features"]]
    moved = [{"key": r["key"], "family": r["arch_family"], "backdoored": r["backdoored"],
              "p": [round(today_p[r["key"]], 4), round(cand_p[r["key"]], 4)]}
             for r in rows if abs(today_p[r["key"]] - cand_p[r["key"]]) > 1e-12]
    points = [*rule(today, cand, zoo_eval),
              ("(f) X moves at least one fresh model", bool(moved), f"{len(moved)} moved")]
    result = {"models": len(rows), "with_ratios": len(read), "today": today, "candidate": cand,
              "per_seed": {}, "moved": moved,
              "points": [{"point": p, "holds": h, "figures": f} for p, h, f in points],
              "met": all(h for _, h, _ in points), "zoo_eval": zoo_eval}
    report_rule(f"{len(rows)} runs, {len(read)} with per-class ratios", rows, result,
                lambda mine: (scores(mine, today_p), scores(mine, cand_p)), args.json)

if __name__ == "__main__":
    main()
