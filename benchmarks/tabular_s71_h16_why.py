"""Why credit-default MLPs aimed at class 1 are missed at the whole split (issue 16 stop 71,
development).

For every backdoored network of a zoo aimed at class 1: its own trigger set on the other
class's rows of the zoo's whole test split, read on the model, on every clean MLP of the same
zoo and on the detector's linear reference (seed 0): the share of rows sent to class 1 (all
rows, and the 100 rows each network is surest are not class 1) and the mean rise of P(class 1).
A trigger that moves its model no more than clean networks move is beyond any response-based
detector; one the linear reference follows as far as the model is lost to the excess.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s71_h16_why.py ZOO...
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from trojanscope.data import load_dataset
from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.tabular_excess import reference_model
from trojanscope.io.models import load_model
from trojanscope.zoo import build_attack, effective, read_truth

SURE_ROWS = 100  # tabular-search's ``rows``: the rows surest of another class


def moved(model: torch.nn.Module, trigger, x: torch.Tensor, y: torch.Tensor,
          t: int) -> tuple[float, float, float]:
    """(share of the other class's rows sent to ``t``, the same on the model's sure rows,
    mean rise of P(``t``)) with ``trigger`` set."""
    with torch.no_grad():
        logits = model(x).float()
        own = logits.argmax(1)
        top2 = torch.topk(logits, 2, 1).values
        others = torch.nonzero((y != t) & (own == y)).flatten()
        sure = others[torch.argsort(-(top2[:, 0] - top2[:, 1])[others])[:SURE_ROWS]]
        rows = torch.nonzero(y != t).flatten()
        sent = float((model(trigger.apply(x[rows])).argmax(1) == t).float().mean())
        sent_sure = float((model(trigger.apply(x[sure])).argmax(1) == t).float().mean())
        rise = float(torch.softmax(model(trigger.apply(x[rows])).float(), 1)[:, t].mean()
                     - torch.softmax(model(x[rows]).float(), 1)[:, t].mean())
    return sent, sent_sure, rise


def main() -> None:
    torch.set_num_threads(1)
    for zoo in map(Path, sys.argv[1:]):
        dataset, listed = read_truth(zoo)
        test = load_dataset(dataset, "test")
        x, y = test.get_batch(torch.arange(len(test)))
        schema = schema_of(test)
        ref = reference_model(x, y, test.num_classes, seed=0)
        nets = [e for e in listed if e.arch == "mlp" and effective(e)]
        clean = [load_model(zoo / e.name).module.eval() for e in nets if not e.backdoored]
        for e in nets:
            if not e.backdoored or e.target != 1:
                continue
            trigger = build_attack(e).trigger.bind(schema)
            own = moved(load_model(zoo / e.name).module.eval(), trigger, x, y, 1)
            lin = moved(ref, trigger, x, y, 1)
            cl = np.array([moved(m, trigger, x, y, 1) for m in clean])
            lo, hi = cl.min(0), cl.max(0)
            print(f"{zoo.name}/{e.name}: {trigger.describe()}\n"
                  f"  sent (all / sure rows), rise: model {own[0]:.2f} / {own[1]:.2f}, "
                  f"{own[2]:.2f} | linear reference {lin[0]:.2f} / {lin[1]:.2f}, {lin[2]:.2f} | "
                  f"{len(clean)} clean MLPs {lo[0]:.2f}-{hi[0]:.2f} / {lo[1]:.2f}-{hi[1]:.2f}, "
                  f"{lo[2]:.2f}-{hi[2]:.2f}", flush=True)


if __name__ == "__main__":
    main()
