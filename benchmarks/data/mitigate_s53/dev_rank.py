"""Development (issue 12, stop 53: h12, after the rule): ``free_reach``'s reading towards every
class, not only the suspect, on today's saved outputs: is the suspect's rank among the ten
classes a reading of the residues? Scored ASR and CA as ``dev_back.py`` (the attack read for the
figures only).

    PYTHONPATH=src:benchmarks/data/mitigate_s53 python .../dev_rank.py OUT.json ZOOS SAVED.pt...
"""
import json
import sys
from pathlib import Path

from saved import each_saved, split, stages_model, suspect_rank

from trojanscope.mitigate.run import measure


def main() -> None:
    fit, held = split()
    out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
    rows = {}
    for path, _, saved, trig in each_saved(zoos, sys.argv[3:], held):
        s = saved["suspect"]
        today = measure(stages_model(zoos, path, saved), held, trig)
        reach, rank = suspect_rank(stages_model(zoos, path, saved), fit, s)
        rows[path.stem] = {"ca_before": saved["before"]["ca"], "today": today, "suspect": s,
                           "reach": reach, "rank": rank}
        print(path.stem, s, round(today["asr"], 4), round(reach[s], 3), rank, flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
