"""Issue 12, stop 77 (h12; development): a bounded search per source class on today's output.

For each named cached model (stop 77's cache, /tmp/h1277/cache), today's output is rebuilt
(``mitigate_res_s77_dev.rebuilt``); then for each class c other than the suspect: the output's
mean probability for the suspect on the method's images of c (``p_s``), the share of them the
detector's reversed trigger sends there (``rt``), and the share a bounded search on those images
alone (warm from that trigger, its mask L1 at most the trigger's) sends there (``own``).

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s77_h12/per_class_search.py N/NAME
"""

from __future__ import annotations

import copy
import sys

import torch

from mitigate_res_s77_dev import rebuilt
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import predict
from trojanscope.io.models import load_model
from trojanscope.mitigate.fresh_residue import bounded_search

ZOOS = {"2515": "/tmp/h1276/fresh/zoo-2515", "2516": "/tmp/h1276/fresh/zoo-2516",
        "2511": "/tmp/h1275/fresh/zoo-2511", "2506": "/tmp/h1274/fresh/zoo-2506"}
NAMES = tuple(str(c) for c in range(10))


def main() -> None:
    torch.set_num_threads(1)
    for name in sys.argv[1:]:
        number, model = name.split("/")
        kept = torch.load(f"/tmp/h1277/cache/{number}-{model}.pt", weights_only=True)
        loaded = load_model(f"{ZOOS[number]}/{model}")
        out0 = copy.deepcopy(loaded.module)
        out0.load_state_dict(kept["out"])
        t = kept["trigger"]
        rt = ReversedTrigger(t["target"], t["mask"], t["pattern"])
        today = rebuilt(kept, out0, rt)
        x, y, s = kept["x"], kept["y"], int(kept["suspect"])
        p = torch.softmax(predict(today, x), 1)
        cells = []
        for c in range(10):
            if c == s:
                continue
            sel = y == c
            fit = TensorDataset(torch.cat([x[sel], x[y == s][:1]]),
                                torch.cat([y[sel], y[y == s][:1]]), NAMES)
            found = bounded_search(today, fit, s, float(rt.mask.sum()),
                                   torch.Generator().manual_seed(1), start=rt)
            own = float((predict(today, found.apply(x[sel])).argmax(1) == s).float().mean())
            by_rt = float((predict(today, rt.apply(x[sel])).argmax(1) == s).float().mean())
            cells.append(f"{c}:n{int(sel.sum())} p_s {float(p[sel, s].mean()):.3f} "
                         f"rt {by_rt:.2f} own {own:.2f}")
        print(name, "suspect", s, " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
