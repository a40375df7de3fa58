"""Issue 12, stop 50 (h12m): how far the suspect's raise in ``bias_refit`` can go, read on
today's outputs saved by ``dev_rows.py`` (development zoos only).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/data/mitigate_s50m/diag_caps.py \\
        PRE_DIR ZOO_DIR_PARENT OUT.json

For each saved model: the refit's shift as ``bias_refit`` fits it, then the suspect's entry set
to 0, 0.25, ... up to its fitted raise (the other classes' entries as fitted), and at each: CA and
the attack's ASR on the 800 held-out images (read here only), the share of the method's clean
images outside the suspect class that the detector's reversed trigger sends to the suspect, and
the suspect's pull on mixed clean images.
"""

import json
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import predict
from trojanscope.io.models import load_model
from trojanscope.mitigate.adaptive import neighbourhood
from trojanscope.mitigate.bias_refit import NEIGHBOURS, REFIT_SEED, fit_shift
from trojanscope.mitigate.run import attack_triggered, split_clean
from trojanscope.mitigate.suspect_margin import STEP, mixed, pull
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.triggers.stamp import stamp


def main() -> None:
    torch.set_num_threads(1)
    pre, zoos, out_path = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    clean = load_dataset("mnist", "test")
    fit, held = split_clean(clean, 0.8, 0, needs_data=True)
    rows = {}
    for f in sorted(pre.glob("*.pt")):
        _, seed, name = f.stem.split("-", 2)
        zoo = f"zoo-{seed}"
        saved = torch.load(f, weights_only=True)
        loaded = load_model(zoos / zoo / name)
        orig = loaded.module.eval()
        model = load_model(zoos / zoo / name).module
        model.load_state_dict(saved["state"])
        model.eval()
        s = saved["suspect"]
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trig = attack_triggered(attack_from_spec(spec))(held) if spec is not None else None
        gen = torch.Generator().manual_seed(0 + REFIT_SEED)
        near = torch.cat([neighbourhood(fit.x, gen) for _ in range(NEIGHBOURS)])
        delta = fit_shift(predict(model, near), torch.softmax(predict(orig, near), 1))
        lh = predict(model, held.x)
        lt = None if trig is None else predict(model, trig.x)
        mx, my = mixed(fit.x, fit.y, 0)
        lm = predict(model, mx)
        ls = None
        if saved.get("mask") is not None and s is not None:
            outside = fit.x[fit.y != s]
            ls = predict(model, stamp(outside, saved["mask"], saved["pattern"]))
        raised = float(delta[s]) if s is not None else 0.0
        steps = []
        r = 0.0
        while s is not None and r <= raised + 1e-9:
            d = delta.clone()
            d[s] = r
            steps.append({
                "raise": r, "ca": round(float(((lh + d).argmax(1) == held.y).float().mean()), 4),
                "asr": None if lt is None else round(float(
                    ((lt + d).argmax(1) == trig.target).float().mean()), 4),
                "trigger": None if ls is None else round(float(((ls + d).argmax(1) == s)
                                                               .float().mean()), 4),
                "pull": round(pull(lm + d, my, s), 3)})
            r += STEP
        base = {"ca": round(float((lh.argmax(1) == held.y).float().mean()), 4),
                "asr": None if lt is None else round(float((lt.argmax(1) == trig.target)
                                                           .float().mean()), 4),
                "ca_before": round(float((predict(orig, held.x).argmax(1) == held.y)
                                         .float().mean()), 4)}
        rows[f.stem] = {"suspect": s, "raised": round(raised, 2), "today": base, "steps": steps}
        print(f.stem, json.dumps(base), "raised", round(raised, 2), flush=True)
        for st in steps:
            print("   ", json.dumps(st), flush=True)
    out_path.write_text(json.dumps(rows, indent=1))


main()
