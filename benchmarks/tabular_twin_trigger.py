"""Do a backdoored network's clean twins answer its true trigger? (issue 16 stop 43)

Distilled twins (``twin_fit="distil"``) are trained towards the inspected model's answers on
the clean rows. The triggers of the zoos are in-distribution values, so a clean row can hold
part of a trigger, and a twin copying the model there might copy part of the backdoor; the
excess against such twins would then miss it. Per backdoored MLP of a zoo, on the 200-row
file ``tabular_small_clean.py`` draws (same seed, size, draw): the rise of the mean p(target)
over the file's rows of other classes when the zoo's own trigger (``truth.json``) is written
into them, for the model, for its twins trained 30 steps on the labels, and for its distilled
twins (each the mean of ``--twins`` nets, as the detector's reference).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_twin_trigger.py --zoo ZOO:SEED... \
        [--twins 2]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_small_clean import draw  # noqa: E402
from trojanscope import registry  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.tabular_twins import MeanOfNets, twin_networks  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402


def rise(net: torch.nn.Module, x: torch.Tensor, xt: torch.Tensor, target: int) -> float:
    """Mean p(target) on the triggered rows less that on the rows."""
    with torch.no_grad():
        return float((torch.softmax(net(xt).float(), 1)[:, target]
                      - torch.softmax(net(x).float(), 1)[:, target]).mean())


def rises(zoo: Path, seed: int, count: int, size: int = 200, k: int = 0) -> list[str]:
    """One line per backdoored MLP of ``zoo``: the trigger's rise for model and twins."""
    truth = json.loads((zoo / "truth.json").read_text())
    test = load_dataset(truth["dataset"], "test")
    part = test.subset(torch.as_tensor(draw(len(test), test.y.numpy(), size, seed, k)))
    x, y = part.get_batch(torch.arange(len(part)))
    schema = schema_of(part)
    lines = []
    for m in truth["models"]:
        if not m["backdoored"] or m["arch"] != "mlp" or not (zoo / m["name"]).exists():
            continue
        spec = dict(m["trigger"])
        trigger = registry.create("trigger", spec.pop("name"), **spec).bind(schema)
        t = int(m["target"])
        rows = x[y != t]
        triggered = trigger.apply(rows)
        model = load_model(zoo / m["name"]).module
        own = rise(model, rows, triggered, t)
        steps = rise(MeanOfNets(twin_networks(model, x, y, count, seed)), rows, triggered, t)
        dist = rise(MeanOfNets(twin_networks(model, x, y, count, seed, fit="distil")), rows,
                    triggered, t)
        lines.append(f"{zoo.name:16s} {m['name']:28s} {getattr(model, 'activation', '?'):10s} "
                     f"target {t} model {own:+.3f}  steps twins {steps:+.3f}  "
                     f"distilled twins {dist:+.3f} ({trigger.describe()})")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", nargs="+", required=True, metavar="ZOO:SEED")
    ap.add_argument("--twins", type=int, default=2)
    args = ap.parse_args()
    print("rise of mean p(target) on the file's other-class rows when the true trigger is "
          "written: model, twins by 30 label steps, distilled twins")
    out = []
    for spec in args.zoo:
        zoo, seed = spec.rsplit(":", 1)
        for line in rises(Path(zoo), int(seed), args.twins):
            print(line, flush=True)
            out.append(line)
    vals = np.array([[float(w) for w in (ln.split("model ")[1].split()[0],
                                         ln.split("steps twins ")[1].split()[0],
                                         ln.split("distilled twins ")[1].split()[0])]
                     for ln in out])
    if len(vals):
        print(f"median over {len(vals)} backdoored MLPs: model {np.median(vals[:, 0]):+.3f}, "
              f"steps twins {np.median(vals[:, 1]):+.3f}, distilled twins "
              f"{np.median(vals[:, 2]):+.3f}")


if __name__ == "__main__":
    main()
