"""Issue 12, stop 76 (h12b; development only, spent zoos): ``mask_black``'s unlearning
(:mod:`trojanscope.mitigate.dense_black`) on the cached verdicts, and the readings a keep-or-undo
could take after it on the method's 200 clean images (never the attacker's trigger):

- ``rt``: the reversed trigger's own darkening, its flip before and after (``treat``'s note);
- ``fol``: the followed mask as the unlearning left it, its pixels above one half and their flip;
- ``re``: the followed mask's search run afresh (``RE`` signed steps from the reversed trigger's
  dark pixels on, the whole set of images not of the suspect as one batch) on the input model
  and on the unlearnt one, its pixels and flip;
- ``topK``: the K inked pixels the model's suspect gains most from zeroing (``gains`` on that
  model), zeroed together, their flip on the input model and on the unlearnt one;
- ``det``: the detector run again on the unlearnt model, its probability and suspect.

Then, to diagnose and score only, the attacker's trigger: ASR before and after on the 800 held
images (the benchmark's split), its pixels inked / in the ranking / in the followed mask, and the
ASR of its pixels inside and outside the ranking. ``dense_mask``'s reading runs first as in
``gated``; where it fires the model is skipped.

    EP (200), SEED (0), RE (100), DET=1: the detector again; DARK_MIN (5, stop 75's). The
    variant logs (variants/sparse-*.log: SPARSE=0.34 RE=0) were run from cf567da2, whose
    dense_black also had SPARSE, K_LOW and K_HIGH (a share of the copies darkened on their own
    top-k inked pixels by the suspect's gain, k in [5, 60]; removed since, off otherwise).
    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s76_h12b/try_keep.py CACHE 'GLOB'
"""

import copy
import glob
import os
import resource
import sys
from types import SimpleNamespace

import torch
import torch.nn.functional as F

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.modes import eval_mode
from trojanscope.io.models import load_model
from trojanscope.mitigate import dense_black as DB
from trojanscope.mitigate import dense_mask as ML
from trojanscope.mitigate.run import accuracy, split_clean
from trojanscope.mitigate.sent_share import sent_share
from trojanscope.triggers.pixels import PixelsTrigger

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
EP = int(os.environ.get("EP", "200"))
SEED = int(os.environ.get("SEED", "0"))
RE = int(os.environ.get("RE", "100"))
DB.DARK_MIN = int(os.environ.get("DARK_MIN", "5"))  # stop 75's bar: every spent black mask
INKED = (fit.x.amax(dim=(0, 1)) >= ML.BLANK).flatten()


def positions(spec):
    r, cc, _ = PixelsTrigger(**{k: v for k, v in spec.items() if k != "name"}).positions(28, 28)
    return torch.from_numpy(r), torch.from_numpy(cc)


def asr(model, spec, tgt, part=None):
    """The attacker's black trigger's ASR on the held images (only its pixels in ``part``)."""
    r, cc = positions(spec)
    if part is not None:
        keep = part[r * 28 + cc]
        r, cc = r[keep], cc[keep]
    x = held.x[held.y != tgt].clone()
    x[:, :, r, cc] = 0.0
    with torch.no_grad():
        return float((model(x).argmax(1) == tgt).float().mean())


def flip(model, s, flat):
    return sent_share(model, fit.x, fit.y, s, lambda x: DB.zeroed(x, flat))


def research(model, s, first, allowed):
    """The followed mask's search afresh on ``model``: its pixels above one half."""
    theta = torch.where(first, DB.THETA0, -DB.THETA0)
    bx = fit.x[fit.y != s]
    for _ in range(RE):
        th = theta.clone().requires_grad_(True)
        m = torch.sigmoid(th) * allowed
        with eval_mode(model):
            out = F.log_softmax(model(bx * (1 - m.reshape(1, 1, 28, 28))), 1)
            (g,) = torch.autograd.grad(out[:, s].mean(), th)
        theta = (theta + DB.STEP * g.sign()).clamp(-3 * DB.THETA0, 3 * DB.THETA0)
    return (torch.sigmoid(theta) * allowed) > 0.5


