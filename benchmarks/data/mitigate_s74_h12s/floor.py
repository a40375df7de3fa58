"""Issue 12, stop 74 (h12s; development only, spent zoos): the attacker's trigger on models that
never saw it. Per cached white/random mask, the share of held-out images not of the target that
the same zoo's clean MLPs send to the target once stamped with the whole trigger (and the white
half alone): the floor an unlearnt model cannot be expected to go below.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s74_h12s/floor.py CACHE 'GLOB,...'
"""

import glob
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import split_clean
from trojanscope.triggers.pixels import PixelsTrigger
from trojanscope.zoo import read_truth

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
_, held = split_clean(clean, 0.8, 0, needs_data=True)
models: dict[str, list] = {}
PATTERNS = sys.argv[2].split(",")
for f in sorted({g for pat in PATTERNS for g in glob.glob(f"{sys.argv[1]}/{pat}.pt")}):
    c = torch.load(f, weights_only=False)  # our own cache file
    spec = c["trigger_spec"]
    if spec.get("name") != "pixels" or spec.get("value") == "black":
        continue
    zoo = str(Path(c["path"]).parent)
    if zoo not in models:
        models[zoo] = [load_model(Path(zoo) / e.name).module.eval()
                       for e in read_truth(Path(zoo))[1] if not e.backdoored]
    r, cc, val = PixelsTrigger(**{k: v for k, v in spec.items() if k != "name"}).positions(28, 28)
    flat, val = torch.from_numpy(r * 28 + cc), torch.from_numpy(val)
    tgt = c["target"]
    hx = held.x[held.y != tgt].flatten(1)
    whole, half = hx.clone(), hx.clone()
    whole[:, flat] = val
    half[:, flat[val > 0.5]] = 1.0
    with torch.no_grad():
        w = [float((m(whole.reshape(-1, 1, 28, 28)).argmax(1) == tgt).float().mean())
             for m in models[zoo]]
        h = [float((m(half.reshape(-1, 1, 28, 28)).argmax(1) == tgt).float().mean())
             for m in models[zoo]]
    print(f"{c['name']:16s} {spec['value']:6s} n={spec['count']:3d} target {tgt}: clean models "
          f"whole {' '.join(f'{x:.4f}' for x in w)} | white half {' '.join(f'{x:.4f}' for x in h)}",
          flush=True)
