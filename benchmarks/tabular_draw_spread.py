"""How much one 200-row file's reading varies per model, and what k readings of it give
(issue 16 stop 63).

A user holds one small clean file. Per model of a zoo this script reads (today's default,
``tabular-search`` calibrated by the shipped file unless ``--calibration``):

- ``draw``: independent files ``0 .. --draws - 1`` of ``tabular_small_clean.py``'s draws
  (``--seed``; draw 0 is the file a pipeline reads): the spread of one small file, which no
  user can average over;
- ``seed``: draw 0 read again with the search's seed ``--seed + 7919 j`` (j = 1 ..
  ``--seeds``): the detector's own spread on one file;
- ``boot``: bootstrap resamples j = 0 .. ``--resamples`` - 1 of draw 0 (its size, drawn with
  replacement, every class kept at the detector's minimum: :func:`.tree_resample.bootstrap_rows`),
  each read with the seed ``--seed + 7919 (j + 1)``: what a user's k readings of the same
  rows can be;
- ``sub``: subsamples j = 0 .. ``--subsamples`` - 1 of draw 0, ``--sub-rows`` of its rows
  drawn without replacement (:func:`.tree_resample.subsample_rows`: no row twice, where a
  bootstrap's repeated rows read as a tree's concentrated leaves), every class at least twice,
  read with the seed ``--seed + 7919 (j + 1)``.

Files read apart (``--draws 0`` skips the draws) are joined by zoo and model in ``--summary``,
which also takes ``tabular_small_clean.py``'s 200-row rows (each its draw's reading); a group
is summarised under a verdict only where every model of it holds that verdict's readings.

``--summary ROWS.json...`` prints per table and kind the spread of a model's p, and the
ROC-AUC / cross-entropy / clean flagged / caught of draw 0 alone (today's default) beside the
k-reading verdicts (median and mean of p over draw 0 and its resamples or seeds) and the
mean over the independent draws (what a user does not have).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_draw_spread.py --zoo ZOO --seed S \
        [--draws 3] [--seeds 1] [--resamples 2] [--archs mlp] --json OUT.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_draw_spread.py --summary OUT.json...
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_small_clean import (  # noqa: E402
    draw,
    figures_line,
    inspected,
    interleaved,
    write_rows,
)
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.detect.calibration import load_calibrators  # noqa: E402
from trojanscope.detect.tree_resample import bootstrap_rows, subsample_rows  # noqa: E402
from trojanscope.zoo import effective, read_truth  # noqa: E402

SEED_STEP = 7919  # tabular_seed_spread.py's step between search seeds (stop 45)
SIZE = 200
MIN_PER_CLASS = 2  # tabular_small_clean.draw's and the detector's minimum per class


def readings_of(zoo: Path, e, test, args, cals) -> list[dict]:
    """Every reading of one model: the independent draws, draw 0 with other seeds, and draw
    0's bootstrap resamples (each with its kind, index, p, target, features, CPU s)."""
    y_all = test.y.numpy()
    file0 = draw(len(test), y_all, SIZE, args.seed, 0)
    plan = [("draw", k, draw(len(test), y_all, SIZE, args.seed, k), args.seed)
            for k in range(args.draws)]
    plan += [("seed", j, file0, args.seed + SEED_STEP * j) for j in range(1, args.seeds + 1)]
    y0 = y_all[file0]
    for j in range(args.resamples):
        idx = bootstrap_rows(y0, test.num_classes, args.seed, j, MIN_PER_CLASS)
        if idx is not None:
            plan.append(("boot", j, file0[idx], args.seed + SEED_STEP * (j + 1)))
    for j in range(args.subsamples):
        idx = subsample_rows(y0, test.num_classes, args.seed, j, args.sub_rows, MIN_PER_CLASS)
        if idx is None:
            raise SystemExit(f"error: no subsample of {args.sub_rows} rows keeps every class")
        plan.append(("sub", j, file0[idx], args.seed + SEED_STEP * (j + 1)))
    out = []
    for kind, j, idx, seed in plan:
        c0 = time.process_time()
        zr = inspected(zoo, e, test.subset(torch.as_tensor(idx)), cals, seed, {})
        out.append({"kind": kind, "j": j, "probability": zr["probability"],
                    "predicted_target": zr["predicted_target"], "features": zr["features"],
                    "family": zr["family"], "cpu_s": time.process_time() - c0})
    return out


