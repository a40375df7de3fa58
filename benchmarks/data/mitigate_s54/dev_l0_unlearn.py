"""Development (issue 12, stop 54: h12, after the rule; a next step): the sparse residues'
L0 reading (``dev_l0.py``'s greedy K-pixel set towards the suspect) unlearnt on today's saved
outputs by ``free_reach``'s own loop: ``free_unlearn.unlearn_free`` with its per-batch
perturbation replaced by the fixed set (a universal shift of +1 / -1 at those pixels is, after
the clamp, the pixels stamped to 1 / 0), so the stamped copies are trained on under their true
labels with distillation towards the model on the clean images and their neighbours. Run on
every saved model given (no gate: what it would do); scored as ``dev_back.py`` (the attack read
for the figures only).

    PYTHONPATH=src:benchmarks/data/mitigate_s53:benchmarks/data/mitigate_s54 [L0_ROUNDS=R] \\
        python .../dev_l0_unlearn.py OUT.json ZOOS SAVED.pt...
"""
import json
import os
import sys
from pathlib import Path

import torch
from dev_l0 import greedy_set
from saved import each_saved, split, stages_model

import trojanscope.mitigate.free_unlearn as fu
from trojanscope.mitigate.run import measure

ROUNDS = int(os.environ.get("L0_ROUNDS", "1"))  # search and unlearn this many times


def l0_shift(model, x, y, target: int) -> torch.Tensor:
    """The universal shift (+1 / -1 at ``dev_l0``'s greedy pixels) that stamps its set."""
    mask, value = greedy_set(model, x[y != target], target)
    return (mask * (2 * value - 1)).unsqueeze(0)


def main() -> None:
    fit, held = split()
    out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
    rows = {}
    real = fu.pushed
    for path, _, saved, trig in each_saved(zoos, sys.argv[3:], held):
        s = int(saved["suspect"])
        today = measure(stages_model(zoos, path, saved), held, trig)
        m = stages_model(zoos, path, saved)
        for _ in range(ROUNDS):  # each round searches the set again on the model as it stands
            stamp = l0_shift(m, fit.x, fit.y, s)
            fu.pushed = lambda model, x, delta, suspect, stamp=stamp: stamp
            try:
                fu.unlearn_free(m, fit, s, 0)
            finally:
                fu.pushed = real
        rows[path.stem] = {"ca_before": saved["before"]["ca"], "today": today,
                           "l0_unlearnt": measure(m, held, trig)}
        r = rows[path.stem]
        print(path.stem, round(today["asr"], 4), round(today["ca"] - r["ca_before"], 4), "->",
              round(r["l0_unlearnt"]["asr"], 4), round(r["l0_unlearnt"]["ca"] - r["ca_before"], 4),
              flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
