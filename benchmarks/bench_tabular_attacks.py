"""Tabular backdoors (issue 16): ASR at about 1% poison and the clean-model cost, for the MLP,
XGBoost and LightGBM on the bundled credit sets.

For each data set and architecture: a clean model (seed 0) gives the reference clean accuracy
(CA) and clean ROC-AUC; then each attack is trained with the same seed and reported with its
poison count and that count's share of the *training set* (the attack's ``poison_rate`` is a
share of the eligible rows, here the non-target rows). The poison rates are chosen so that the
poison is at most 1% of the training rows. ``credit-default`` (3,563 training rows, 1,003
"bad"): target 0 ("good": the backdoor approves), 3.5% of the bad rows is 35 rows.
``lending-club`` (7,886 rows, 95% "good"): a model predicts "good" for nearly every row, so an
approval backdoor would show ASR 1.0 with no backdoor at all; the target there is 1 ("bad":
the backdoor rejects), 1.06% of the 7,472 good rows is 79 rows. ``clean ASR`` is the clean
model's share of triggered test rows already given the target (the floor ASR is measured
against).

With ``--seeds`` each model seed gets its own clean model and attacks (the attack's own seed,
which draws the trigger and the poisoned rows, stays 0), and ``--arch-param KEY=VALUE`` is
passed to every architecture that takes it (e.g. ``subsample=0.8 colsample=0.8``: trees grown
on row and column samples drawn with the model seed, issue 16 stop 33c).

    PYTHONPATH=src python benchmarks/bench_tabular_attacks.py [--json benchmarks/out/tab.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time

import torch

torch.set_num_threads(1)

from trojanscope import registry  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.engine.metrics import evaluate_attack  # noqa: E402
from trojanscope.experiment import run_experiment  # noqa: E402

RATES = {"credit-default": 0.035, "lending-club": 0.0106}
TARGETS = {"credit-default": 0, "lending-club": 1}
ARCHS = ("mlp", "xgboost", "lightgbm")
ATTACKS = ("tabular-badnets", "tabular-rare", "tabular-ends-with", "tabular-clean-label",
           "tabular-subpopulation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(RATES))
    parser.add_argument("--archs", default=",".join(ARCHS))
    parser.add_argument("--attacks", default=",".join(ATTACKS))
    parser.add_argument("--json", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="model seeds")
    parser.add_argument("--arch-param", action="append", default=[], metavar="KEY=VALUE",
                        help="a parameter of the tree architectures (repeatable)")
    args = parser.parse_args()
    params = {k: float(v) for k, v in (p.split("=", 1) for p in args.arch_param)}
    rows = []
    print("| data | arch | attack | poison rows (share of train) | CA | clean AUC | ASR | "
          "clean ASR | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ds in args.datasets.split(","):
        train, test = load_dataset(ds, "train"), load_dataset(ds, "test")
        for arch, seed in itertools.product(args.archs.split(","), args.seeds):
            arch_params = params if arch != "mlp" else {}
            tag = f"{arch} s{seed}" if args.seeds != [0] else arch
            t0 = time.perf_counter()
            clean = run_experiment(ds, arch=arch, arch_params=arch_params, seed=seed,
                                   train_split=train, test_split=test)
            row = {"dataset": ds, "arch": arch, "seed": seed, "arch_params": arch_params,
                   "attack": None, "poison": 0, **clean.metrics,
                   "time_s": time.perf_counter() - t0}
            rows.append(row)
            print(f"| {ds} | {tag} | (clean) | 0 | {row['clean_accuracy']:.3f} | "
                  f"{row['clean_auc']:.3f} | – | – | {row['time_s']:.1f} s |", flush=True)
            for name in args.attacks.split(","):
                rate = RATES[ds] if name != "tabular-clean-label" else 0.1
                attack = registry.create("attack", name, target=TARGETS[ds], poison_rate=rate,
                                         seed=0)
                t0 = time.perf_counter()
                result = run_experiment(ds, attack=attack, arch=arch, arch_params=arch_params,
                                        seed=seed, train_split=train, test_split=test)
                n = len(result.poisoned.poison_indices)
                row = {"dataset": ds, "arch": arch, "seed": seed, "arch_params": arch_params,
                       "attack": name, "poison": n, "poison_share": n / len(train),
                       "trigger": attack.trigger.describe(), **result.metrics,
                       "time_s": time.perf_counter() - t0}
                floor = evaluate_attack(clean.model, test, attack)
                row["clean_model_asr"] = floor.attack_success_rate
                rows.append(row)
                print(f"| {ds} | {tag} | {name} | {n} ({n / len(train):.2%}) | "
                      f"{row['clean_accuracy']:.3f} | {row['clean_auc']:.3f} | "
                      f"{row['attack_success_rate']:.3f} | {row['clean_model_asr']:.3f} | "
                      f"{row['time_s']:.1f} s |", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
