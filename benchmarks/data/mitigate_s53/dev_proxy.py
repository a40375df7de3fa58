"""Development (issue 12, stop 53: h12): what the method could read to accept or refuse a last
step of ``dev_variants.py`` (``o_a01``, ``o1_noadv``) on today's saved outputs: accuracy on 4
seeded neighbours of each of its 200 clean images (their true labels), and the free
perturbation's reach towards the suspect (``free_unlearn.universal_reach``), today's model
against the step's. Scored as ``dev_variants.py`` (the attack read for the figures only).

    PYTHONPATH=src:benchmarks/data/mitigate_s53 python .../dev_proxy.py OUT.json ZOOS SAVED.pt...
"""
import json
import sys
from pathlib import Path

import torch
from dev_variants import VARIANTS, step

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.adaptive import neighbourhood
from trojanscope.mitigate.free_unlearn import universal_reach
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec


def read(model, fit, suspect):
    """Neighbour accuracy (4 seeded neighbours each, true labels), plain accuracy on the 200,
    and the reach towards the suspect."""
    gen = torch.Generator().manual_seed(53)
    near = torch.cat([neighbourhood(fit.x, gen) for _ in range(4)])
    with torch.no_grad():
        acc_n = float((model(near).argmax(1) == fit.y.repeat(4)).float().mean())
        acc = float((model(fit.x).argmax(1) == fit.y).float().mean())
    return {"near": acc_n, "fit": acc, "reach": universal_reach(model, fit.x, fit.y, suspect)}


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
        row = {"ca_before": measure(orig, held, trig)["ca"], "suspect": s,
               "orig": read(orig, fit, s)}
        for v in ("today", "o_a01", "o1_noadv"):
            m = load_model(zoos / zoo / name).module
            m.load_state_dict(saved["state"])
            m.eval()
            if v != "today":
                step(m, orig, fit, int(s), 0, VARIANTS[v])
            a = measure(m, held, trig)
            row[v] = {"ca": a["ca"], "asr": a.get("asr"), **read(m, fit, int(s))}
        rows[path.stem] = row
        print(path.stem, json.dumps({k: row[k] for k in ("today", "o_a01", "o1_noadv")}),
              flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
