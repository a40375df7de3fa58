"""Per-class clean accuracy of run folders on bundled MNIST's test split (issue 12, stop 49).

Shows where a run's CA goes: SIG's clean-label attack puts its sinusoid on every training
image of the target class, and its CA loss against clean training is read per class here.

    python benchmarks/abl_per_class_s49.py RUN [RUN ...]
"""

from __future__ import annotations

import argparse

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import predict
from trojanscope.io.models import load_model


def per_class_accuracy(run: str) -> list[float]:
    """Accuracy of ``run``'s model on each class of bundled MNIST's test split."""
    test = load_dataset("mnist", split="test")
    x, y = test.get_batch(torch.arange(len(test)))
    pred = predict(load_model(run).module, x).argmax(1)
    return [float((pred[y == c] == c).float().mean()) for c in range(test.num_classes)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    opts = parser.parse_args()
    torch.set_num_threads(1)
    print("| run | " + " | ".join(f"class {c}" for c in range(10)) + " |")
    print("|---|" + "---|" * 10)
    for run in opts.runs:
        print(f"| {run} | " + " | ".join(f"{a:.1%}" for a in per_class_accuracy(run)) + " |")


if __name__ == "__main__":
    main()
