"""Issue 12, stop 50 (h12m): where a purified MLP's clean accuracy goes under today's `gated`
default, class by class, and how much of it its output layer's bias alone could give back.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/data/mitigate_s50m/diag_ca.py \\
        OUT.json ZOO:NAME ...

Per model (MNIST test split, --holdout 0.8 --seed 0 as bench_mitigate.py): CA/ASR before and
after, correct held-out images per class and predicted images per class (after - before), the
detector's suspect, the attack's target (read here only), and three bias-only refits of the
purified model's last Linear: ``oracle`` (cross-entropy on the 800 held-out images themselves: an
upper bound, never a method), ``distil`` (the input model's outputs on seeded neighbours of the
method's 200 images, every class), ``distil_free`` (the same, the suspect's bias not raised).
"""

import copy
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import predict
from trojanscope.io.models import load_model
from trojanscope.mitigate.adaptive import neighbourhood
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, mitigate, split_clean
from trojanscope.mitigate.suspect_margin import mixed, pull
from trojanscope.mitigate.triggers import attack_from_spec


def last_linear(model):
    return [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]


def counts(model, x, y):
    with torch.no_grad():
        pred = predict(model.eval(), x).argmax(1)
    ok = [int(((pred == y) & (y == c)).sum()) for c in range(10)]
    got = [int((pred == c).sum()) for c in range(10)]
    return ok, got


def logits_of(model, x):
    """The last Linear's input on ``x`` (fixed while only the bias moves) and the logits."""
    lin = last_linear(model)
    seen = {}
    h = lin.register_forward_hook(lambda mod, inp, out: seen.setdefault("z", inp[0].detach()))
    with torch.no_grad():
        model(x)
    h.remove()
    return F.linear(seen["z"], lin.weight.detach(), lin.bias.detach())


def fit_bias(base_logits, loss_of, steps=300, cap=None):
    """A shift of the output bias minimising ``loss_of(logits + shift)`` (Adam); ``cap``: a class
    whose shift is kept <= 0."""
    delta = torch.zeros(base_logits.shape[1], requires_grad=True)
    opt = torch.optim.Adam([delta], lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(delta).backward()
        opt.step()
        if cap is not None:
            with torch.no_grad():
                delta[cap] = delta[cap].clamp(max=0.0)
    return delta.detach()


def main():
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    clean = load_dataset("mnist", "test")
    fit, held = split_clean(clean, 0.8, 0, needs_data=True)
    rows = json.loads(out_path.read_text()) if out_path.exists() else {}
    for arg in sys.argv[2:]:
        if arg in rows:
            continue
        zoo, name = arg.split(":")
        loaded = load_model(Path(zoo) / name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        attack = attack_from_spec(spec) if spec is not None else None
        trig = attack_triggered(attack)(held) if attack is not None else None
        orig = copy.deepcopy(loaded.module).eval()
        method = Gated()
        res = mitigate(copy.deepcopy(loaded.module), method, clean, holdout=0.8, seed=0,
                       trigger_of=attack_triggered(attack) if attack else None,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        out = res.model.eval()
        ok0, got0 = counts(orig, held.x, held.y)
        ok1, got1 = counts(out, held.x, held.y)
        suspect = method.report_.get("suspect")
        row = {"before": res.before, "after": res.after, "elapsed_s": round(res.elapsed_s, 1),
               "suspect": suspect, "target": None if trig is None else int(trig.target[0]),
               "action": str(method.report_.get("action")),
               "unlearn": str(method.report_.get("unlearn", ""))[:300],
               "correct_change": [a - b for a, b in zip(ok1, ok0, strict=True)],
               "predicted_change": [a - b for a, b in zip(got1, got0, strict=True)]}
        gen = torch.Generator().manual_seed(7)
        near = torch.cat([neighbourhood(fit.x, gen) for _ in range(4)])
        with torch.no_grad():
            soft = torch.softmax(orig(near), 1)
        lh, ln = logits_of(out, held.x), logits_of(out, near)
        lt = None if trig is None else logits_of(out, trig.x)
        mx, my = mixed(fit.x, fit.y, 0)
        lm = logits_of(out, mx)
        def oracle(d, lh=lh):
            return F.cross_entropy(lh + d, held.y)

        def distil(d, ln=ln, soft=soft):
            return F.kl_div(F.log_softmax(ln + d, 1), soft, reduction="batchmean")
        fns = {"oracle": (oracle, None), "distil": (distil, None),
               "distil_free": (distil, suspect)}
        for label, (fn, cap) in fns.items():
            d = fit_bias(lh, fn, cap=cap)
            ca = float(((lh + d).argmax(1) == held.y).float().mean())
            asr = None if lt is None else float(((lt + d).argmax(1) == trig.target).float().mean())
            row[label] = {"ca": round(ca, 4), "asr": None if asr is None else round(asr, 4),
                          "delta": [round(float(v), 2) for v in d]}
            if suspect is not None:
                row[label]["pull"] = round(pull(lm + d, my, int(suspect)), 3)
        if suspect is not None:
            row["pull_after"] = round(pull(lm, my, int(suspect)), 3)
            row["pull_original"] = round(pull(logits_of(orig, mx), my, int(suspect)), 3)
        rows[arg] = row
        out_path.write_text(json.dumps(rows, indent=1))
        keys = ("before", "after", "suspect", "target", "correct_change", "predicted_change",
                "oracle", "distil", "distil_free")
        print(arg, row.get("pull_original"), row.get("pull_after"),
              json.dumps({k: row[k] for k in keys}), flush=True)


main()
