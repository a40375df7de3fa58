"""Development (issue 12, stop 53: h12, after the rule): ``free_reach``'s reading towards every
class, not only the suspect, on today's saved outputs: is the suspect's rank among the ten
classes a reading of the residues? Scored ASR and CA as ``dev_back.py`` (the attack read for the
figures only).

    PYTHONPATH=src:benchmarks/data/mitigate_s53 python .../dev_rank.py OUT.json ZOOS SAVED.pt...
"""
import json
import sys
from pathlib import Path

from saved import read_saved, split, stages_model

from trojanscope.mitigate.free_unlearn import universal_reach
from trojanscope.mitigate.run import measure


def main() -> None:
    fit, held = split()
    out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
    rows = {}
    for f in sys.argv[3:]:
        path = Path(f)
        _, saved, trig = read_saved(zoos, path, held)
        s = saved["suspect"]
        if s is None:
            continue
        m = stages_model(zoos, path, saved)
        today = measure(m, held, trig)
        reach = [universal_reach(m, fit.x, fit.y, c) for c in range(10)]
        rank = sum(r < reach[s] for r in reach)  # 0: the least reachable class
        rows[path.stem] = {"ca_before": saved["before"]["ca"], "today": today, "suspect": s,
                           "reach": reach, "rank": rank}
        print(path.stem, s, round(today["asr"], 4), round(reach[s], 3), rank, flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
