"""Issue 12, stop 73 (h12a; development trial, spent seeds only, decides nothing): `mixed_last`
judged on images its fit does not use.

Runs ``benchmarks/mitigate_acc_s72_read.py`` (same arguments) with ``mixed_last``'s fit replaced:
a quarter of the method's clean images (seeded) is held back, the fit runs on a copy of the
output with the other three quarters, and the fitted copy is kept only where its accuracy on the
held quarter is not below the output's (one image: 0.02); otherwise the output comes back as it
was. Nothing reads the attacker's trigger. Prints one ``held:`` line per fit (before, after,
kept) before the reader's model line.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s73_h12a/try_mixed_held.py \
        OUT.jsonl ZOO:N --only NAME,...
"""

import copy
import runpy
import sys
from dataclasses import replace
from pathlib import Path

import torch

from trojanscope.engine.metrics import accuracy
from trojanscope.mitigate import mixed_last

fit_mixed = mixed_last.fit_mixed
HELD_SEED = 7373


def held_fit(model, came, clean, suspect, seed, epochs):
    order = torch.randperm(len(clean), generator=torch.Generator().manual_seed(seed + HELD_SEED))
    k = len(clean) // 4
    held, rest = order[:k], order[k:]
    part = replace(clean, x=clean.x[rest], y=clean.y[rest])
    hx, hy = clean.x[held], clean.y[held]
    before = accuracy(model.eval(), hx, hy)
    fitted = copy.deepcopy(model)
    fit_mixed(fitted, came, part, suspect, seed, epochs)
    after = accuracy(fitted.eval(), hx, hy)
    kept = after >= before - 1e-9
    if kept:
        model.load_state_dict(fitted.state_dict())
    print(f"held: before {before:.3f} after {after:.3f} kept {kept}", flush=True)


mixed_last.fit_mixed = held_fit
reader = Path(__file__).resolve().parents[2] / "mitigate_acc_s72_read.py"
sys.argv = [str(reader), *sys.argv[1:]]
runpy.run_path(str(reader), run_name="__main__")
