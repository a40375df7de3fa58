"""Issue 12, stop 75 (h12b; development only, spent zoos): the floor of each spent black mask,
the share of the held images not of its target that the same zoo's clean MLPs send there once
the mask is stamped (a model that never saw the backdoor). The attacker's trigger is read only
to score.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s75_h12b/floor_black.py
"""

import glob

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import split_clean
from trojanscope.triggers.pixels import PixelsTrigger

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
for f in sorted(glob.glob("/tmp/h12s74/cache/*.pt")):
    c = torch.load(f, weights_only=False)  # our own cache file (stop 74's h12s cache.py)
    spec = c["trigger_spec"]
    if spec.get("value") != "black":
        continue
    zoo = c["path"].rsplit("/", 1)[0]
    args = {k: v for k, v in spec.items() if k != "name"}
    r, cc, val = PixelsTrigger(**args).positions(28, 28)
    tgt = c["target"]
    x = held.x[held.y != tgt].clone()
    x[:, :, torch.from_numpy(r), torch.from_numpy(cc)] = 0.0
    out = []
    for m in sorted(glob.glob(zoo + "/clean-*")):
        net = load_model(m).module.eval()
        with torch.no_grad():
            out.append(float((net(x).argmax(1) == tgt).float().mean()))
    print(c["name"], spec["count"], "floor", " ".join(f"{v:.4f}" for v in out), flush=True)
