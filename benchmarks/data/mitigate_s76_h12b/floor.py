"""Issue 12, stop 76 (h12b; diagnosis only, spent seeds): stop 75's ``floor_black.py`` on any
cache: the share of the held images not of each black mask's target that the same zoo's clean
MLPs send there once the attacker's mask is stamped (a model that never saw the backdoor). The
attacker's trigger is read only to diagnose.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s76_h12b/floor.py CACHE 'GLOB'
"""

import glob
import sys

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import split_clean
from trojanscope.triggers.pixels import PixelsTrigger

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
PATTERNS = sys.argv[2].split(",")
for f in sorted({g for pat in PATTERNS for g in glob.glob(f"{sys.argv[1]}/{pat}.pt")}):
    c = torch.load(f, weights_only=False)  # our own cache file (stop 74's h12s cache.py)
    spec = c["trigger_spec"]
    if spec.get("value") != "black":
        continue
    zoo = c["path"].rsplit("/", 1)[0]
    r, cc, _ = PixelsTrigger(**{k: v for k, v in spec.items() if k != "name"}).positions(28, 28)
    x = held.x[held.y != c["target"]].clone()
    x[:, :, torch.from_numpy(r), torch.from_numpy(cc)] = 0.0
    out = []
    for m in sorted(glob.glob(zoo + "/clean-*")):
        net = load_model(m).module.eval()
        with torch.no_grad():
            out.append(float((net(x).argmax(1) == c["target"]).float().mean()))
    print(c["name"], spec["count"], "floor", " ".join(f"{v:.4f}" for v in out), flush=True)
