"""What ABL's isolation pool and ``pool_check``'s references hold on poisoned MNIST (issue 12,
stop 50): ground truth read here only, never by the defence.

Poisons bundled MNIST as ``trojanscope attack`` does (same seed, target, mapping, rate), runs
ABL's first stage (the data-level detector) and ``pool_check``'s reference (trained on the
samples outside the pool), and counts real poison / clean samples in the pool, among the pooled
samples the reference agrees with (left out) and disagrees with (unlearnt), and the poison the
detector missed (trained on normally) with how many of those the reference reads as their
given label. Prints one JSON object.

    python benchmarks/abl_pool_check_diag_s50.py --seed 46 --target 8 --attack badnets \\
        --mapping all-to-all [--poison-rate 0.1]
"""

from __future__ import annotations

import argparse
import json

import torch

from trojanscope import registry
from trojanscope.data.resolve import load_dataset
from trojanscope.defences.abl import detector_isolation, reference_agrees
from trojanscope.engine.train import Trainer, seeded
from trojanscope.models import create_model


def split(mask: torch.Tensor, poison: torch.Tensor) -> dict[str, int]:
    """``mask``'s samples as real poison / clean counts."""
    return {"poison": int((mask & poison).sum()), "clean": int((mask & ~poison).sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--target", type=int, default=0)
    parser.add_argument("--attack", default="badnets")
    parser.add_argument("--mapping", default="all-to-all")
    parser.add_argument("--poison-rate", type=float, default=0.1)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    attack = registry.create("attack", opts.attack, target=opts.target, mapping=opts.mapping,
                             seed=opts.seed, poison_rate=opts.poison_rate)
    data = attack.poison(load_dataset("mnist", split="train"))
    n = len(data)
    poison = torch.zeros(n, dtype=torch.bool)
    poison[torch.as_tensor(data.poison_indices, dtype=torch.long)] = True

    def build(model_seed: int) -> torch.nn.Module:
        with seeded(model_seed):
            return create_model("cnn", data.input_shape, data.num_classes)

    pool = detector_isolation(data, opts.seed)
    in_pool = torch.zeros(n, dtype=torch.bool)
    in_pool[pool] = True
    missed = torch.nonzero(poison & ~in_pool).flatten()
    agreed_both = reference_agrees(build, data, Trainer(seed=opts.seed), pool,
                                   judged=torch.cat([pool, missed]))
    agreed = agreed_both[: len(pool)]
    agreed_mask = torch.zeros(n, dtype=torch.bool)
    agreed_mask[pool[agreed]] = True
    print(json.dumps({
        "seed": opts.seed, "attack": opts.attack, "mapping": opts.mapping,
        "poison_rate": opts.poison_rate, "poison": int(poison.sum()),
        "pool": split(in_pool, poison),
        "pool_agreed_left_out": split(agreed_mask, poison),
        "pool_unlearnt": split(in_pool & ~agreed_mask, poison),
        "missed_poison_trained_on": len(missed),
        "missed_poison_read_as_given_label": int(agreed_both[len(pool):].sum()),
    }, indent=1))


if __name__ == "__main__":
    main()
