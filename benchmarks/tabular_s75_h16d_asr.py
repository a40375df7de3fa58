"""Issue 16 stop 75 (h16d), development only: does a ``tabular-subpopulation`` draw of a few
rows towards ``lending-club``'s class 0 install a backdoor at all? Per spent seed (the data-level
benchmark's draw, ``bench_tabular_detect.poisoned_set``'s attack exactly), the attack is run
through ``run_experiment`` (the one engine) with ``--arch`` (XGBoost by default) and the rows
poisoned, clean accuracy, attack success rate (ASR: the sub-population's test rows not of the
target class, triggered, sent to it) and flip rate (among those the model does not send to the
target untriggered, the share the trigger moves: towards a 95% class ASR is high with no
backdoor at all) are printed.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16d_asr.py 16912 17012 15512
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

torch.set_num_threads(1)

from trojanscope import registry  # noqa: E402
from trojanscope.experiment import run_experiment  # noqa: E402

NAME = "tabular-subpopulation"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="+")
    parser.add_argument("--arch", default="xgboost")
    parser.add_argument("--target", type=int, default=0)
    args = parser.parse_args()
    print("| seed | arch | sub-population | rows poisoned | clean accuracy | ASR | flip rate "
          "(of inputs) | cpu |")
    print("|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        c0 = time.process_time()
        params = registry.get("attack", NAME).sample_params(np.random.default_rng(seed))
        trigger = dict(params.pop("trigger"))
        attack = registry.create("attack", NAME, target=args.target, seed=seed,
                                 poison_rate=params["poison_rate"],
                                 trigger=registry.create("trigger", trigger.pop("name"),
                                                         **trigger))
        result = run_experiment("lending-club", attack=attack, arch=args.arch, seed=seed)
        m = result.metrics
        rows = int(result.poisoned.is_poisoned.sum()) if result.poisoned is not None else 0
        print(f"| {seed} | {args.arch} | {attack.where} | {rows} | "
              f"{m.get('clean_accuracy', float('nan')):.3f} | "
              f"{m.get('attack_success_rate', float('nan')):.3f} | "
              f"{m.get('flip_rate') or float('nan'):.3f} ({m.get('n_flippable')}) | "
              f"{time.process_time() - c0:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
