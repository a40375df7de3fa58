"""Development (issue 12, stop 53: h12): the free perturbation's reach towards the suspect at
three sizes on today's saved outputs and after ``dev_variants.py``'s ``o1_noadv`` step (one
epoch of distillation towards the model as it came, the suspect's column left out, with
cross-entropy on the method's 200 clean images): can a rise in the reach refuse the steps that
bring a backdoor back? Scored as ``dev_variants.py`` (the attack read for the figures only).

    PYTHONPATH=src:benchmarks/data/mitigate_s53 python .../dev_guard.py OUT.json ZOOS SAVED.pt...
"""
import json
import sys
from pathlib import Path

from dev_variants import VARIANTS, step
from saved import each_saved, split, stages_model

from trojanscope.mitigate.free_unlearn import universal_reach
from trojanscope.mitigate.run import measure

SIZES = (0.1, 0.15, 0.2)
STEPS = {"o1_noadv": VARIANTS["o1_noadv"], "o2_noadv": {**VARIANTS["o1_noadv"], "EPOCHS": 2}}


def main() -> None:
    fit, held = split()
    out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
    rows = {}
    for path, orig, saved, trig in each_saved(zoos, sys.argv[3:], held):
        s = saved["suspect"]
        row = {"ca_before": measure(orig, held, trig)["ca"], "suspect": s}
        for v in ("today", *STEPS):
            m = stages_model(zoos, path, saved)
            if v != "today":
                step(m, orig, fit, int(s), 0, STEPS[v])
            a = measure(m, held, trig)
            row[v] = {"ca": a["ca"], "asr": a.get("asr"),
                      "reach": [universal_reach(m, fit.x, fit.y, int(s), eps=e) for e in SIZES]}
        rows[path.stem] = row
        print(path.stem, json.dumps({k: row[k] for k in ("today", *STEPS)}), flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
