"""Training-loop throughput: trojanscope's Trainer against a plain hand-written PyTorch loop.

Both train the same architecture from the same initial weights on the same (poisoned, lazily
triggered) MNIST data for the same epochs, batch size and optimiser; runs alternate and the
median of ``--repeats`` is reported, in images per second.

    python benchmarks/bench_engine_throughput.py [--epochs 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from trojanscope.attacks import BadNets
from trojanscope.data import load_dataset
from trojanscope.engine import Trainer, seeded
from trojanscope.models import create_model


def plain_loop(model, data, epochs: int, batch_size: int, lr: float, seed: int) -> None:
    """What a user would write by hand: shuffle, slice, forward, backward, step."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=epochs * -(-len(data) // batch_size)
    )
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(data), generator=gen)
        for i in range(0, len(data), batch_size):
            x, y = data.get_batch(order[i : i + batch_size])
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--arch", default="cnn")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/engine_throughput.json"))
    opts = parser.parse_args()
    data = BadNets(poison_rate=0.1, seed=1).poison(load_dataset("mnist", "train"))
    with seeded(0):
        base = create_model(opts.arch, data.input_shape, data.num_classes)
    images = opts.epochs * len(data)
    times: dict[str, list[float]] = {"plain": [], "trojanscope": []}
    plain_loop(
        copy.deepcopy(base), data, 1, opts.batch_size, 2e-3, seed=0
    )  # warm-up (allocator, kernels)
    for _ in range(opts.repeats):
        for which in ("plain", "trojanscope"):
            model = copy.deepcopy(base)
            start = time.perf_counter()
            if which == "plain":
                plain_loop(model, data, opts.epochs, opts.batch_size, 2e-3, seed=0)
            else:
                Trainer(epochs=opts.epochs, batch_size=opts.batch_size, lr=2e-3, seed=0).fit(
                    model, data
                )
            times[which].append(time.perf_counter() - start)
    rate = {k: images / statistics.median(v) for k, v in times.items()}
    ratio = rate["trojanscope"] / rate["plain"]
    print(
        f"arch={opts.arch} epochs={opts.epochs} batch={opts.batch_size} repeats={opts.repeats} "
        f"threads={torch.get_num_threads()}"
    )
    print("| loop | images/s (median) | runs (s) |")
    print("|---|---|---|")
    for k in ("plain", "trojanscope"):
        print(f"| {k} | {rate[k]:.0f} | {', '.join(f'{t:.2f}' for t in times[k])} |")
    print(f"\nratio trojanscope / plain = {ratio:.3f}")
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(
        json.dumps({"images_per_s": rate, "ratio": ratio, "times": times}, indent=2)
    )


if __name__ == "__main__":
    main()
