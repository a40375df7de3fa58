"""Issue 12, stop 75 (h12b; development only, spent zoos): a second reading of a black mask, off
the first layer's units the reversed trigger's darkening drives most (the mean rise of their
ReLU activations on the clean images not of the suspect once its dark pixels are zeroed): each
inked pixel scored by minus the rise-weighted sum of those K units' weights on it (and the plain
sum), the AUC of the attacker's black pixels and how many of the top 100 are his. The
attacker's trigger is read only to diagnose.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s75_h12b/diag_units.py 'GLOB,...'
"""

import glob
import sys

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import split_clean
from trojanscope.mitigate.stripe_projection import first_linear
from trojanscope.triggers.pixels import PixelsTrigger

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
inked = (fit.x.amax(dim=(0, 1)) >= 0.05).flatten()


def auc(score, pos):
    a, b = score[pos], score[~pos]
    return float((a[:, None] > b[None]).float().mean())


PATTERNS = sys.argv[1].split(",")
for f in sorted({g for pat in PATTERNS for g in glob.glob(f"/tmp/h12s74/cache/{pat}.pt")}):
    c = torch.load(f, weights_only=False)  # our own cache file (stop 74's h12s cache.py)
    spec = c["trigger_spec"]
    if c["rt"] is None:
        continue
    model = load_model(c["path"]).module.eval()
    s = int(c["suspect"])
    r, cc, val = PixelsTrigger(**{k: v for k, v in spec.items() if k != "name"}).positions(28, 28)
    truth = torch.zeros(784, dtype=torch.bool)
    flat = torch.from_numpy(r * 28 + cc)
    truth[flat[torch.from_numpy(val) < 0.5]] = True
    tm, tp = c["rt"]
    dark = ((tm[0] >= 0.5) & (tp.mean(0) < 0.5)).flatten()
    x = fit.x[fit.y != s]
    z = x.clone().flatten(1)
    z[:, dark] = 0
    layer = first_linear(model, x[:2])
    with torch.no_grad():
        d = (torch.relu(layer(z)) - torch.relu(layer(x.flatten(1)))).mean(0)
    weight = layer.weight.detach()  # units x 784
    out = []
    for k in (5, 10, 20, 40):
        top = d.topk(k).indices
        sc = -(d[top, None] * weight[top]).sum(0)
        plain = -(weight[top]).sum(0)
        hit = int(truth[sc.masked_fill(~inked, -1e9).topk(100).indices].sum())
        out.append(f"k{k} auc {auc(sc[inked], truth[inked]):.2f}/"
                   f"{auc(plain[inked], truth[inked]):.2f} hit100 {hit}")
    print(c["name"], spec["value"], spec["count"], "dd top",
          [round(float(v), 2) for v in d.topk(6).values], " | ".join(out), flush=True)
