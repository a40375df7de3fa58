"""Development (issue 12, stop 55: h12): weight interpolation between the input model and
today's output, ``w0 + a (w1 - w0)``, read on today's saved outputs over a grid of ``a``: the
scoring split's CA and ASR (the attack read for the figures only) and the method's own readings
(``free_reach``'s reach towards the suspect; its rank among the ten classes where asked).
Outputs saved by ``mitigate_s51a/keep_today.py`` before ``reach_round2`` became the default are
brought to today's by its round (``ROUND`` lists the models where it fired, from
``mitigate_s54/dev-24xx.json``).

    PYTHONPATH=src:benchmarks/data/mitigate_s53 python .../dev_interp.py OUT ZOOS SAVED.pt...
"""
import json
import os
import sys
import time
from pathlib import Path

from saved import each_saved, split, stages_model

from trojanscope.mitigate.free_unlearn import universal_reach, unlearn_free
from trojanscope.mitigate.reach_round import ROUND_DISTILL, reach_rank
from trojanscope.mitigate.run import measure

GRID = [float(a) for a in os.environ.get("GRID", "1,0.9,0.8,0.7,0.6,0.5").split(",")]
RANK = os.environ.get("RANK", "0") == "1"
ROUND = {"zoo-2443-sig-002", "zoo-2444-blended-006", "zoo-2446-sparse-004",
         "zoo-2446-badnets-005", "zoo-2448-sparse-004", "zoo-2448-sig-007"}


def mixed(w0: dict, w1: dict, a: float) -> dict:
    """``w0 + a (w1 - w0)`` on floating tensors; others as in ``w1``."""
    return {k: (w0[k] + a * (w1[k] - w0[k])) if w1[k].is_floating_point() else w1[k]
            for k in w1}


def main() -> None:
    fit, held = split()
    out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
    rows = json.loads(out_path.read_text()) if out_path.exists() else {}
    for path, orig, saved, trig in each_saved(zoos, sys.argv[3:], held):
        if path.stem in rows:
            continue
        s = int(saved["suspect"])
        start = time.perf_counter()
        model = stages_model(zoos, path, saved)
        if path.stem in ROUND:
            unlearn_free(model, fit, s, 0, distill=ROUND_DISTILL)
        w1 = {k: v.detach().clone() for k, v in model.state_dict().items()}
        w0 = {k: v.detach().clone() for k, v in orig.state_dict().items()}
        row = {"ca_before": saved["before"]["ca"], "asr_before": saved["before"].get("asr"),
               "suspect": s, "grid": {}}
        for a in GRID:
            model.load_state_dict(mixed(w0, w1, a))
            model.eval()
            got = measure(model, held, trig)
            got["reach"] = universal_reach(model, fit.x, fit.y, s)
            if RANK:
                got["reach_all"], got["rank"] = reach_rank(model, fit.x, fit.y, s)
            row["grid"][str(a)] = got
        row["seconds"] = round(time.perf_counter() - start, 1)
        rows[path.stem] = row
        print(path.stem, json.dumps({a: [round(g["ca"] - row["ca_before"], 4),
                                         round(g.get("asr", 0), 4), round(g["reach"], 3),
                                         g.get("rank")]
                                     for a, g in row["grid"].items()}), flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
