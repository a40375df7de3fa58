"""Development (issue 12, stop 53: h12, after the rule; for the next stop): ``free_reach``'s
unlearning (``free_unlearn.unlearn_free``, as today's step runs it, and with distillation weight
8) applied to today's saved outputs where the suspect is not the least reachable of the ten
classes (``dev_rank.py``'s reading), scored as ``dev_back.py`` (the attack read for the figures
only). Models where the suspect is the least reachable are left as they are.

    PYTHONPATH=src:benchmarks/data/mitigate_s53 python .../dev_rank_unlearn.py OUT ZOOS SAVED.pt...
"""
import json
import sys
from pathlib import Path

from saved import each_saved, split, stages_model, suspect_rank

import trojanscope.mitigate.free_unlearn as fu
from trojanscope.mitigate.run import measure

VARIANTS = {"e5": fu.DISTILL, "d8": 8.0}


def main() -> None:
    fit, held = split()
    out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
    rows = {}
    for path, _, saved, trig in each_saved(zoos, sys.argv[3:], held):
        s = saved["suspect"]
        _, rank = suspect_rank(stages_model(zoos, path, saved), fit, s)
        today = measure(stages_model(zoos, path, saved), held, trig)
        row = {"ca_before": saved["before"]["ca"], "today": today, "rank": rank}
        for v, distill in VARIANTS.items():
            if rank == 0:
                row[v] = row["today"]
                continue
            m = stages_model(zoos, path, saved)
            fu.DISTILL, kept = distill, fu.DISTILL
            try:
                fu.unlearn_free(m, fit, int(s), 0)
            finally:
                fu.DISTILL = kept
            row[v] = measure(m, held, trig)
        rows[path.stem] = row
        print(path.stem, rank, json.dumps({v: row[v] for v in ("today", *VARIANTS)}), flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
