"""Issue 12, stop 73 (h12; development only, spent zoos: stop 72's cache /tmp/h1272/cache):
which part of a random mask stays after stop 72's white unlearning, and readings of it. Per
cached model: the completed mask M (with the reversed trigger's bright pixels), the attacker's
white half W and black half B (read to score and to diagnose only), a black-pixel reading
(first-order gain of zeroing a pixel: weak, AUC 0.58-0.76 on inked black pixels), the rankings
inside M (cosine, projection, the suspect's gradient), then, with EP>0, the unlearning
(MODE=share: stop 72's; MODE=low: each pixel kept at 0.05-1; MODE=prefix / gprefix: a random
share of a top prefix of M by cosine / by gradient, MIX of the copies stop 72's share) and the
ASR of stamps made of W, B and M's parts on the unlearnt model.

    MODE=gprefix MIX=0 OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python diag.py '*sparse*'
"""

import copy
import glob
import os
import resource
import sys

import torch
import torch.nn.functional as F

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate import dense_mask as ML
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.free_unlearn import distil_fit
from trojanscope.mitigate.run import accuracy, split_clean
from trojanscope.triggers.pixels import PixelsTrigger

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
EP = int(os.environ.get("EP", "120"))
MODE = os.environ.get("MODE", "share")
MIX = float(os.environ.get("MIX", "0"))
ERASE = float(os.environ.get("ERASE", "0"))
LO = float(os.environ.get("LO", "0.05"))
PIX = 28 * 28


def asr(m, x, t):
    with torch.no_grad():
        return float((m(x).argmax(1) == t).float().mean())


def auc(score, pos):
    s, n = score[pos], score[~pos]
    return float((s[:, None] > n[None, :]).float().mean())


def stamp(x, white=None, black=None):
    x = x.clone().reshape(len(x), -1)
    if white is not None:
        x[:, white] = 1
    if black is not None:
        x[:, black] = 0
    return x.reshape(-1, 1, 28, 28)


def suspect_grad(model, mask, nx, s):
    xs = ML.white(mask, nx).requires_grad_(True)
    (g,) = torch.autograd.grad(F.log_softmax(model(xs), 1)[:, s].sum(), xs)
    return g, xs.detach()


def centred_columns(model):
    cols = ML.columns(ML.first_linear(model, fit.x[:2]), (1, 28, 28))
    blank = (fit.x.amax(dim=(0, 1)) < ML.BLANK).flatten()
    return cols - cols[blank].mean(0, keepdim=True)


def perturb(mask, order, gen):
    """MODE low / prefix / gprefix: the stamps tried (module docstring)."""
    flat = mask.flatten()[None]

    def pert(_n, bx):
        n = len(bx)
        if MODE == "low":
            keep = torch.rand(n, 1, generator=gen) * (1 - LO) + LO
            m = flat * (torch.rand(n, PIX, generator=gen) < keep).float()
        else:  # a top share of the ranking, then a random share of it
            q = torch.rand(n, generator=gen) * (1 - LO) + LO
            m = torch.zeros(n, PIX)
            for i in range(n):
                m[i, order[:max(1, int(q[i] * len(order)))]] = 1
            keep = torch.rand(n, 1, generator=gen) * 0.7 + 0.3
            m = m * (torch.rand(n, PIX, generator=gen) < keep).float()
            full = flat * (torch.rand(n, PIX, generator=gen) < keep).float()
            use = (torch.rand(n, 1, generator=gen) < MIX).float()
            m = use * full + (1 - use) * m
        if ERASE:
            bx = bx * (torch.rand(n, 1, 28, 28, generator=gen) >= ERASE).float()
        return ML.white(m.reshape(n, 1, 28, 28), bx)

    return pert