def topk(model, s, k):
    score = DB.gains(model, fit.x[fit.y != s], s).masked_fill(~INKED, float("-inf"))
    flat = torch.zeros_like(INKED)
    flat[score.topk(k).indices] = True
    return flip(model, s, flat)


PATTERNS = sys.argv[2].split(",")
for f in sorted({g for pat in PATTERNS for g in glob.glob(f"{sys.argv[1]}/{pat}.pt")}):
    c = torch.load(f, weights_only=False)  # our own cache file
    spec = c.get("trigger_spec") or {}
    if spec.get("value") != "black" or c["suspect"] is None or c["p"] < 0.2:
        continue
    model = load_model(c["path"]).module.eval()
    s = int(c["suspect"])
    mask, spike = ML.completed_mask(model, fit.x)
    fl = sent_share(model, fit.x, fit.y, s, lambda x, m=mask: ML.white(m, x))
    if mask.sum() >= ML.MIN_PIXELS and ML.SPIKE <= spike <= ML.SPIKE_MOST and fl >= ML.FLIP_BAR:
        print(f"{c['name']:16s} dense_mask fires", flush=True)
        continue
    verdict = SimpleNamespace(target_classes=[s], triggers={s: SimpleNamespace(
        mask=c["rt"][0], pattern=c["rt"][1])})
    dark, support = DB.dark_pixels(verdict, s)
    f0 = flip(model, s, dark)
    if not DB.fires(int(dark.sum()), support, f0):
        print(f"{c['name']:16s} mask_black does not fire (flip {f0:.3f})", flush=True)
        continue
    model0 = copy.deepcopy(model)
    place = DB.ranking(DB.gains(model0, fit.x[fit.y != s], s), INKED, dark)
    allowed = place < int(place.max())
    ca0, a0 = accuracy(model0, held.x, held.y), asr(model0, spec, c["target"])
    c0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    _, followed = DB.unlearn_dark(model, fit, s, dark, SEED, EP)
    model.eval()
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0
    c1 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    fol = followed > 0.5
    re0, re1 = research(model0, s, dark, allowed), research(model, s, dark, allowed)
    sig = {"rt": (round(f0, 3), round(flip(model, s, dark), 3)),
           "fol": (int(fol.sum()), round(flip(model, s, fol), 3)),
           "re0": (int(re0.sum()), round(flip(model0, s, re0), 3)),
           "re1": (int(re1.sum()), round(flip(model, s, re1), 3))}
    for k in (10, 20, 40):
        sig[f"top{k}"] = (round(topk(model0, s, k), 3), round(topk(model, s, k), 3))
    if os.environ.get("DET"):
        from trojanscope.mitigate import conv_lean
        from trojanscope.mitigate.gated import Gated, detector_verdict
        g = Gated()
        g.report_ = {}
        v = conv_lean.verdict(g, model, fit, 0, detector_verdict)
        sig["det"] = (round(float(v.probability or 0), 3), list(v.target_classes)[:2])
    sig_cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - c1
    r, cc = positions(spec)
    att = torch.zeros(784, dtype=torch.bool)
    att[r * 28 + cc] = True
    diag = {"att": int(att.sum()), "inked": int((att & INKED).sum()),
            "ranked": int((att & allowed).sum()), "in_fol": int((att & fol).sum()),
            "in_re1": int((att & re1).sum()), "dark_att": int((att & dark).sum())}
    ca1, a1 = accuracy(model, held.x, held.y), asr(model, spec, c["target"])
    print(f"{c['name']:16s} n={spec.get('count')} dark {int(dark.sum())}/{support} {sig} "
          f"| ca {100 * (ca1 - ca0):+.2f} asr {a0:.4f}->{a1:.4f} goal "
          f"{int(a1 <= 0.02 and ca0 - ca1 <= 0.02)} cpu {cpu:.1f}+{sig_cpu:.1f} | {diag} "
          f"ranked part {asr(model, spec, c['target'], allowed):.4f} unranked "
          f"{asr(model, spec, c['target'], ~allowed):.4f}", flush=True)
