"""The README's XGBoost backdoor line rebuilt with other seeds and read as a user reads it
(issue 16, stop 64: h16t).

The README plants ``attack --dataset credit-default --arch xgboost --attack tabular-badnets
--target 0`` and reads it with ``detect RUN --format json`` (the run's own test split). This
script runs those two commands, as subprocesses of the CLI, once per seed and *recipe*: the
README line itself (``--seed S``: the poisoned rows move, the default trigger's values and the
trees do not), or the line with one setting changed (the trigger drawn with the seed, the zoo
recipe's row/column sample, a poison rate, a tree variant), or a clean twin (``train``). Each
row keeps the run's metrics, its trigger, the verdict and every detector feature, so that
``--summary`` can say per recipe how many were caught and which feature sets them apart.

    PYTHONPATH=src python benchmarks/tabular_s64_h16t_readme_family.py --recipes readme,clean \
        --seeds 5400-5419 --work /tmp/h16t/dev --json OUT.json [-m name=value]
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s64_h16t_readme_family.py \
        --summary OUT.json... [--pool readme+clean] [--stored ZOO_ROWS.json... --pool readme+stored]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tabular_small_clean import figures_line

BASE = ["--dataset", "credit-default", "--arch", "xgboost"]
ATTACK = ["attack", *BASE, "--attack", "tabular-badnets", "--target", "0"]
SUB = ["--arch-param", "subsample=0.8", "--arch-param", "colsample=0.8"]

# recipe name -> (command before --seed/--out, with "{seed}" filled in; backdoored?)
RECIPES: dict[str, tuple[list[str], bool]] = {
    "readme": (ATTACK, True),
    "trigger_seed": ([*ATTACK, "-p", "seed={seed}"], True),
    "sub08": ([*ATTACK, *SUB], True),
    "trigger_seed_sub08": ([*ATTACK, "-p", "seed={seed}", *SUB], True),
    "rate02": ([*ATTACK, "-r", "0.02"], True),
    "trigger_seed_rate02": ([*ATTACK, "-p", "seed={seed}", "-r", "0.02"], True),
    "depth4": ([*ATTACK, "--arch-param", "max_depth=4"], True),
    "trigger_seed_target1": ([*ATTACK[:-1], "1", "-p", "seed={seed}"], True),
    "clean": (["train", *BASE], False),
    "clean_sub08": (["train", *BASE, *SUB], False),
    "clean_depth4": (["train", *BASE, "--arch-param", "max_depth=4"], False),
}


def seeds_of(text: str) -> list[int]:
    """``5400-5419`` or ``5400,5403`` as a list of seeds."""
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def cli(args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "trojanscope", "-q", *args], env=env,
                          capture_output=True, text=True, check=False)


def one(recipe: str, seed: int, work: Path, method_params: list[str]) -> dict:
    """Build one model by the recipe (kept if already built) and read it as the README does."""
    words, backdoored = RECIPES[recipe]
    run = work / recipe / str(seed)
    if not (run / "manifest.json").exists():
        made = cli([w.format(seed=seed) for w in words] + ["--seed", str(seed), "--out", str(run)])
        if made.returncode != 0:
            return {"recipe": recipe, "seed": seed, "error": made.stderr.strip()[-400:]}
    extra = [x for p in method_params for x in ("--method-param", p)]
    t0 = time.process_time()
    start = time.perf_counter()
    read = cli(["detect", str(run), "--format", "json", *extra])
    wall = time.perf_counter() - start
    if read.returncode not in (0, 1):
        return {"recipe": recipe, "seed": seed, "error": read.stderr.strip()[-400:]}
    verdict = json.loads(read.stdout)
    manifest = json.loads((run / "manifest.json").read_text())
    attack = manifest.get("attack") or {}
    return {
        "recipe": recipe, "seed": seed, "backdoored": backdoored,
        "target": attack.get("target"), "trigger": (attack.get("trigger") or {}).get("values"),
        "poison_rate": attack.get("poison_rate"), "poison_count": attack.get("poison_count"),
        "arch_args": manifest["arch"]["args"], "metrics": manifest["metrics"],
        "probability": verdict["probability"], "verdict": verdict["verdict"],
        "suspected_target": verdict["suspected_target"],
        "suspected_trigger": verdict.get("suspected_trigger"),
        "features": verdict["features"], "wall_s": round(wall, 2),
        "child_cpu_s": round(time.process_time() - t0, 2),
    }


def run_all(args: argparse.Namespace) -> None:
    rows = []
    out = Path(args.json)
    for seed in seeds_of(args.seeds):
        for recipe in args.recipes.split(","):
            row = one(recipe, seed, Path(args.work), args.method_param or [])
            rows.append(row)
            print(recipe, seed, row.get("probability"), row.get("verdict"),
                  row.get("error", ""), flush=True)
            out.write_text(json.dumps({"params": vars(args), "rows": rows}, indent=1))


def pooled(rows: list[dict], recipes: list[str]) -> str:
    """``tabular_small_clean.figures_line`` (ROC-AUC, CE, caught, clean flagged, right
    targets) over the rows of ``recipes``."""
    chosen = [{**r, "predicted_target": r.get("suspected_target", r.get("predicted_target"))}
              for r in rows if r["recipe"] in recipes]
    return figures_line(chosen, cpu=False) if chosen else "no rows"


def summary(files: list[str], features: list[str], pools: list[str],
            stored: list[str] | None = None) -> None:
    """Per recipe: flagged, p and the features; per ``pools`` entry one population's
    figures, where ``stored`` (``tabular_small_clean.py`` rows of fresh zoos, recipe
    ``stored``) can join the recipes."""
    once = {(r["recipe"], r["seed"]): r for f in files
            for r in json.loads(Path(f).read_text())["rows"] if "error" not in r}
    rows = list(once.values())  # a model read twice (a pass stopped and rerun) counts once
    kept = [{**r, "recipe": "stored"} for f in stored or []
            for r in json.loads(Path(f).read_text())["rows"]]
    for pool in pools:
        print(f"pooled {pool}: {pooled(rows + kept, pool.split('+'))}")
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["recipe"], []).append(r)
    for recipe, rs in by.items():
        ps = sorted(r["probability"] for r in rs)
        flagged = sum(r["verdict"] != "clean" for r in rs)
        right = sum(r["verdict"] != "clean" and r["suspected_target"] == r["target"] for r in rs)
        asr = sorted(r["metrics"].get("attack_success_rate") or 0 for r in rs)
        print(f"{recipe}: n={len(rs)} flagged {flagged}/{len(rs)}"
              + (f" (right target {right})" if rs[0]["backdoored"] else "")
              + f" p min/median/max {ps[0]:.3f}/{statistics.median(ps):.3f}/{ps[-1]:.3f}"
              + (f" ASR min {asr[0]:.3f}" if rs[0]["backdoored"] else ""))
        for name in features:
            vals = sorted(r["features"].get(name, float("nan")) for r in rs)
            print(f"   {name}: min {vals[0]:.3f} median {statistics.median(vals):.3f} "
                  f"max {vals[-1]:.3f}")


FEATURES = ["tab_mass_group", "tab_mass_rel", "tab_box", "tab_score", "tab_major_enrichment",
            "tab_major_recur_lead", "tab_major_box_over"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipes", default="readme")
    ap.add_argument("--seeds", default="5400-5419")
    ap.add_argument("--work", default="/tmp/h16t/dev")
    ap.add_argument("--json")
    ap.add_argument("-m", "--method-param", action="append")
    ap.add_argument("--summary", nargs="+")
    ap.add_argument("--features", default=",".join(FEATURES))
    ap.add_argument("--pool", action="append", default=[],
                    help="recipes read as one population, e.g. readme+clean")
    ap.add_argument("--stored", nargs="+", help="tabular_small_clean.py rows (recipe 'stored')")
    args = ap.parse_args()
    if args.summary:
        summary(args.summary, args.features.split(","), args.pool, args.stored)
        return
    if not args.json:
        ap.error("--json is needed to build and read")
    unknown = set(args.recipes.split(",")) - set(RECIPES)
    if unknown:
        ap.error(f"unknown recipe(s): {', '.join(sorted(unknown))}")
    run_all(args)


if __name__ == "__main__":
    main()