for f in sorted(glob.glob(f"/tmp/h1272/cache/{sys.argv[1]}.pt")):
    c = torch.load(f, weights_only=False)  # our own cache file, written by cache_today.py
    came = load_model(c["path"]).module.eval()
    t = PixelsTrigger(**{k: v for k, v in c["trigger_spec"].items() if k != "name"})
    r, cc, v = t.positions(28, 28)
    flat, val = torch.from_numpy(r * 28 + cc), torch.from_numpy(v)
    W = torch.zeros(PIX, dtype=torch.bool)
    W[flat[val > 0.5]] = True
    B = torch.zeros(PIX, dtype=torch.bool)
    B[flat[val < 0.5]] = True
    tgt, s = c["target"], int(c["suspect"])
    hx = held.x[held.y != tgt]
    mask, spike = ML.completed_mask(came, fit.x)
    rm, rp = c["rt"]
    mask = torch.maximum(mask, ((rm[0] * rp.mean(0)) >= 0.5).float()[None])
    M = mask.flatten() > 0
    ink = fit.x.mean(0).flatten()
    Bink = B & (ink > 0.05)
    # the black reading: first-order gain of the suspect's log-prob from zeroing a pixel
    nx = fit.x[fit.y != s]
    g, xs = suspect_grad(came, mask, nx, s)
    score = (-(g * xs)).mean(0).flatten()
    score[M] = -1e9
    cand = ~M & (ink > 0.05)
    a = auc(score[cand], B[cand]) if B[cand].any() and (~B[cand]).any() else float("nan")
    k = int(Bink.sum())
    top = torch.zeros(PIX, dtype=torch.bool)
    top[score.topk(max(k, 1)).indices] = True
    spread = 1.4826 * (score[cand] - score[cand].median()).abs().median()
    zsel = cand & (score >= score[cand].median() + 4 * spread)
    print(f"{c['name']} {c['trigger_spec']['value']} W={int(W.sum())} B={int(B.sum())} "
          f"Bink={k} M={int(M.sum())} M&W={int((M & W).sum())} | black score AUC(inked) {a:.2f} "
          f"top{k} hit {int((top & B).sum())} z4 sel {int(zsel.sum())} "
          f"hit {int((zsel & B).sum())}")
    print(f"   input: full {asr(came, stamp(hx, W, B), tgt):.3f} "
          f"white-only {asr(came, stamp(hx, W), tgt):.3f} "
          f"black-only {asr(came, stamp(hx, None, B), tgt):.3f} "
          f"M {asr(came, stamp(hx, M), tgt):.3f}")
    cols = centred_columns(came)
    d = cols[M].mean(0)
    proj = (cols @ d) / d.norm()
    cos = proj / cols.norm(dim=1).clamp_min(1e-12)
    att = suspect_grad(came, mask, nx, s)[0].mean(0).flatten()
    print(f"   inside M (W vs extras): cos {auc(cos[M], W[M]):.2f} proj {auc(proj[M], W[M]):.2f} "
          f"grad {auc(att[M], W[M]):.2f} ink-extras {int((M & ~W & (ink > 0.05)).sum())} "
          f"blank-extras {int((M & ~W & (ink <= 0.05)).sum())} "
          f"ink-W {int((M & W & (ink > 0.05)).sum())}")
    if not EP:
        continue
    c0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    u = copy.deepcopy(came)
    print(f"   cosine AUC W vs extras inside M: {auc(cos[M], W[M]):.2f}; M&B {int((M & B).sum())}")
    if MODE == "share":
        ML.unlearn_mask(u, fit, mask, 0, EP)
    else:
        gen = torch.Generator().manual_seed(7207)
        rank = att if MODE.startswith("g") else cos
        order = torch.argsort(rank.masked_fill(~M, -9e9), descending=True)[:int(M.sum())]
        distil_fit(u, frozen_copy(u), fit, gen, EP, perturb=perturb(mask, order, gen))
    u.eval()
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0
    dca = accuracy(u, held.x, held.y) - accuracy(came, held.x, held.y)
    rows = {"full": (W, B), "white-only": (W, None), "black-only": (None, B),
            "W-minus-M+B": (W & ~M, B), "(M&W)+B": (W & M, B), "M+B": (M, B), "M+zsel": (M, zsel)}
    print(f"   unlearnt ({cpu:.1f}s) ca {dca:+.3f}: "
          + " ".join(f"{k} {asr(u, stamp(hx, *v), tgt):.3f}" for k, v in rows.items()), flush=True)
