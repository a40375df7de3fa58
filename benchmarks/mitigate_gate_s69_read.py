"""Issue 12, stop 69 (h12; development only, spent zoos, nothing trained): the input model's
blend reach towards the detector's suspect on a grid of opacities, for every stored backdoored
MNIST MLP of the fresh zoos 2465-2478, so the gate candidates for ``blend_last`` (the share at
one opacity, at two together, the smallest opacity that turns a share of the images) can be
compared by the gap they leave between the blended family and the others
(``mitigate_gate_s69_table.py``). The reading is ``blend_push.blend_reach`` as the step reads
it (the method's 200 clean images, the benchmarks' split); the suspect is each stop's note.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_gate_s69_read.py OUT.jsonl ZOO_DIR...
"""
import json
import sys
import time
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.mitigate.blend_push import blend_reach
from trojanscope.mitigate.run import split_clean
from trojanscope.mitigate.sent_share import outside

sys.path.insert(0, str(Path(__file__).resolve().parent / "data" / "mitigate_s68"))
from gap_read import suspect_models  # stop 68's reader of each stop's notes

# Opacities 0.02-0.30 by 0.01.
ALPHAS = [round(0.02 + 0.01 * i, 2) for i in range(29)]


def main() -> None:
    torch.set_num_threads(1)
    clean, _ = split_clean(load_dataset("mnist", "test"), 0.8, 0, needs_data=True)
    with Path(sys.argv[1]).open("a") as fh:
        for zoo, e, suspect, model in suspect_models(sys.argv[2:]):
            start = time.process_time()
            reach = {str(a): round(blend_reach(model, clean.x, clean.y, suspect, a), 4)
                     for a in ALPHAS}
            row = {"model": f"{zoo}/{e.name}", "attack": e.attack, "suspect": suspect,
                   "target": e.target, "n": len(outside(clean.x, clean.y, suspect)),
                   "reach": reach, "cpu_s": round(time.process_time() - start, 2)}
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            print(row["model"], row["cpu_s"], flush=True)


if __name__ == "__main__":
    main()
