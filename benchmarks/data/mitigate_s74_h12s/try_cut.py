"""Issue 12, stop 74 (h12s; development only, spent zoos): ``dense_mask``'s unlearning with the
ranked stamp cut to a size read from the suspect's own gradient (``CUT``), on the cached
verdicts (cache.py). ``CUT=none`` is today's default (the whole completed mask, ranked);
``cumF`` keeps the top-ranked pixels that hold a share F of the positive gradient mass; ``pos``
the pixels of positive gradient; ``fracF`` those at least F times the top score. Prints per model
the stamp, the cut, the attacker's white pixels inside each, the CA change and the ASR of the
attacker's whole trigger (and its white half alone). The attacker's trigger is read only to
score.

    KEEP, LEAD, Z, EP, SEED, DARK: dense_mask's KEEP_LOW, LEAD_LOW, Z, epochs, seed and
    mask_dark for the run; DROP: the first try of DARK (the global generator).

    CUT=cum0.8 PYTHONPATH=src:benchmarks python \
        benchmarks/data/mitigate_s74_h12s/try_cut.py CACHE 'GLOB,...'
"""

import copy
import glob
import os
import resource
import sys

import torch
import torch.nn.functional as F

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.modes import eval_mode
from trojanscope.io.models import load_model
from trojanscope.mitigate import dense_mask as ML
from trojanscope.mitigate.run import accuracy, split_clean
from trojanscope.mitigate.sent_share import sent_share
from trojanscope.triggers.pixels import PixelsTrigger

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
CUT = os.environ.get("CUT", "none")
EP = int(os.environ.get("EP", "120"))
ML.KEEP_LOW = float(os.environ.get("KEEP", ML.KEEP_LOW))  # the stamp's share, read at each call
ML.LEAD_LOW = float(os.environ.get("LEAD", ML.LEAD_LOW))
ML.Z = float(os.environ.get("Z", ML.Z))
ML.DARK_COPIES = float(os.environ.get("COPIES", ML.DARK_COPIES))
DROP = float(os.environ.get("DROP", "0"))  # copies also darken a share (0-DROP) of other pixels
_white = ML.white


def white_drop(mask, x):
    """``dense_mask.white``, and (DROP > 0, a copy's stamp only) a random share drawn in
    [0, DROP] of the pixels outside the stamp set to 0 (the global generator: development)."""
    if DROP <= 0 or mask.dim() < 4:
        return _white(mask, x)
    share = torch.rand(len(x), 1, 1, 1) * DROP
    dark = (torch.rand(len(x), 1, *x.shape[2:]) < share).float() * (1 - mask)
    return _white(mask, x * (1 - dark))


ML.white = white_drop
torch.manual_seed(0)
DARK = float(os.environ.get("DARK", "0"))  # dense_mask.unlearn_mask's own dark (mask_dark)
SEED = int(os.environ.get("SEED", "0"))  # the method's seed (the stamps' and order's stream)


def scores(model, mask, suspect):
    others = fit.x[fit.y != suspect]
    with eval_mode(model):
        x = ML.white(mask, others).requires_grad_(True)
        (g,) = torch.autograd.grad(F.log_softmax(model(x), 1)[:, suspect].sum(), x)
    return g.mean((0, 1)).flatten()


def cut_size(pos):
    """How many of the ranked pixels (scores ``pos``, descending) the stamp keeps."""
    n = len(pos)
    if CUT == "none":
        return n
    if CUT == "pos":
        return max(1, int((pos > 0).sum()))
    if CUT.startswith("frac"):
        return max(1, int((pos >= float(CUT[4:]) * pos[0]).sum()))
    if CUT.startswith("cum"):
        cum = pos.clamp_min(0).cumsum(0)
        return min(n, int((cum < float(CUT[3:]) * cum[-1]).sum()) + 1)
    raise SystemExit(f"unknown CUT {CUT}")


PATTERNS = sys.argv[2].split(",")
for f in sorted({g for pat in PATTERNS for g in glob.glob(f"{sys.argv[1]}/{pat}.pt")}):
    c = torch.load(f, weights_only=False)  # our own cache file
    spec = c["trigger_spec"]
    if c["suspect"] is None or c["p"] is None or c["p"] < 0.2 or spec.get("value") == "black":
        continue
    came = load_model(c["path"]).module.eval()
    r, cc, val = PixelsTrigger(**{k: v for k, v in spec.items() if k != "name"}).positions(28, 28)
    flat, val = torch.from_numpy(r * 28 + cc), torch.from_numpy(val)
    whites, blacks = flat[val > 0.5], flat[val < 0.5]
    tgt, s = c["target"], int(c["suspect"])
    hx = held.x[held.y != tgt]

    def asr(m, on=None, off=None, hx=hx, tgt=tgt):
        x = hx.clone().flatten(1)
        if on is not None:
            x[:, on] = 1.0
        if off is not None:
            x[:, off] = 0.0
        with torch.no_grad():
            return float((m(x.reshape(hx.shape)).argmax(1) == tgt).float().mean())

    c0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    mask, spike = ML.completed_mask(came, fit.x)
    flip = sent_share(came, fit.x, fit.y, s, lambda x, m=mask: ML.white(m, x))
    if mask.sum() < ML.MIN_PIXELS or not ML.SPIKE <= spike <= ML.SPIKE_MOST or flip < ML.FLIP_BAR:
        print(f"{c['name']:16s} {spec['value']:6s} n={spec['count']} not fired", flush=True)
        continue
    if c["rt"] is not None:
        tm, tp = c["rt"]
        mask = torch.maximum(mask, (tm[0] * tp.mean(0) >= ML.BRIGHT).float()[None])
    place = ML.ranked(came, fit, mask, s)
    idx = mask.flatten().nonzero().flatten()
    pos = scores(came, mask, s)[idx].sort(descending=True).values
    k = cut_size(pos)
    cut = mask * (place < k).float()
    out = copy.deepcopy(came)
    ML.unlearn_mask(out, fit, cut, SEED, EP, place, DARK)
    out.eval()
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0
    wset = set(whites.tolist())
    w_stamp = len(wset & set(idx.tolist()))
    w_cut = len(wset & set(cut.flatten().nonzero().flatten().tolist()))
    dca = (accuracy(out, held.x, held.y) - accuracy(came, held.x, held.y)) * 100
    a = asr(out, whites, blacks)
    goal = "GOAL" if a <= 0.02 and dca >= -2 else "miss"
    print(f"{c['name']:16s} {spec['value']:6s} n={spec['count']:3d} stamp={len(idx)} "
          f"(W {w_stamp}) cut={CUT}:{k} (W {w_cut}) K{ML.KEEP_LOW} L{ML.LEAD_LOW} Z{ML.Z} "
          f"E{EP} S{SEED} D{DROP} dark{DARK}x{ML.DARK_COPIES} | {dca:+.2f} / {a:.4f} (white half "
          f"{asr(out, whites):.4f}) {goal} cpu {cpu:.1f}", flush=True)