def run(args: argparse.Namespace) -> None:
    cals = load_calibrators(args.calibration)
    archs = set(args.archs.split(",")) if args.archs else None
    dataset, listed = read_truth(args.zoo)
    test = load_dataset(dataset, "test")
    skip = set(args.skip.split(",")) if args.skip else set()
    entries = interleaved([e for e in listed if effective(e) and e.name not in skip
                           and (archs is None or e.arch in archs)])
    rows = []
    for e in entries:
        reads = readings_of(args.zoo, e, test, args, cals)
        rows.append({"zoo": args.zoo.name, "table": Path(dataset).name, "name": e.name,
                     "arch": e.arch, "backdoored": e.backdoored, "attack": e.attack,
                     "target": e.target, "readings": reads})
        ps = " ".join(f"{r['kind'][0]}{r['j']}:{r['probability']:.2f}" for r in reads)
        print(f"{args.zoo.name} {e.name:28s} {e.arch:8s} {ps}", flush=True)
        write_rows(args.json, vars(args) | {"zoo": str(args.zoo), "json": str(args.json),
                                            "calibration": str(args.calibration)}, rows)


def feature_probability(reads: list[dict], how: str, cals: dict) -> float:
    """p of each feature's median (``features-median``) or mean (``features-mean``) over
    ``reads``, scored by the calibrator of draw 0's family as ``tabular_user_rule.scored``
    scores (range guard, gap term): what ``tree_resamples`` reads, with other resamples."""
    from trojanscope.detect.calibration_range import guarded_probability
    from trojanscope.detect.tabular_gap_raise import raised_probability

    stat = np.median if how == "features-median" else np.mean
    feats = {k: float(stat([r["features"][k] for r in reads if k in r["features"]]))
             for k in reads[0]["features"]}
    key = f"tabular-search:{reads[0]['family']}"
    return raised_probability(key, cals, feats, guarded_probability(key, cals, feats))


def verdict(row: dict, kinds: tuple[str, ...], how: str, cals: dict | None = None) -> dict:
    """One model's row in ``tabular_small_clean``'s form with p the ``how`` (``median`` /
    ``mean`` of p, or p of the features' ``features-median`` / ``features-mean``: needs
    ``cals``) over draw 0 and the readings of ``kinds``; the target is draw 0's."""
    reads = sorted((r for r in row["readings"] if (r["kind"] == "draw" and r["j"] == 0)
                    or r["kind"] in kinds), key=lambda r: (r["kind"] != "draw", r["j"]))
    ps = [r["probability"] for r in reads]
    if how.startswith("features"):
        p = feature_probability(reads, how, cals or {})
    else:
        p = float(np.median(ps) if how == "median" else np.mean(ps))
    first = next(r for r in reads if r["kind"] == "draw" and r["j"] == 0)
    return {**row, "probability": p, "predicted_target": first["predicted_target"],
            "n": len(reads), "cpu_s": sum(r["cpu_s"] for r in reads)}


def alone(row: dict, j: int) -> dict:
    """One model's row with draw ``j``'s reading alone (its p, target and CPU s)."""
    x = next(r for r in row["readings"] if r["kind"] == "draw" and r["j"] == j)
    return {**row, "probability": x["probability"], "predicted_target": x["predicted_target"],
            "cpu_s": x["cpu_s"]}


VERDICTS = {
    "draw 0 (today's default)": ((), "median"),
    "median over draw 0 + resamples": (("boot",), "median"),
    "mean over draw 0 + resamples": (("boot",), "mean"),
    "median over draw 0 + seeds": (("seed",), "median"),
    "median over draw 0 + subsamples": (("sub",), "median"),
    "mean over draw 0 + subsamples": (("sub",), "mean"),
    "p of the features' median over draw 0 + subsamples": (("sub",), "features-median"),
    "p of the features' mean over draw 0 + subsamples": (("sub",), "features-mean"),
    "mean over the independent draws (no user has it)": (("draw",), "mean"),
}


