"""Check issue 9's stop-51 rule (``benchmarks/data/foreign_s51/plan.md``, written before seeds
72/73 existed): the candidate's and the shipped default's runs of the same fresh seeds, per
seed and pooled over the seeds.

The candidate replaces the default only if, per seed and pooled: its ROC-AUC >= the default's,
its cross-entropy <= the default's, its clean flags (p >= 0.5) <= the default's and its
right-target flags >= the default's. Issue 9's goal figures (overall and worst rule family,
``ship_criterion.families``: >= 2 backdoored and >= 1 clean, script and trigger families;
goal ROC-AUC >= 0.95, CE <= 0.30) are reported for both files and decide nothing.

    python benchmarks/rule_s51_check.py --seed zoo-s72,detect72.jsonl,recal72_R13P.jsonl \
        --seed zoo-s73,detect73.jsonl,recal73_R13P.jsonl --json rule51.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import read_jsonl
from foreign_zoo_detect import score
from rule_s44_check import AUC_MIN, CE_MAX, KINDS
from ship_criterion import families


def figures(res: dict) -> dict:
    """The rule's four figures and the goal's (overall, worst rule family) of one score."""
    fams = {k: v for k, v in families(res["groups"]).items() if k.startswith(KINDS)}
    overall = res["groups"]["all"]
    auc_f = min(fams, key=lambda k: fams[k]["roc_auc"], default=None)
    ce_f = max(fams, key=lambda k: fams[k]["cross_entropy"], default=None)
    goal = overall["roc_auc"] >= AUC_MIN and overall["cross_entropy"] <= CE_MAX and all(
        v["roc_auc"] >= AUC_MIN and v["cross_entropy"] <= CE_MAX for v in fams.values())
    return {"roc_auc": overall["roc_auc"], "cross_entropy": overall["cross_entropy"],
            "n": overall["n"], "n_backdoored": overall["n_backdoored"],
            "clean_flagged": res["clean_flagged"],
            "right_target_flagged": res["target_right_flagged"],
            "rule_families": len(fams),
            "worst_family_auc": [auc_f, fams[auc_f]["roc_auc"]] if auc_f else None,
            "worst_family_ce": [ce_f, fams[ce_f]["cross_entropy"]] if ce_f else None,
            "goal_met": goal}


def compare(default: dict, cand: dict) -> dict:
    """The four conditions, candidate against default."""
    return {"roc_auc": cand["roc_auc"] >= default["roc_auc"],
            "cross_entropy": cand["cross_entropy"] <= default["cross_entropy"],
            "clean_flagged": len(cand["clean_flagged"]) <= len(default["clean_flagged"]),
            "right_target_flagged": cand["right_target_flagged"] >= default["right_target_flagged"]}


def pooled_zoo(seeds: list[tuple[Path, Path, Path]], tmp: Path) -> tuple[Path, Path, Path]:
    """One zoo folder and two run files holding every seed's models, named ``<zoo>/<name>``."""
    zoo = tmp / "pooled"
    zoo.mkdir()
    models, runs = [], {"default": [], "candidate": []}
    for z, d, c in seeds:
        for m in json.loads((z / "truth.json").read_text())["models"]:
            models.append({**m, "name": f"{z.name}/{m['name']}"})
        for tag, path in (("default", d), ("candidate", c)):
            runs[tag] += [{**r, "name": f"{z.name}/{r['name']}"} for r in read_jsonl(path)]
    (zoo / "truth.json").write_text(json.dumps({"models": models}))
    (zoo / "clean.npz").touch()
    out = []
    for tag in ("default", "candidate"):
        out.append(tmp / f"{tag}.jsonl")
        out[-1].write_text("".join(json.dumps(r) + "\n" for r in runs[tag]))
    return zoo, out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", action="append", required=True,
                    help="ZOO,DEFAULT_RUNS,CANDIDATE_RUNS (repeat per seed)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    seeds = []
    for s in args.seed:
        parts = s.split(",")
        if len(parts) != 3 or not all(Path(p).exists() for p in parts):
            print(f"error: --seed wants ZOO,DEFAULT_RUNS,CANDIDATE_RUNS that exist: {s}",
                  file=sys.stderr)
            raise SystemExit(2)
        seeds.append(tuple(Path(p) for p in parts))
    parts = {z.name: (z, d, c) for z, d, c in seeds}
    with tempfile.TemporaryDirectory() as t:
        if len(seeds) > 1:
            parts["pooled"] = pooled_zoo(seeds, Path(t))
        result = {}
        for name, (z, d, c) in parts.items():
            fd = figures(score(z, d, script_families=True))
            fc = figures(score(z, c, script_families=True))
            cond = compare(fd, fc)
            result[name] = {"default": fd, "candidate": fc, "conditions": cond,
                            "holds": all(cond.values())}
            print(f"{name}: {'holds' if result[name]['holds'] else 'FAILS'} {cond}")
            for tag, f in (("default", fd), ("candidate", fc)):
                print(f"  {tag:9s} AUC {f['roc_auc']:.3f} CE {f['cross_entropy']:.3f} n {f['n']} "
                      f"clean flagged {f['clean_flagged']} right target {f['right_target_flagged']}"
                      f"/{f['n_backdoored']}; worst family AUC {f['worst_family_auc']} CE "
                      f"{f['worst_family_ce']}; goal {'met' if f['goal_met'] else 'not met'}")
    met = all(r["holds"] for r in result.values())
    print(f"rule (per seed and pooled) {'met' if met else 'not met'}")
    if args.json:
        args.json.write_text(json.dumps({"parts": result, "met": met}, indent=1) + "\n")


if __name__ == "__main__":
    main()
