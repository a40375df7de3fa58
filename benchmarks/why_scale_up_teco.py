"""Why SCALE-UP and TeCo stay near chance on trojanscope's MNIST models: what each method's
premise looks like on these models, measured.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/why_scale_up_teco.py RUN [RUN ...]

SCALE-UP assumes that amplifying pixel values (x * s, clipped to [0, 1]) changes a clean input's
prediction but not a triggered one's. Printed per model: the share of MNIST pixels strictly
between 0.05 and 0.95 (the only ones amplification can change), and the share of clean and of
triggered inputs (where the backdoor fires) whose prediction survives each factor.

TeCo assumes that a clean input's prediction breaks at similar severities across corruption types
and a triggered one's at very different ones. Printed per model: the mean first-break severity
(1-5, 6 = never) per corruption for clean and triggered inputs, and the mean of the score (the
spread across corruptions) for each.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.input_level.corruptions import CORRUPTIONS, SEVERITIES, corrupt
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.detect.input_level.scale_up import ScaleUp
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec


def first_breaks(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """N x corruptions: the first severity (1-5) at which the prediction changes, 6 if never."""
    pred = model(x).argmax(1)
    gen = torch.Generator().manual_seed(0)
    cols = []
    for name in CORRUPTIONS:
        noise = torch.randn(tuple(x.shape[1:]), generator=gen)
        first = torch.full((len(x),), SEVERITIES + 1.0)
        for s in range(SEVERITIES):
            flipped = model(corrupt(name, x, s, noise)).argmax(1) != pred
            first = torch.where(flipped & (first > SEVERITIES), torch.tensor(s + 1.0), first)
        cols.append(first)
    return torch.stack(cols, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path, nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(1)
    test = load_dataset("mnist", "test")
    mid = float(((test.x > 0.05) & (test.x < 0.95)).float().mean())
    ink = float((test.x > 0.05).float().mean())
    print(f"MNIST test pixels strictly in (0.05, 0.95): {mid:.3f} of all, "
          f"{mid / ink:.3f} of the non-background ones")
    scales = ScaleUp().scales
    print("\n| model | inputs | " + " | ".join(f"kept at x{s:g}" for s in scales) + " |")
    print("|---|---|" + "---:|" * len(scales))
    teco_rows = []
    for run in args.runs:
        loaded = load_model(run)
        model = loaded.module.eval()
        attack = attack_from_spec(loaded.manifest.attack)
        with torch.no_grad():
            _, neg_x, trig_x, fires = triggered_split(model, test, attack,
                                                      torch.Generator().manual_seed(0))
            for what, x in (("clean", neg_x), ("triggered", trig_x[fires])):
                pred = model(x).argmax(1)
                kept = [float((model((x * s).clamp(0, 1)).argmax(1) == pred).float().mean())
                        for s in scales]
                print(f"| {run.name} | {what} | " + " | ".join(f"{k:.3f}" for k in kept) + " |")
                breaks = first_breaks(model, x)
                teco_rows.append((run.name, what, breaks.mean(0), float(breaks.std(1).mean())))
    print("\n| model | inputs | " + " | ".join(CORRUPTIONS) + " | TeCo score (spread) |")
    print("|---|---|" + "---:|" * (len(CORRUPTIONS) + 1))
    for name, what, means, spread in teco_rows:
        print(f"| {name} | {what} | " + " | ".join(f"{m:.2f}" for m in means.tolist())
              + f" | {spread:.2f} |")


if __name__ == "__main__":
    main()
