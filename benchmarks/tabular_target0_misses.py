"""Why credit-default tree backdoors towards class 0 are missed (issue 16, stop 35; development
rows only).

For one table x library x target: each backdoor's probability under a calibration file (the
packed ``zoo eval`` rows rescored, as ``bench_tabular_target0.py --rule``), what its zoo
recorded (poison rate, trigger size, ASR), its flip rate and excess over the clean models of
its zoo (``tabular_excess_flips.py --json``) and the calibrator's leading features; then the
medians of the caught (p >= 0.5) and the missed, and each figure's rank correlation with p.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_target0_misses.py --rows ROWS... \
        --excess EXCESS.json --zoos ZOO... [--arch xgboost] [--target 0]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

from bench_tabular_detect import rescored
from trojanscope.data import load_dataset
from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.calibration import load_calibrators
from trojanscope.zoo import build_attack, read_truth

FEATURES = ("tab_box", "tab_mass_group", "tab_major_box_over", "tab_major_recur_lead")


def footprint(entry, train) -> dict:
    """Training rows that already hold every value of the trigger (``natural``) against the
    poison rows the attack adds (``poison``): a trigger common in clean rows puts its poison
    in leaves that clean rows reach too."""
    attack = build_attack(entry)
    trig = attack.trigger.bind(schema_of(train))
    x, _ = train.get_batch(torch.arange(len(train)))
    natural = int((trig.apply(x) == x).all(1).sum())
    poison = int(attack.poison(train).is_poisoned.sum())
    return {"natural": natural, "poison": poison, "poison_share": poison / (poison + natural)}


def clean_features(args: argparse.Namespace) -> dict[str, list[float]]:
    """The same features on the family's clean models (the rows of the same zoos)."""
    out: dict[str, list[float]] = {k: [] for k in FEATURES}
    for f in args.rows:
        with open(f) as fh:
            d = json.load(fh)
        if d["dataset"] != args.table or Path(d["zoo"]).name not in {
            Path(z).name for z in args.zoos
        }:
            continue
        for r in d["rows"]:
            if not r["backdoored"] and r["arch"] == args.arch:
                for k in FEATURES:
                    out[k].append(r["features"].get(k, float("nan")))
    return out


def figures(args: argparse.Namespace) -> list[dict]:
    cals = load_calibrators(args.calibration)
    with open(args.excess) as fh:
        excess = {(r["zoo"], r["name"]): r for r in json.load(fh)}
    train = load_dataset(args.table, "train")
    truths = {}
    for z in args.zoos:
        _, entries = read_truth(z)
        truths[Path(z).name] = {e.name: e for e in entries}
    out = []
    for f in args.rows:
        with open(f) as fh:
            d = json.load(fh)
        zoo = Path(d["zoo"]).name
        if d["dataset"] != args.table or zoo not in truths:
            continue
        for r in d["rows"]:
            if not (r["backdoored"] and r["arch"] == args.arch and r["target"] == args.target):
                continue
            e, x = truths[zoo][r["name"]], excess[(zoo, r["name"])]
            out.append(
                {
                    "model": f"{zoo}/{r['name']}",
                    "p": rescored(r, cals),
                    "poison_rate": e.poison_rate,
                    "trigger_values": e.trigger.get("count", 1),
                    "asr": x["asr"],
                    "flip_rate": x["flip_rate"],
                    "excess": x["excess_flip_rate"],
                    "clean_flip": x["clean_flip_rate"],
                    "depth": e.arch_params.get("max_depth"),
                    **footprint(e, train),
                    **{k: r["features"].get(k, float("nan")) for k in FEATURES},
                }
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--excess", required=True)
    ap.add_argument("--zoos", nargs="+", required=True)
    ap.add_argument("--table", default="credit-default")
    ap.add_argument("--arch", default="xgboost")
    ap.add_argument("--target", type=int, default=0)
    ap.add_argument("--calibration", default="src/trojanscope/detect/calibration.json")
    args = ap.parse_args()
    out = sorted(figures(args), key=lambda r: r["p"])
    keys = [
        "poison_rate",
        "poison",
        "natural",
        "poison_share",
        "trigger_values",
        "asr",
        "flip_rate",
        "clean_flip",
        "excess",
        "depth",
        *FEATURES,
    ]
    caught = [r for r in out if r["p"] >= 0.5]
    missed = [r for r in out if r["p"] < 0.5]
    print(
        f"{args.table} {args.arch} target {args.target}: {len(out)} backdoors, "
        f"{len(caught)} caught, {len(missed)} missed"
    )
    print("| figure | missed: median | caught: median | Spearman with p (p-value) |")
    print("|---|---|---|---|")
    p = [r["p"] for r in out]
    for k in keys:
        v = [r[k] for r in out]
        rho = spearmanr(p, v)
        print(
            f"| {k} | {np.median([r[k] for r in missed]):.3f} | "
            f"{np.median([r[k] for r in caught]):.3f} | {rho.statistic:+.2f} "
            f"({rho.pvalue:.3f}) |"
        )
    clean = clean_features(args)
    print(
        f"\nthe family's {len(clean[FEATURES[0]])} clean models: "
        + ", ".join(
            f"{k} median {np.nanmedian(v):.3f} (90th {np.nanpercentile(v, 90):.3f})"
            for k, v in clean.items()
        )
    )
    for n in sorted({r["trigger_values"] for r in out}):
        rs = [r for r in out if r["trigger_values"] == n]
        print(f"trigger of {n} value(s): {sum(r['p'] >= 0.5 for r in rs)}/{len(rs)} caught")
    for r in out:
        print(
            f"{r['p']:.2f} {r['model']} rate {r['poison_rate']:.3f} values "
            f"{r['trigger_values']} ASR {r['asr']:.2f} flip {r['flip_rate']:.2f} excess "
            f"{r['excess']:.2f} poison {r['poison']} natural {r['natural']} box "
            f"{r['tab_box']:.2f} group {r['tab_mass_group']:.2f}"
        )


if __name__ == "__main__":
    main()
