"""How a network's clean twins answer a 200-row file beside the network itself (issue 16 stop 43).

Every clean credit-default MLP of the fresh zoo ``tab-fresh25`` was flagged at 200 rows
(stop 42): its excess against its twins was as high as the backdoors'. This script shows why,
per MLP of a zoo, on the file ``tabular_small_clean.py`` draws (same seed, size, draw): the
spread (standard deviation over the rows) of the model's probability of class 1, and of
each twin's, trained the default way (``twin_fit="steps"``: 30 steps on the labels) and
distilled (``"distil"``: towards the model's own answers on the rows), with the distilled
twins' mean absolute difference from the model. A twin whose spread is near 0 answers a
constant: the model's excess against it is its whole response.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_twin_spread.py \
        --zoo ZOO:SEED [ZOO:SEED ...] [--twins 2] [--size 200] [--draw 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_small_clean import draw  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.detect.tabular_twins import twin_networks  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.zoo import effective, read_truth  # noqa: E402


def _p1(net: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.softmax(net(x).float(), 1)[:, 1]


def spreads(zoo: Path, seed: int, count: int, size: int, k: int) -> list[str]:
    """One line per effective MLP of ``zoo``: activation, truth, the model's spread of p, the
    label-trained twins' and the distilled twins' (and their distance from the model)."""
    dataset, listed = read_truth(zoo)
    test = load_dataset(dataset, "test")
    part = test.subset(torch.as_tensor(draw(len(test), test.y.numpy(), size, seed, k)))
    x, y = part.get_batch(torch.arange(len(part)))
    lines = []
    for e in listed:
        if not effective(e) or e.arch != "mlp":
            continue
        model = load_model(zoo / e.name).module
        own = _p1(model, x)
        steps = [_p1(t, x) for t in twin_networks(model, x, y, count, seed)]
        dist = [_p1(t, x) for t in twin_networks(model, x, y, count, seed, fit="distil")]
        act = getattr(model, "activation", "?")
        truth = "backdoored" if e.backdoored else "clean"
        lines.append(
            f"{zoo.name:16s} {e.name:28s} {act:10s} {truth:10s} "
            f"model {own.std():.3f}  steps {np.mean([float(p.std()) for p in steps]):.3f}"
            f" (|dp| {np.mean([float((p - own).abs().mean()) for p in steps]):.3f})"
            f"  distil {np.mean([float(p.std()) for p in dist]):.3f}"
            f" (|dp| {np.mean([float((p - own).abs().mean()) for p in dist]):.3f})")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", nargs="+", required=True, metavar="ZOO:SEED")
    ap.add_argument("--twins", type=int, default=2)
    ap.add_argument("--size", type=int, default=200)
    ap.add_argument("--draw", type=int, default=0)
    args = ap.parse_args()
    print("spread (sd over the file's rows) of p(class 1): model, twins by 30 label steps, "
          "distilled twins; |dp|: mean distance from the model")
    for spec in args.zoo:
        zoo, seed = spec.rsplit(":", 1)
        for line in spreads(Path(zoo), int(seed), args.twins, args.size, args.draw):
            print(line, flush=True)


if __name__ == "__main__":
    main()
