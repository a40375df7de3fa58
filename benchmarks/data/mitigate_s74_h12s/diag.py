"""Issue 12, stop 74 (h12s; development only, spent zoos): what the completed mask's ranking says
about a mask's own size. Per cached model (cache.py): the reading's gates, the stamp's size, how
many of the attacker's white pixels it holds, the ranking's AUC for them, and candidate sizes
read from the suspect alone (knees of the sorted gradient scores, the reversed trigger's
support). The attacker's trigger is read only to diagnose.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s74_h12s/diag.py CACHE 'GLOB'
"""

import glob
import sys

import torch
import torch.nn.functional as F

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.modes import eval_mode
from trojanscope.io.models import load_model
from trojanscope.mitigate import dense_mask as ML
from trojanscope.mitigate.run import split_clean
from trojanscope.mitigate.sent_share import sent_share
from trojanscope.triggers.pixels import PixelsTrigger

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)


def scores(model, mask, suspect):
    others = fit.x[fit.y != suspect]
    with eval_mode(model):
        x = ML.white(mask, others).requires_grad_(True)
        (g,) = torch.autograd.grad(F.log_softmax(model(x), 1)[:, suspect].sum(), x)
    return g.mean((0, 1)).flatten()


def kneedle(v):
    """Index of the knee of a descending curve v (max distance below the chord)."""
    n = len(v)
    if n < 3:
        return n
    x = torch.linspace(0, 1, n)
    y = (v - v[-1]) / (v[0] - v[-1]).clamp_min(1e-12)
    return int((1 - x - y).abs().argmax()) + 1


PATTERNS = sys.argv[2].split(",")
for f in sorted({g for pat in PATTERNS for g in glob.glob(f"{sys.argv[1]}/{pat}.pt")}):
    c = torch.load(f, weights_only=False)  # our own cache file
    spec = c["trigger_spec"]
    if c["suspect"] is None or c["p"] is None or c["p"] < 0.2:
        print(f"{c['name']:16s} {spec.get('value')} {spec.get('count')} not flagged")
        continue
    model = load_model(c["path"]).module.eval()
    r, cc, val = PixelsTrigger(**{k: v for k, v in spec.items() if k != "name"}).positions(28, 28)
    flat = torch.from_numpy(r * 28 + cc)
    val = torch.from_numpy(val)
    whites = set(flat[val > 0.5].tolist())
    read = ML.completed_mask(model, fit.x)
    mask, spike = read
    s = int(c["suspect"])
    flip = sent_share(model, fit.x, fit.y, s, lambda x, m=mask: ML.white(m, x))
    fired = (mask.sum() >= ML.MIN_PIXELS and ML.SPIKE <= spike <= ML.SPIKE_MOST
             and flip >= ML.FLIP_BAR)
    comp = int(mask.sum())
    comp_w = len(whites & set(mask.flatten().nonzero().flatten().tolist()))
    rt_support = rt_bright = 0
    if c["rt"] is not None:
        tm, tp = c["rt"]
        bright = (tm[0] * tp.mean(0) >= ML.BRIGHT).float()[None]
        rt_bright = int(bright.sum())
        rt_support = int((tm[0] >= 0.5).sum())
        mask = torch.maximum(mask, bright)
    idx = mask.flatten().nonzero().flatten()
    if len(idx) < 3:
        print(f"{c['name']:16s} {spec['value']:6s} n={spec['count']:3d} stamp={len(idx)} "
              f"fired={int(fired)}")
        continue
    sc = scores(model, mask, s)[idx]
    order = sc.argsort(descending=True)
    isw = torch.tensor([int(i) in whites for i in idx[order]])
    nw = int(isw.sum())
    pos = sc[order]
    # AUC of whites ranked first
    ranks = torch.arange(len(order)).float()
    auc = (float((ranks[~isw][None] > ranks[isw][:, None]).float().mean())
           if 0 < nw < len(order) else float("nan"))
    k1 = kneedle(pos)
    k2 = int((pos >= 0.5 * pos[0]).sum())
    k3 = int((pos >= 0.25 * pos[0]).sum())
    k4 = int((pos > 0).sum())
    cum = pos.clamp_min(0).cumsum(0)
    k5 = int((cum < 0.8 * cum[-1]).sum()) + 1
    def prec(k, isw=isw):
        return f"{int(isw[:k].sum())}/{k}"

    print(f"{c['name']:16s} {spec['value']:6s} n={spec['count']:3d} W={len(whites):3d} "
          f"p={c['p']:.2f} "
          f"fired={int(fired)} spike={spike:.2f} comp={comp} (W in {comp_w}) rt_bright={rt_bright} "
          f"rt_sup={rt_support} stamp={len(idx)} W_in={nw} auc={auc:.2f} | knee {prec(k1)} "
          f"half {prec(k2)} quarter {prec(k3)} pos {prec(k4)} cum80 {prec(k5)} | "
          f"top-W {prec(max(1, nw))}",
          flush=True)
