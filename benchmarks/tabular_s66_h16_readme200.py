"""The README's XGBoost line read with 200-row clean files, by today's default and with
``-p box_recur=N`` (issue 16 stop 66, h16).

Builds each seed's model by a recipe of ``tabular_s64_h16t_readme_family.py`` (the README's
``attack`` line, or its clean twins; kept if already built), then reads it as a zoo model is read
with a small clean file (``tabular_small_clean.py``'s draws of the credit-default test split:
``--files`` files per model, draw seed = the model's seed), once per parameter set, every
feature stored. Rows are ``tabular_small_clean.py`` rows (``zoo`` = ``readme-<recipe>``), so the
figures and the rule read them as they read the zoos'.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s66_h16_readme200.py --work DIR \
        --recipes readme --seeds 5560-5569 --files 3 --box-recur 8 --json OUT.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from tabular_s64_h16t_readme_family import RECIPES, cli, seeds_of
from tabular_small_clean import draw, write_rows
from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder


def built(recipe: str, seed: int, work: Path) -> Path:
    """The run folder of ``recipe`` at ``seed`` (made by the CLI if missing)."""
    words, _ = RECIPES[recipe]
    run = work / recipe / str(seed)
    if not (run / "manifest.json").exists():
        made = cli([w.format(seed=seed) for w in words] + ["--seed", str(seed), "--out", str(run)])
        if made.returncode != 0:
            raise SystemExit(f"error: {recipe} {seed}: {made.stderr.strip()[-300:]}")
    return run


def read(run: Path, part, params: dict, seed: int, cals: dict) -> dict:
    """One reading of the run's model on ``part`` with ``params``: p, target, features."""
    loaded = load_model(run)
    t0, c0 = time.perf_counter(), time.process_time()
    verdict = registry.create("detector", "tabular-search", **params).inspect(
        loaded.module, attach_encoder(loaded, part), input_shape=loaded.input_shape,
        num_classes=loaded.num_classes, seed=seed)
    calibrate(verdict, cals)
    return {"probability": float(verdict.probability),
            "predicted_target": verdict.target_classes[0] if verdict.target_classes else None,
            "features": dict(verdict.features), "family": verdict.family,
            "elapsed_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}


def reading_row(recipe: str, seed: int, k: int, label: str, attack: dict, params: dict,
                got: dict) -> dict:
    """One reading of the line as a ``tabular_small_clean.py`` row (``zoo`` = ``readme-<recipe>``,
    ``reading`` = ``label``)."""
    return {"name": str(seed), "arch": "xgboost", "zoo": f"readme-{recipe}",
            "table": "credit-default", "size": 200, "draw": k, "reading": label,
            "backdoored": RECIPES[recipe][1], "attack": attack.get("name"),
            "target": attack.get("target"), "params": params, **got}


def read_line(args: argparse.Namespace, readings) -> None:
    """Every seed and recipe of ``args`` built and read on its ``--files`` files, each file ``k``
    once per ``(label, params)`` of ``readings(k)``; rows written to ``args.json`` as read (stop
    67's README script reads with its own ``readings``)."""
    unknown = set(args.recipes.split(",")) - set(RECIPES)
    if unknown:
        raise SystemExit(f"error: unknown recipe(s) {sorted(unknown)}")
    torch.set_num_threads(1)
    test = load_dataset("credit-default", "test")
    y = test.y.numpy()
    cals = load_calibrators(None)
    rows: list[dict] = []
    for seed in seeds_of(args.seeds):
        for recipe in args.recipes.split(","):
            run = built(recipe, seed, args.work)
            manifest = json.loads((run / "manifest.json").read_text())
            attack = manifest.get("attack") or {}
            for k in range(args.files):
                part = test.subset(torch.as_tensor(draw(len(test), y, 200, seed, k)))
                for label, params in readings(k):
                    row = reading_row(recipe, seed, k, label, attack, params,
                                      read(run, part, params, seed, cals))
                    rows.append(row)
                    print(recipe, seed, k, label, f"{row['probability']:.3f}", flush=True)
                    write_rows(args.json, vars(args) | {"work": str(args.work),
                                                        "json": str(args.json)}, rows)



def line_arguments(doc: str) -> argparse.ArgumentParser:
    """The options every README-line script reads (stops 66-68): the work folder, recipes,
    seeds, files per model and the rows file; each script adds its candidate's."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--recipes", default="readme")
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--files", type=int, default=3)
    ap.add_argument("--json", type=Path, required=True)
    return ap


def main() -> None:
    ap = line_arguments(__doc__)
    ap.add_argument("--box-recur", type=int, default=8, help="the candidate's box_recur")
    args = ap.parse_args()
    read_line(args, lambda k: [("today", {}), ("candidate", {"box_recur": args.box_recur})])

if __name__ == "__main__":
    main()
