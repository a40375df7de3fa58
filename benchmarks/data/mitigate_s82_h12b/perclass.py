"""Issue 12, stop 82 (h12b; development, spent zoos only): per-class accuracy of a zoo model
before and after today's `gated` on the benchmark's 800 held-out images (where a miss's
accuracy goes), and how many non-target images each sends to the attacker's target.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s82_h12b/perclass.py \
        UNUSED.jsonl ZOO:N --only NAME [-p KEY=VALUE ...] > dev-perclass-bl.log
"""

from __future__ import annotations

import copy

import torch

from mitigate_dense_s71_read import open_zoo_run, zoo_models, zoo_parser
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import mitigate, split_clean


def main() -> None:
    run = open_zoo_run(zoo_parser(__doc__.splitlines()[0]))
    _, held = split_clean(run.clean, 0.8, 0, needs_data=True)
    for name, e, loaded, trig in zoo_models(run):
        orig = copy.deepcopy(loaded.module).eval()
        res = mitigate(loaded.module, Gated(**run.params), run.clean, holdout=0.8, seed=0,
                       trigger_of=trig, input_shape=loaded.input_shape,
                       num_classes=loaded.num_classes)
        x, y = held.x, held.y
        with torch.no_grad():
            a, b = orig(x).argmax(1), res.model.eval()(x).argmax(1)
        print(name, "target", e.target, "CA", res.before["ca"], res.after["ca"], "ASR",
              res.after.get("asr"))
        for c in range(10):
            m = y == c
            n_in, n_out = int((a[m] == c).sum()), int((b[m] == c).sum())
            print(f"  class {c}: n {int(m.sum())} in {n_in} out {n_out}  d {n_out - n_in:+d}")
        print("  preds to target from non-target: in",
              int(((a == e.target) & (y != e.target)).sum()), "out",
              int(((b == e.target) & (y != e.target)).sum()))


if __name__ == "__main__":
    main()
