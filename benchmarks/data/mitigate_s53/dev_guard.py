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

import torch
from dev_variants import VARIANTS, step

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.free_unlearn import universal_reach
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec

SIZES = (0.1, 0.15, 0.2)
STEPS = {"o1_noadv": VARIANTS["o1_noadv"], "o2_noadv": {**VARIANTS["o1_noadv"], "EPOCHS": 2}}


def main() -> None:
    torch.set_num_threads(1)
    clean = load_dataset("mnist", "test")
    fit, held = split_clean(clean, 0.8, 0, needs_data=True)
    out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
    rows = {}
    for f in sys.argv[3:]:
        path = Path(f)
        zoo, name = "-".join(path.stem.split("-")[:2]), path.stem.split("-", 2)[2]
        saved = torch.load(path, weights_only=False)  # our own scratch file
        s = saved["suspect"]
        if s is None:
            continue
        loaded = load_model(zoos / zoo / name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trig = attack_triggered(attack_from_spec(spec))(held) if spec is not None else None
        orig = loaded.module.eval()
        row = {"ca_before": measure(orig, held, trig)["ca"], "suspect": s}
        for v in ("today", *STEPS):
            m = load_model(zoos / zoo / name).module
            m.load_state_dict(saved["state"])
            m.eval()
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
