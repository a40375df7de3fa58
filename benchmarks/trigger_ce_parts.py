"""Why every trigger family of foreign seed 66 sat just over CE 0.30 under the default while its
script families were fine, and whether one temperature on the probability's logit (fitted
leave-one-seed-out) would help (issue 9, stop 47; development seeds 50, 51, 60-66 only).

Each trigger family is its backdoored models plus *every* clean model of the seed (about 29 of
its 34), so its cross-entropy is mostly the clean models' mean; a script family holds 3 clean.
Part 1 splits each trigger family's CE into the clean and the backdoored share. Part 2 fits a
temperature T (p -> sigmoid(logit(p) / T), T on a grid 0.5-3) on the other seeds' recalibrated
readings, applies it to the held-out seed, and scores it as the other columns are scored.

    python benchmarks/trigger_ce_parts.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_zoo_detect import recalibrate_row, score
from frame_start_loso import GK8, SEEDS9, fit_starts, with_starts
from ooc_refit_loso import KEY, SEEDS, fit, load_seed, out_of_coverage
from trojanscope.detect.calibration import load_calibrators

GRID = [round(0.5 + 0.1 * i, 1) for i in range(26)]
EPS = 1e-6


def ce(p: float, y: int) -> float:
    p = min(max(p, EPS), 1 - EPS)
    return -math.log(p if y else 1 - p)


def temper(p: float, t: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return 1.0 / (1.0 + math.exp(-math.log(p / (1 - p)) / t))


def parts(zoo: Path, rows: list[dict]) -> dict:
    """Per trigger family: its CE, the clean models' and the backdoored models' share of it."""
    truth = {m["name"]: m for m in json.loads((zoo / "truth.json").read_text())["models"]}
    clean = [ce(r["probability"], 0) for r in rows if not r["backdoored"]]
    out = {"clean_mean_ce": sum(clean) / len(clean), "clean": len(clean), "trigger": {}}
    fams = sorted({truth[r["name"]]["trigger"]["family"] for r in rows if r["backdoored"]})
    for fam in fams:
        bd = [ce(r["probability"], 1) for r in rows
              if r["backdoored"] and truth[r["name"]]["trigger"]["family"] == fam]
        n = len(bd) + len(clean)
        out["trigger"][fam] = {"ce": (sum(bd) + sum(clean)) / n, "clean_share": sum(clean) / n,
                               "backdoored_share": sum(bd) / n, "backdoored": len(bd)}
    return out


def scored(zoo: Path, rows: list[dict], tmp: Path, name: str) -> dict:
    out = tmp / f"{name}.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = score(zoo, out, script_families=True)
    wk = res["worst_by_kind"]
    return {"all": res["groups"]["all"], "worst_script": wk.get("script family", {}),
            "worst_trigger": wk.get("trigger", {}), "clean_flagged": len(res["clean_flagged"]),
            "target_right_flagged": res["target_right_flagged"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    for seed, files in SEEDS9.items():
        SEEDS.setdefault(seed, files)
    shipped, gk = load_calibrators(), load_calibrators(GK8)
    result: dict = {"parts": {}, "folds": {}}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = {s: load_seed(s, tmp) for s in SEEDS9}
        ooc = {s: [r for r in rows if out_of_coverage(r, shipped)] for s, (_, rows) in data.items()}
        rec: dict = {"shipped": {}, "F_loso": {}}
        for held, (zoo, rows) in data.items():
            train = [s for s in SEEDS9 if s != held]
            wider = fit("refit7_C0.2", [r for s in train for r in ooc[s]], train)
            f = with_starts({**gk, KEY: wider}, fit_starts(gk["auto:raise:frame"],
                                                            [r for s in train for r in data[s][1]]))
            rec["shipped"][held] = [recalibrate_row(r, shipped, "shipped") for r in rows]
            rec["F_loso"][held] = [recalibrate_row(r, f, "F") for r in rows]
            result["parts"][held] = parts(zoo, rec["shipped"][held])
        for tag, by_seed in rec.items():
            for held, (zoo, _) in data.items():
                # T fitted on the other seeds' readings (for F, those were fitted without the
                # held-out seed but with each other: close to, not exactly, out-of-sample)
                train = [(r["probability"], int(r["backdoored"])) for s, rs in by_seed.items()
                         if s != held for r in rs]
                best = min(GRID, key=lambda g: sum(ce(temper(p, g), y) for p, y in train))
                rows_t = [{**r, "probability": temper(r["probability"], best)}
                          for r in by_seed[held]]
                result["folds"].setdefault(held, {})[tag] = {
                    "T": best, "plain": scored(zoo, by_seed[held], tmp, f"{tag}{held}"),
                    "tempered": scored(zoo, rows_t, tmp, f"{tag}{held}t")}
    for held, p in result["parts"].items():
        worst = max(p["trigger"].items(), key=lambda kv: kv[1]["ce"])
        w = worst[1]
        print(f"seed {held}: default clean mean CE {p['clean_mean_ce']:.3f} ({p['clean']} clean); "
              f"worst trigger {worst[0]} CE {w['ce']:.3f} = clean {w['clean_share']:.3f}"
              f" + backdoored {w['backdoored_share']:.3f} ({w['backdoored']})")
    for held, fold in result["folds"].items():
        for tag, f in fold.items():
            a, b = f["plain"], f["tempered"]
            print(f"seed {held} {tag:8s} T {f['T']}: plain {a['all']['cross_entropy']:.3f} "
                  f"(worst script {a['worst_script'].get('cross_entropy', 0):.3f}, trigger "
                  f"{a['worst_trigger'].get('cross_entropy', 0):.3f}) -> tempered "
                  f"{b['all']['cross_entropy']:.3f} (worst script "
                  f"{b['worst_script'].get('cross_entropy', 0):.3f}, trigger "
                  f"{b['worst_trigger'].get('cross_entropy', 0):.3f})")
    for tag in ("shipped", "F_loso"):
        for k in ("plain", "tempered"):
            ces = [f[tag][k]["all"]["cross_entropy"] for f in result["folds"].values()]
            goal = sum(all(g.get("roc_auc", 1) >= 0.95 and g.get("cross_entropy", 0) <= 0.30
                           for g in (f[tag][k]["all"], f[tag][k]["worst_script"],
                                     f[tag][k]["worst_trigger"]))
                       for f in result["folds"].values())
            print(f"{tag:8s} {k:8s} mean CE {sum(ces) / len(ces):.3f}; folds at goal {goal} of "
                  f"{len(ces)}")
    args.json.write_text(json.dumps(result, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
