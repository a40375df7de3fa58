"""Issue 12, stop 75 (h12b; development only, spent zoos): ``mask_black``'s reading and
unlearning (:mod:`trojanscope.mitigate.dense_black`) on the cached verdicts (stop 74's cache,
h12s ``cache.py``), without the rest of ``gated``. Per model: the note (dark pixels, support,
flip, action), then the CA change and the ASR of the attacker's trigger on the 800 held images
(the benchmark's split), and the CPU seconds. ``dense_mask``'s reading runs first as in
``gated``; where it fires the model is skipped (``dense_mask`` treats it). The attacker's
trigger is read only to score.

    EP (epochs, 200), TOP, LEAD, KEEP, DIST, FOLLOW, STEP, HARD, SEED: the step's constants and
    seed for the run; SPLIT=1: the ASR of the trigger's pixels inside and outside the ranking.
    The variant logs (variants/) were run from e7c71c14, whose dense_black also had ADAPT,
    SPREAD, UNITS and LAM (removed since; each off in the candidate, so nothing it computes
    changed).

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s75_h12b/try_black.py CACHE 'GLOB'
"""

import copy
import glob
import os
import resource
import sys
from types import SimpleNamespace

import torch

from trojanscope.data.resolve import load_dataset
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
DB.TOP = int(os.environ.get("TOP", DB.TOP))
DB.LEAD_LOW = float(os.environ.get("LEAD", DB.LEAD_LOW))
DB.KEEP_LOW = float(os.environ.get("KEEP", DB.KEEP_LOW))
DB.DISTILL = float(os.environ.get("DIST", DB.DISTILL))
DB.FOLLOW = float(os.environ.get("FOLLOW", DB.FOLLOW))
DB.STEP = float(os.environ.get("STEP", DB.STEP))
DB.HARD = float(os.environ.get("HARD", DB.HARD))
SEED = int(os.environ.get("SEED", "0"))


def asr(model, spec, tgt, part=None):
    """The attacker's trigger's ASR on the held images; ``part``: only its pixels with that
    flat index mask (a bool over H*W) set."""
    if spec.get("name") != "pixels":
        return float("nan")
    r, cc, val = PixelsTrigger(**{k: v for k, v in spec.items() if k != "name"}).positions(28, 28)
    if part is not None:
        keep = part[torch.from_numpy(r * 28 + cc)].numpy()
        r, cc, val = r[keep], cc[keep], val[keep]
    x = held.x[held.y != tgt].clone()
    x[:, :, torch.from_numpy(r), torch.from_numpy(cc)] = torch.from_numpy(val)
    with torch.no_grad():
        return float((model(x).argmax(1) == tgt).float().mean())


PATTERNS = sys.argv[2].split(",")
for f in sorted({g for pat in PATTERNS for g in glob.glob(f"{sys.argv[1]}/{pat}.pt")}):
    c = torch.load(f, weights_only=False)  # our own cache file
    spec = c.get("trigger_spec") or {}
    if c["suspect"] is None or c["p"] is None or c["p"] < 0.2:
        print(f"{c['name']:16s} {c['family']} {spec.get('value')} not flagged", flush=True)
        continue
    model = load_model(c["path"]).module.eval()
    s = int(c["suspect"])
    mask, spike = ML.completed_mask(model, fit.x)
    flip = sent_share(model, fit.x, fit.y, s, lambda x, m=mask: ML.white(m, x))
    if mask.sum() >= ML.MIN_PIXELS and ML.SPIKE <= spike <= ML.SPIKE_MOST and flip >= ML.FLIP_BAR:
        print(f"{c['name']:16s} {c['family']} {spec.get('value')} dense_mask fires", flush=True)
        continue
    triggers = {}
    if c["rt"] is not None:
        triggers[s] = SimpleNamespace(mask=c["rt"][0], pattern=c["rt"][1])
    verdict = SimpleNamespace(target_classes=[s] + [t for t in c["ranked"] if t != s],
                              triggers=triggers)
    gated = SimpleNamespace(mask_black=EP, asked_=[], report_={})
    ca0, a0 = accuracy(model, held.x, held.y), asr(model, spec, c["target"])
    model0 = copy.deepcopy(model)
    c0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    out = DB.treat(gated, model, fit, verdict, SEED)
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0
    note = {k: v for k, v in gated.report_["mask_black"].items() if k not in ("bars", "seconds")}
    line = (f"{c['name']:16s} {c['family']:7s} {spec.get('value')!s:6s} "
            f"n={spec.get('count')} {note}")
    if out is not None:
        ca1, a1 = accuracy(out, held.x, held.y), asr(out, spec, c["target"])
        line += (f" | ca {ca0:.4f}->{ca1:.4f} ({100 * (ca1 - ca0):+.2f}) asr {a0:.4f}->{a1:.4f}"
                 f" goal {int(a1 <= 0.02 and ca0 - ca1 <= 0.02)} cpu {cpu:.1f}")
        if os.environ.get("SPLIT"):  # the trigger's pixels inside / outside the ranking
            others = fit.x[fit.y != s]
            inked = (fit.x.amax(dim=(0, 1)) >= ML.BLANK).flatten()
            first = DB.dark_pixels(verdict, s)[0]
            place = DB.ranking(DB.gains(model0, others, s), inked, first)
            inside = place < int(place.max())
            line += (f" | ranked part {asr(out, spec, c['target'], inside):.4f}"
                     f" (before {asr(model0, spec, c['target'], inside):.4f}), unranked part "
                     f"{asr(out, spec, c['target'], ~inside):.4f}"
                     f" (before {asr(model0, spec, c['target'], ~inside):.4f})")
    print(line, flush=True)
