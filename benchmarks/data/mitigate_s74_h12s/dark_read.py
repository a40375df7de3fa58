"""Issue 12, stop 74 (h12s; development only, spent zoos): does the input model answer a dark
half? Per cached mask the reading fires on, the suspect's mean probability on the clean images
not of the suspect stamped white on a random share (0.3) of the completed mask, against the same
stamps with half of every other pixel set to 0 (three draws, a fixed generator). A random mask's
backdoor also wants its black pixels dark, so darkening should raise the suspect's answer; a
white mask's should not. The attacker's trigger is read only to label the rows.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s74_h12s/dark_read.py CACHE 'GLOB,...'
"""

import glob
import sys

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate import dense_mask as ML
from trojanscope.mitigate.run import split_clean
from trojanscope.mitigate.sent_share import sent_share

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, _ = split_clean(clean, 0.8, 0, needs_data=True)
PATTERNS = sys.argv[2].split(",")
for f in sorted({g for pat in PATTERNS for g in glob.glob(f"{sys.argv[1]}/{pat}.pt")}):
    c = torch.load(f, weights_only=False)  # our own cache file
    spec = c["trigger_spec"]
    if c["suspect"] is None or c["p"] is None or c["p"] < 0.2 or spec.get("value") == "black":
        continue
    model = load_model(c["path"]).module.eval()
    s = int(c["suspect"])
    mask, spike = ML.completed_mask(model, fit.x)
    flip = sent_share(model, fit.x, fit.y, s, lambda x, m=mask: ML.white(m, x))
    if mask.sum() < ML.MIN_PIXELS or not ML.SPIKE <= spike <= ML.SPIKE_MOST or flip < ML.FLIP_BAR:
        continue
    if c["rt"] is not None:
        tm, tp = c["rt"]
        mask = torch.maximum(mask, (tm[0] * tp.mean(0) >= ML.BRIGHT).float()[None])
    x = fit.x[fit.y != s]
    gen = torch.Generator().manual_seed(0)
    plain, dark = [], []
    with torch.no_grad():
        for _ in range(3):
            stamp = mask * (torch.rand(len(x), *mask.shape, generator=gen) < 0.3).float()
            off = (torch.rand(len(x), *mask.shape, generator=gen) < 0.5).float() * (1 - stamp)
            plain.append(torch.softmax(model(ML.white(stamp, x)), 1)[:, s].mean())
            dark.append(torch.softmax(model(ML.white(stamp, x * (1 - off))), 1)[:, s].mean())
    p0, p1 = float(torch.stack(plain).mean()), float(torch.stack(dark).mean())
    print(f"{c['name']:16s} {spec['value']:6s} n={spec['count']:3d} suspect p: stamped {p0:.3f}, "
          f"darkened {p1:.3f}, ratio {p1 / max(p0, 1e-6):.2f}", flush=True)
