"""Development (issue 12, stop 53: h12): last steps tried on today's outputs saved by
``mitigate_s51a/keep_today.py``, each from the same saved model, scored on the scoring split
with the run's own attack (figures only; no step reads it). A step: ``EPOCHS`` epochs of Adam on
the method's 200 clean images (cross-entropy, the suspect's images weighted ``SW``) and, with
``ADV`` > 0, copies moved by a free perturbation towards the suspect (``free_unlearn.pushed``)
under their true labels (weight ``ADV``); distillation on the clean images and their
neighbours towards ``TEACHER`` (``stages``: the saved output, ``orig``: the model as it came,
the suspect's column left out of both sides with ``FREE``).

    PYTHONPATH=src:benchmarks/data/mitigate_s53 python .../dev_variants.py OUT.json ZOOS SAVED.pt...
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from saved import read_saved, split, stages_model

import trojanscope.mitigate.free_unlearn as fu
from trojanscope.mitigate.adaptive import neighbourhood
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.run import measure

BASE = dict(EPOCHS=3, SW=1.0, ADV=1.0, TEACHER="orig", FREE=True, LR=3e-4)
VARIANTS = {
    "orig3": BASE,
    "orig3sw": {**BASE, "SW": 3.0},
    "st3sw": {**BASE, "SW": 3.0, "TEACHER": "stages"},
    "orig3noadv": {**BASE, "ADV": 0.0},
    "o_a05": {**BASE, "ADV": 0.5},
    "o_a025": {**BASE, "ADV": 0.25},
    "o1_noadv": {**BASE, "ADV": 0.0, "EPOCHS": 1},
    "o_a01": {**BASE, "ADV": 0.1},
}


def kl_free(out, want_logits, suspect, free):
    """KL towards the teacher's softmax; with ``free`` the suspect's column left out."""
    if free:
        keep = [c for c in range(out.shape[1]) if c != suspect]
        out, want_logits = out[:, keep], want_logits[:, keep]
    return F.kl_div(F.log_softmax(out, 1), torch.softmax(want_logits, 1), reduction="batchmean")


def step(model, orig, clean, suspect, seed, v):
    gen = torch.Generator().manual_seed(seed + fu.FREE_SEED)
    teacher = frozen_copy(model) if v["TEACHER"] == "stages" else frozen_copy(orig)
    for prm in model.parameters():
        prm.requires_grad_(True)
    opt = torch.optim.Adam(model.parameters(), lr=v["LR"])
    delta = torch.zeros(1, *clean.x.shape[1:])
    for _ in range(v["EPOCHS"]):
        order = torch.randperm(len(clean), generator=gen)
        for i in range(0, len(clean), fu.BATCH):
            bx, by = clean.x[order[i:i + fu.BATCH]], clean.y[order[i:i + fu.BATCH]]
            near = torch.cat([neighbourhood(bx, gen) for _ in range(fu.NEAR)])
            plain = torch.cat([bx, near])
            with torch.no_grad():
                want = teacher(plain)
            w = torch.where(by == suspect, v["SW"], 1.0)
            model.train()
            if v["ADV"]:
                delta = fu.pushed(model, bx, delta, suspect)
                model.train()
                moved = model((bx + delta).clamp(0, 1))
                adv = v["ADV"] * F.cross_entropy(moved, by)
            else:
                adv = 0.0
            out = model(plain)
            n = len(bx)
            ce = (F.cross_entropy(out[:n], by, reduction="none") * w).sum() / w.sum()
            loss = ce + adv + fu.DISTILL * kl_free(out, want, suspect, v["FREE"])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()


def main() -> None:
    fit, held = split()
    out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
    rows = json.loads(out_path.read_text()) if out_path.exists() else {}
    for f in sys.argv[3:]:
        path = Path(f)
        orig, saved, trig = read_saved(zoos, path, held)
        before = measure(orig, held, trig)
        s = saved["suspect"]
        row = rows.setdefault(path.stem, {"ca_before": before["ca"], "suspect": s})
        for v, cfg in VARIANTS.items():
            if v in row or s is None:
                continue
            m = stages_model(zoos, path, saved)
            if "today" not in row:
                t = measure(m, held, trig)
                row["today"] = {"ca": t["ca"], "asr": t.get("asr")}
            step(m, orig, fit, int(s), 0, cfg)
            a = measure(m, held, trig)
            row[v] = {"ca": a["ca"], "asr": a.get("asr")}
        line = " ".join(f"{v} {row[v]['ca'] - before['ca']:+.4f}/{row[v]['asr']:.4f}"
                        for v in ["today", *VARIANTS] if v in row)
        print(f"{path.stem}: s={s} {line}", flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
