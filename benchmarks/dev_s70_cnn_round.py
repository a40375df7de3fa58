"""Where a second-stage round's CPU goes on a CNN, beside what each round buys (issue 12,
stop 70: h12c).

``dev_s68_cnn_stop.py``'s run (one `gated` run per model under light spies: CPU per part, the
scored CA / ASR after the first stage and after each round, the stage's own readings) with the
parts *inside* the rounds' training clocked too: the stamped copies, the universal
perturbations' signed-gradient steps (``adv_steps`` per batch), the universal warps' steps, the
teacher's distillation term and the validation guard's reading after each epoch; what is left of
"stage rounds (fine-tuning)" is the student's own forward, backward and step. So one run says
which cut of the rounds' own cost (fewer epochs per round, fewer perturbation steps) could take
the most off a treated CNN. The spies add no computation: they only read the clock.

    PYTHONPATH=src:benchmarks python benchmarks/dev_s70_cnn_round.py ZOO OUT.json M1[,M2] [k=v,...]

A bad argument ends in one ``error:`` line and exit 2 before any model is read (the checks are
``dev_s67_cnn_rounds.py``'s).
"""

from __future__ import annotations

from typing import Any

import dev_s67_cnn_rounds as base
import dev_s68_cnn_stop
from _common import run_main
from trojanscope.mitigate import adaptive
from trojanscope.mitigate.guard import Guard

# (owner, attribute, part name): the calls inside a round that are clocked
PARTS = ((adaptive.Unlearning, "_stamped", "stamped copies"),
         (adaptive.Unlearning, "_perturbed", "perturbation steps"),
         (adaptive.Unlearning, "_warped", "warp steps"),
         (adaptive, "distillation", "teacher's distillation"),
         (Guard, "on_epoch_end", "guard's reading"))


def main(argv: list[str] | None = None) -> None:
    """``dev_s68_cnn_stop.main`` with ``round_parts_cpu_s`` added to each row."""
    clock = base.Clock()
    one = base.run_one
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in PARTS]

    def run_one(*a: Any, **k: Any) -> dict:
        clock.parts.clear()
        row = one(*a, **k)
        row["round_parts_cpu_s"] = {n: round(v, 1) for n, v in clock.parts.items()}
        return row

    for (owner, attr, fn), (_, _, name) in zip(saved, PARTS, strict=True):
        setattr(owner, attr, clock.wrap(name, fn))
    base.run_one = run_one
    try:
        dev_s68_cnn_stop.main(argv)
    finally:
        base.run_one = one
        for owner, attr, fn in saved:
            setattr(owner, attr, fn)


if __name__ == "__main__":
    run_main(main)
