"""Data-level detection of text poison on rt-polarity: TPR, FPR and ROC-AUC per attack.

For every seed and attack, the attack's parameters are drawn as for the text zoos (``badnl``:
1-3 rare words, 5-15% poison; ``addsent``: one of four sentences, 5-15%; ``syntactic``: the
opening clauses, 15-25%), target 1, and the training split is poisoned; a row without poison
(``clean``) measures false flags on clean data. ``text-ngrams`` reads the sentences; the
feature-model methods (``--feature-methods``) read a TextCNN trained on the poisoned sentences
(3 epochs, as ``detect-data`` does). Ground truth scores the result only.

Calibration seeds (``--cal-seeds``) are reported apart from the evaluation seeds: the shipped
``text-ngrams`` threshold was chosen on the calibration seeds' scores (their largest clean and
smallest poison score are printed).

    python benchmarks/bench_text_detect_data.py --cal-seeds 1 2 --eval-seeds 3 4 5 6 \
        [--feature-methods auto spectral] [--json benchmarks/out/text_detect_data.json]
    python benchmarks/bench_text_detect_data.py --tables-from benchmarks/out/text_detect_data.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.detect.data.run import detect_data, features_for
from trojanscope.zoo import ZooEntry, build_attack

ATTACKS = ("badnl", "addsent", "syntactic")


def poisoned(train, attack: str | None, seed: int):
    """The poisoned training set, its poison mask and the drawn parameters."""
    if attack is None:
        return train, np.zeros(len(train), dtype=bool), {}
    params = dict(registry.get("attack", attack).sample_params(np.random.default_rng(seed)))
    entry = ZooEntry(f"{attack}-{seed}", "textcnn", seed, True, attack, target=1,
                     poison_rate=params.pop("poison_rate"), trigger=params.pop("trigger"),
                     attack_params=params)
    data = build_attack(entry).poison(train)
    return data.data, data.is_poisoned.numpy(), {"poison_rate": round(entry.poison_rate, 4),
                                                 "trigger": entry.trigger}


def row_of(result, mask: np.ndarray, method: str, attack: str, seed: int, params: dict,
           group: str) -> dict:
    t = result.truth
    return {"group": group, "attack": attack, "seed": seed, "method": method, **params,
            "poison": t.poison_total, "flagged": len(result.flagged),
            "tpr": None if t.poison_total == 0 else round(t.recall, 4), "fpr": round(t.fpr, 4),
            "precision": round(t.precision, 4),
            "roc_auc": None if np.isnan(t.roc_auc) else round(t.roc_auc, 4),
            "seconds": round(result.elapsed_s, 2),
            "min_poison_score": None if t.poison_total == 0 else
            float(np.min(result.suspicion[mask])),
            "max_clean_score": float(np.max(result.suspicion[~mask]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cal-seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--eval-seeds", type=int, nargs="*", default=[3, 4, 5, 6])
    parser.add_argument("--attacks", nargs="+", default=list(ATTACKS))
    parser.add_argument("--feature-methods", nargs="*", default=[])
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/text_detect_data.json"))
    parser.add_argument("--tables-from", type=Path, default=None,
                        help="print the tables of an earlier run's JSON and stop")
    opts = parser.parse_args()
    if opts.tables_from is not None:
        print_tables(json.loads(opts.tables_from.read_text())["rows"])
        return
    train = load_dataset("rt-polarity", "train")
    rows: list[dict] = []
    seeds = [("cal", s) for s in opts.cal_seeds] + [("eval", s) for s in opts.eval_seeds]
    for group, seed in seeds:
        for attack in [*opts.attacks, None]:
            data, mask, params = poisoned(train, attack, seed)
            name = attack or "clean"
            result = detect_data(data, method="text-ngrams", seed=seed, poison=mask)
            rows.append(row_of(result, mask, "text-ngrams", name, seed, params, group))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
            if opts.feature_methods and group == "eval":
                t0 = time.perf_counter()
                feats = features_for(data, seed=seed)
                train_s = time.perf_counter() - t0
                for method in opts.feature_methods:
                    detector = registry.create("data-detector", method)  # an instance: the
                    result = detect_data(data, method=detector, seed=seed,  # feature-model auto
                                         poison=mask, features=feats)
                    result.elapsed_s += train_s
                    rows.append(row_of(result, mask, method, name, seed, params, group))
                    print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print_tables(rows)
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(),
                                     "args": {k: str(v) for k, v in vars(opts).items()},
                                     "rows": rows}, indent=2) + "\n")


def print_tables(rows: list[dict]) -> None:
    cal = [r for r in rows if r["group"] == "cal"]
    if cal:
        clean_sets = max(r["max_clean_score"] for r in cal if r["attack"] == "clean")
        clean_max = max(r["max_clean_score"] for r in cal)
        poison_min = min(r["min_poison_score"] for r in cal if r["min_poison_score"] is not None)
        print(f"calibration seeds, text-ngrams: largest score in the clean sets {clean_sets:.2f} "
              f"(of any clean sentence, in poisoned sets too: {clean_max:.2f}, those holding the "
              f"trigger's words), smallest poison score {poison_min:.2f}\n")
    print("| method | attack | sets | poison rate | TPR (min / mean) | FPR (max / mean) | "
          "ROC-AUC (min) | s per set (median) |")
    print("|---|---|---|---|---|---|---|---|")
    keys = sorted({(r["method"], r["attack"]) for r in rows if r["group"] == "eval"},
                  key=lambda k: (k[0] != "text-ngrams", k[0], k[1] == "clean", k[1]))
    for method, attack in keys:
        sel = [r for r in rows if r["group"] == "eval" and (r["method"], r["attack"]) == (
            method, attack)]
        rates = [r.get("poison_rate") for r in sel if r.get("poison_rate") is not None]
        rate = f"{min(rates):.1%}–{max(rates):.1%}" if rates else "0"
        tprs = [r["tpr"] for r in sel if r["tpr"] is not None]
        tpr = f"{min(tprs):.3f} / {statistics.mean(tprs):.3f}" if tprs else "–"
        fprs = [r["fpr"] for r in sel]
        aucs = [r["roc_auc"] for r in sel if r["roc_auc"] is not None]
        print(f"| {method} | {attack} | {len(sel)} | {rate} | {tpr} | "
              f"{max(fprs):.4f} / {statistics.mean(fprs):.4f} | "
              f"{f'{min(aucs):.4f}' if aucs else '–'} | "
              f"{statistics.median(r['seconds'] for r in sel):.1f} |")


if __name__ == "__main__":
    main()
