"""A floor on the lift with which a raise term may name the suspect (issue 9, stop 53: h9B).

Stop 52 (``foreign_target_sources.py``): on fresh seed 73 the one wrong target came from the
frame raise term, lift 1.2 logits, putting its probe's (wrong) class first over MM-BD's right
one; on the development seeds every raise that made the suspect right lifted by 2.7 or more.
The candidate ``N`` is stop 51's R13P (the file shipped when N was chosen; "shipped" below)
with ``fitted_on.name_floor`` on the image raise terms
(``raise_naming``): the probability is raised as before, but the raise's class becomes the
suspect only where the naming term's lift reaches the floor; else MM-BD's own class stands.
Probabilities cannot move, so ROC-AUC, CE and clean flags are equal by construction (and
measured); only the suspects, and so right targets among flagged models, can.

The floor is chosen on development runs by one rule (``choose_floor``), checked by
leave-one-seed-out: over the raises that named the suspect, the floor maximises (wrong suspects
fixed) - (right suspects lost); the lowest interval achieving it; its midpoint. Development
runs: every stored run of foreign seeds 50, 51, 60-74 and issue 3's ``zoo/eval``.

    PYTHONPATH=src:benchmarks python benchmarks/name_floor.py --out benchmarks/data/foreign_s53b
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import read_jsonl, run_main
from foreign_target_sources import classes
from foreign_zoo_detect import verdict_of
from own_eval_recal import score_file
from r13p_lofo import EVAL_ROWS, SEEDS16, figures, load_rows
from trojanscope.detect.calibration import (
    Calibrator,
    _own_lifts,
    calibrate,
    load_calibrators,
)
from trojanscope.detect.raise_naming import NAME_FLOOR

SEEDS17 = {**SEEDS16, 74: ("foreign_s52f/detect74_runs.jsonl.gz",
                           "foreign_s52f/zoo-s74_truth.json.gz")}
TERMS = ("auto:raise", "auto:raise:pixels", "auto:raise:frame")
# the file shipped when N was chosen (stop 51's R13P); N is it with the floor, shipped at stop 53
BASE = Path(__file__).resolve().parents[1] / "benchmarks/data/foreign_s51/cal_R13P.json"


def with_floor(cals: dict[str, Calibrator], floor: float) -> dict[str, Calibrator]:
    """``cals`` with ``name_floor`` on the image raise terms (a copy; ``cals`` unchanged)."""
    out = dict(cals)
    for key in TERMS:
        c = cals[key]
        out[key] = Calibrator(c.method, list(c.features), list(c.coef), c.intercept,
                              {**c.fitted_on, NAME_FLOOR: floor}, c.mean, c.scale, c.transform)
    return out


def candidate_text(shipped: Path, floor: float, why: str) -> dict:
    """The shipped file's text with the floor (and why) on the image raise terms."""
    data = json.loads(shipped.read_text())
    for key in TERMS:
        data[key]["fitted_on"][NAME_FLOOR] = floor
        data[key]["fitted_on"][f"{NAME_FLOOR}_design"] = why
    return data


def namings(rows: list[dict], cals: dict[str, Calibrator]) -> list[dict]:
    """Each backdoored model whose suspect a raise named under ``cals`` (no floor): its naming
    lift and whether the raise made the suspect right (over MM-BD's wrong class), wrong (over
    MM-BD's right one), or neither."""
    out = []
    for r in rows:
        if not r["backdoored"]:
            continue
        v = calibrate(verdict_of(r["report"]), cals)
        if "unraised_top_class" not in v.features:
            continue
        c, suspect, target = classes(v), int(v.target_classes[0]), int(r["target"])
        kind = ("made_right" if suspect == target != c["mmbd_top"] else
                "made_wrong" if c["mmbd_top"] == target != suspect else "neither")
        out.append({"model": f"s{r['seed']}:{r['name']}", "seed": r["seed"], "kind": kind,
                    "lift": round(max(_own_lifts(v.features).values()), 4),
                    "flagged": v.probability >= 0.5, "arch_family": r["arch_family"],
                    "trigger_family": r["trigger_family"]})
    return out


def choose_floor(events: list[dict]) -> float:
    """The floor maximising (made-wrong raises below it) - (made-right raises below it); of the
    intervals between consecutive such lifts achieving the maximum, the lowest; its midpoint
    (above the highest lift: that lift + 1). 0 (no floor) where no floor gains anything."""
    lifts = sorted({e["lift"] for e in events if e["kind"] != "neither"})
    best, floor = 0, 0.0
    for i, lo in enumerate(lifts):
        gain = sum((e["kind"] == "made_wrong") - (e["kind"] == "made_right")
                   for e in events if e["kind"] != "neither" and e["lift"] <= lo)
        if gain > best:
            hi = lifts[i + 1] if i + 1 < len(lifts) else lo + 2.0
            best, floor = gain, (lo + hi) / 2
    return round(floor, 4)


