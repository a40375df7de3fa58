"""Development (issue 12, stop 53: h12): on today's outputs saved by
``mitigate_s51a/keep_today.py``, the free perturbation's reach towards every class (not only the
suspect) at a few sizes, and the free unlearning at a few settings, scored on the scoring split
with the run's own attack (figures only; the method never reads it).

    PYTHONPATH=src:benchmarks/data/mitigate_s53 python .../dev_read.py OUT.json ZOOS_DIR SAVED.pt...
"""
import copy
import json
import sys
from pathlib import Path

from saved import read_saved, split

import trojanscope.mitigate.free_unlearn as fu
from trojanscope.mitigate.run import measure

fit, held = split()
out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
SIZES = (0.15, 0.25)
VARIANTS = {"e5": {}, "e2": {"EPOCHS": 2}, "eps3": {"EPS": 0.3}, "d8": {"DISTILL": 8.0}}
rows = json.loads(out_path.read_text()) if out_path.exists() else {}
for f in sys.argv[3:]:
    path = Path(f)
    if path.stem in rows:
        continue
    model, saved, trig = read_saved(zoos, path, held)
    before = measure(model, held, trig)
    model.load_state_dict(saved["state"])
    model.eval()
    today = measure(model, held, trig)
    s = saved["suspect"]
    row = {"ca_before": before["ca"], "asr_before": before.get("asr"), "suspect": s,
           "today": {"ca": today["ca"], "asr": today.get("asr")}}
    if s is not None:
        row["reach"] = {str(e): [round(fu.universal_reach(model, fit.x, fit.y, c, eps=e), 3)
                                 for c in range(10)] for e in SIZES}
        for v, consts in VARIANTS.items():
            m = copy.deepcopy(model)
            keep = {k: getattr(fu, k) for k in consts}
            for k, val in consts.items():
                setattr(fu, k, val)
            try:
                fu.unlearn_free(m, fit, int(s), 0)
            finally:
                for k, val in keep.items():
                    setattr(fu, k, val)
            a = measure(m, held, trig)
            row[v] = {"ca": a["ca"], "asr": a.get("asr")}
    rows[path.stem] = row
    line = " ".join(f"{v} {row[v]['ca'] - before['ca']:+.4f}/{row[v]['asr']:.4f}"
                    for v in VARIANTS if v in row)
    r15 = row.get("reach", {}).get("0.15")
    print(f"{path.stem}: s={s} today {today['ca'] - before['ca']:+.4f}/{today.get('asr')} "
          f"reach15 {r15} {line}", flush=True)
    out_path.write_text(json.dumps(rows, indent=1))
