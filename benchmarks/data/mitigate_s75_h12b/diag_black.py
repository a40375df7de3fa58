"""Issue 12, stop 75 (h12b; development only, spent zoos): can the suspect's own gradient read a
black mask? Per cached model (stop 74's cache, h12s ``cache.py``): the inked pixels ranked by the
suspect's first-order gain from zeroing each (``-grad * x``, mean over the method's clean images
not of the suspect), re-read ``ITERS`` times on the images with the top ``K`` pixels zeroed; the
AUC of the attacker's black pixels in that ranking, how many of the top K are the attacker's,
the share of those images the top K zeroed send to the suspect, and the reversed trigger's dark
pixels. The attacker's trigger is read only to diagnose.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s75_h12b/diag_black.py CACHE 'GLOB'
"""

import glob
import os
import sys

import torch
import torch.nn.functional as F

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.modes import eval_mode
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import split_clean
from trojanscope.triggers.pixels import PixelsTrigger

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
K = int(os.environ.get("K", "100"))
ITERS = int(os.environ.get("ITERS", "2"))
INK = 0.05


def gain(model, x, orig, s):
    with eval_mode(model):
        x = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(F.log_softmax(model(x), 1)[:, s].sum(), x)
    return (-g * orig).mean((0, 1)).flatten()


def sent(model, x, s, idx):
    z = x.clone().flatten(1)
    z[:, idx] = 0.0
    with torch.no_grad():
        return float((model(z.reshape(x.shape)).argmax(1) == s).float().mean())


def auc(score, pos):
    neg = ~pos
    if pos.sum() == 0 or neg.sum() == 0:
        return float("nan")
    a, b = score[pos], score[neg]
    ties = 0.5 * (a[:, None] == b[None]).float().mean()
    return float((a[:, None] > b[None]).float().mean() + ties)


inked = (fit.x.amax(dim=(0, 1)) >= INK).flatten()
PATTERNS = sys.argv[2].split(",")
for f in sorted({g for pat in PATTERNS for g in glob.glob(f"{sys.argv[1]}/{pat}.pt")}):
    c = torch.load(f, weights_only=False)  # our own cache file
    spec = c.get("trigger_spec") or {}
    if c["suspect"] is None or c["p"] is None or c["p"] < 0.2:
        print(f"{c['name']:16s} {c['family']} {spec.get('value')} not flagged (p {c['p']})")
        continue
    model = load_model(c["path"]).module.eval()
    s = int(c["suspect"])
    x = fit.x[fit.y != s]
    truth = torch.zeros(784, dtype=torch.bool)
    if c["family"] == "sparse":
        args = {k: v for k, v in spec.items() if k != "name"}
        r, cc, val = PixelsTrigger(**args).positions(28, 28)
        flat = torch.from_numpy(r * 28 + cc)
        truth[flat[torch.from_numpy(val) < 0.5]] = True
    cand = inked.clone()
    score = gain(model, x, x, s).masked_fill(~cand, float("-inf"))
    line = []
    for it in range(ITERS + 1):
        top = score.topk(K).indices
        hit = int(truth[top].sum())
        line.append(f"it{it}: auc {auc(score[cand], truth[cand]):.2f} hit {hit}/{K} "
                    f"sent {sent(model, x, s, top):.2f}")
        z = x.clone().flatten(1)
        z[:, top] = 0.0
        score = gain(model, z.reshape(x.shape), x, s).masked_fill(~cand, float("-inf"))
    rt = ""
    if c["rt"] is not None:
        tm, tp = c["rt"]
        sup = (tm[0] >= 0.5).flatten()
        dark = sup & (tp.mean(0).flatten() < 0.5)
        rt = f"rt sup {int(sup.sum())} dark {int(dark.sum())} (black {int((dark & truth).sum())})"
    true_sent = sent(model, x, s, truth.nonzero().flatten()) if truth.any() else float("nan")
    sizes = " ".join(f"{k}:{sent(model, x, s, score.topk(k).indices):.2f}" for k in (30, 60, 150))
    print(f"{c['name']:16s} {c['family']:7s} {spec.get('value')!s:6s} n={spec.get('count')} "
          f"black {int(truth.sum())} inked {int((truth & inked).sum())} p={c['p']:.2f} "
          f"true_sent {true_sent:.2f} | " + " | ".join(line) + f" | {sizes} | {rt}", flush=True)
