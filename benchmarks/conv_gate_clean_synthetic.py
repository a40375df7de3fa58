"""What `gated:conv_gate=R` reads on a clean CNN of another data kind than MNIST: the test
suite's width-8 CNN on the synthetic 16x16 set (``tests/conftest.py``'s recipe, seed 0).

Why (issue 12, stop 67, the lead): h12c's rule for ``conv_gate=0.8`` was met on fresh MNIST zoo
2483, whose one clean CNN the probe left closed; before making it the default the lead read the
probe on this clean model, which it opens. Prints the gate's note and the action.

    PYTHONPATH=src:benchmarks python benchmarks/conv_gate_clean_synthetic.py [--value 0.8]
"""

from __future__ import annotations

import argparse
import json

import torch

from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.engine import Trainer
from trojanscope.experiment import run_experiment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--value", type=float, default=0.8, help="conv_gate's bar")
    args = parser.parse_args()
    torch.set_num_threads(1)
    train, test = load_dataset("synthetic", "train"), load_dataset("synthetic", "test")
    run = run_experiment("synthetic", attack=None, arch="cnn", arch_params={"width": 8},
                         trainer=Trainer(epochs=8, batch_size=32, lr=3e-3), seed=0,
                         train_split=train, test_split=test)
    method = registry.create("mitigation", "gated", gate=0.5, then="finetune",
                             conv_gate=args.value)
    method.apply(run.model, test)
    print("clean CA", round(float(run.metrics["clean_accuracy"]), 4))
    print("conv_gate", json.dumps(method.report_.get("conv_gate")))
    print("action", method.report_.get("action"))


if __name__ == "__main__":
    main()