def loso(events: list[dict], rows: list[dict], cals: dict[str, Calibrator]) -> dict:
    """Per seed: the floor chosen on the other seeds' raises and its right-target flags on the
    held-out seed against the shipped file's."""
    out = {}
    for seed in sorted({r["seed"] for r in rows}):
        floor = choose_floor([e for e in events if e["seed"] != seed])
        held = [r for r in rows if r["seed"] == seed]
        a, b = figures(held, cals), figures(held, with_floor(cals, floor))
        out[str(seed)] = {"floor": floor, "right_target_flagged": [
            a["right_target_flagged"], b["right_target_flagged"]],
            "backdoored_flagged": a["backdoored_flagged"]}
    return out


def by_family(rows: list[dict], a: dict, b: dict) -> dict:
    """Right-target flags under the shipped file and the candidate, per script and trigger
    family, where they differ (with the models that moved)."""
    out = {}
    for kind in ("arch_family", "trigger_family"):
        for fam in sorted({r[kind] for r in rows if r[kind]}):
            sub = [r for r in rows if r[kind] == fam]
            fa, fb = figures(sub, a), figures(sub, b)
            if fa["right_target_flagged"] != fb["right_target_flagged"]:
                out[f"{kind}:{fam}"] = [fa["right_target_flagged"], fb["right_target_flagged"],
                                        fa["backdoored_flagged"]]
    return out


def own_eval(cand: Path) -> dict:
    """Issue 3's ``zoo/eval`` from stored rows: ROC-AUC, CE and right targets among flagged
    backdoored models, shipped and candidate."""
    ev = read_jsonl(EVAL_ROWS)
    out = {}
    for tag, path in (("shipped", BASE), ("candidate", cand)):
        res = score_file(ev, path)
        flagged = [r for r in res["rows"] if r["backdoored"] and r["probability"] >= 0.5]
        out[tag] = {"roc_auc": round(res["scores"]["roc_auc"], 4),
                    "cross_entropy": round(res["scores"]["cross_entropy"], 4),
                    "right_target_flagged": sum(r["predicted_target"] == r["target"]
                                                for r in flagged),
                    "backdoored_flagged": len(flagged)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for cal_N.json and "
                    "name_floor.json")
    args = ap.parse_args()
    if not args.out.is_dir():
        raise ValueError(f"--out {args.out}: no such folder")
    shipped = load_calibrators(BASE)
    rows = load_rows(SEEDS17)
    events = namings(rows, shipped)
    floor = choose_floor(events)
    if not math.isfinite(floor):
        raise ValueError("no floor chosen")
    cand = with_floor(shipped, floor)
    kinds = {k: sorted(e["lift"] for e in events if e["kind"] == k)
             for k in ("made_right", "made_wrong", "neither")}
    why = (f"stop 53 h9B: midpoint of the lowest interval of naming lifts maximising wrong "
           f"suspects fixed - right ones lost, on foreign seeds {sorted(SEEDS17)} "
           f"(made right: lowest {kinds['made_right'][:1]}; made wrong: {kinds['made_wrong']})")
    path = args.out / "cal_N.json"
    path.write_text(json.dumps(candidate_text(BASE, floor, why), indent=2) + "\n")
    per_seed = {}
    for seed in sorted(SEEDS17):
        held = [r for r in rows if r["seed"] == seed]
        per_seed[str(seed)] = {"shipped": figures(held, shipped), "candidate": figures(held, cand)}
    result = {
        "floor": floor, "seeds": sorted(SEEDS17), "runs": len(rows), "naming_lifts": kinds,
        "held_by_floor": [e for e in events if e["lift"] < floor],
        "pooled": {"shipped": figures(rows, shipped), "candidate": figures(rows, cand)},
        "families_moved": by_family(rows, shipped, cand),
        "per_seed": per_seed, "loso": loso(events, rows, shipped),
        "own_eval": own_eval(path)}
    (args.out / "name_floor.json").write_text(json.dumps(result, indent=1) + "\n")
    p = result["pooled"]
    print(f"{len(rows)} runs of seeds {result['seeds']}; raises naming the suspect: "
          f"{ {k: len(v) for k, v in kinds.items()} }; made wrong at {kinds['made_wrong']}, "
          f"made right from {kinds['made_right'][:5]}")
    held = [(e["model"], e["kind"], e["lift"]) for e in result["held_by_floor"]]
    print(f"floor {floor}; held by it: {held}")
    for tag in ("shipped", "candidate"):
        f = p[tag]
        print(f"pooled {tag:9s} AUC {f['roc_auc']} CE {f['cross_entropy']} clean flagged "
              f"{len(f['clean_flagged'])} right target {f['right_target_flagged']}/"
              f"{f['backdoored_flagged']} flagged of {f['backdoored']}")
    print("families moved (shipped, candidate, flagged):", result["families_moved"])
    for s, v in per_seed.items():
        a, b = v["shipped"], v["candidate"]
        if a != b:
            print(f"seed {s}: right target {a['right_target_flagged']} -> "
                  f"{b['right_target_flagged']} of {a['backdoored_flagged']} flagged")
    print("leave-one-seed-out (floor, right targets shipped -> held-out floor):")
    for s, v in result["loso"].items():
        mark = "" if v["right_target_flagged"][0] == v["right_target_flagged"][1] else "  <--"
        print(f"  {s}: {v['floor']} {v['right_target_flagged']} of {v['backdoored_flagged']}{mark}")
    print("zoo/eval:", result["own_eval"])


if __name__ == "__main__":
    run_main(main)