def spreads(rows: list[dict], kind: str) -> str:
    """Per model the range (max - min) of p over draw 0 and the readings of ``kind``, and
    how many models' verdict (p >= 0.5) differs between those readings."""
    sets = [[r["probability"] for r in row["readings"]
             if r["kind"] == kind or (r["kind"] == "draw" and r["j"] == 0)]
            for row in rows]
    sets = [ps for ps in sets if len(ps) > 1]
    if not sets:
        return f"{kind}: none read"
    rng = [np.ptp(ps) for ps in sets]
    turned = sum(len({p >= 0.5 for p in ps}) > 1 for ps in sets)
    return (f"{kind}: range of p median {np.median(rng):.2f}, max {np.max(rng):.2f}, "
            f"verdict turned {turned} of {len(sets)} models")


def summary(files: list[str], calibration: Path | None = None) -> None:
    cals = load_calibrators(calibration)
    joined: dict[tuple[str, str], dict] = {}
    for f in files:  # one model's readings taken by separate runs joined
        for r in json.loads(Path(f).read_text())["rows"]:
            if "readings" not in r:  # a tabular_small_clean.py 200-row reading: its draw
                if r["size"] != SIZE:
                    continue
                r = {**r, "readings": [{"kind": "draw", "j": r["draw"], **{
                    k: r[k] for k in ("probability", "predicted_target", "features",
                                      "family", "cpu_s")}}]}
            key = (r["zoo"], r["name"])
            if key in joined:
                joined[key]["readings"] += r["readings"]
            else:
                joined[key] = {**r, "readings": list(r["readings"])}
    rows = [r for r in joined.values()
            if any(x["kind"] == "draw" and x["j"] == 0 for x in r["readings"])]
    groups = [("all", rows)]
    for table in sorted({r["table"] for r in rows}):
        part = [r for r in rows if r["table"] == table]
        groups.append((table, part))
        groups.append((f"{table} trees", [r for r in part if r["arch"] != "mlp"]))
        for arch in sorted({r["arch"] for r in part}):
            groups.append((f"{table} {arch}", [r for r in part if r["arch"] == arch]))
    for name, part in groups:
        for cls in ("clean", "backdoored"):
            sub = [r for r in part if r["backdoored"] == (cls == "backdoored")]
            print(f"{name} {cls} ({len(sub)}): " + "; ".join(
                spreads(sub, k) for k in ("draw", "seed", "boot", "sub")))
        draws = sorted({x["j"] for r in part for x in r["readings"] if x["kind"] == "draw"})
        for j in draws[1:]:  # each further independent file alone, as draw 0 is read
            if all(any(x["kind"] == "draw" and x["j"] == j for x in r["readings"]) for r in part):
                print(f"  draw {j} alone: {figures_line([alone(r, j) for r in part])}")
        for label, (kinds, how) in VERDICTS.items():
            ok = [r for r in part if not kinds
                  or any(x["kind"] in kinds and (x["kind"] != "draw" or x["j"] > 0)
                         for x in r["readings"])]
            if len(ok) == len(part) and part:
                print(f"  {label}: {figures_line([verdict(r, kinds, how, cals) for r in part])}")


def main() -> None:
    if "--summary" in sys.argv:
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--summary", nargs="+", required=True)
        ap.add_argument("--calibration", type=Path, default=None)
        args = ap.parse_args()
        summary(args.summary, args.calibration)
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--draws", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--resamples", type=int, default=2)
    ap.add_argument("--subsamples", type=int, default=0)
    ap.add_argument("--sub-rows", type=int, default=150)
    ap.add_argument("--archs", default="")
    ap.add_argument("--skip", default="", help="models already read (comma-separated)")
    ap.add_argument("--calibration", type=Path, default=None)
    ap.add_argument("--json", type=Path, required=True)
    run(ap.parse_args())


if __name__ == "__main__":
    main()
