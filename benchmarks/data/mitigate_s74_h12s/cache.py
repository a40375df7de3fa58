"""Issue 12, stop 74 (h12s; development only, spent zoos): cache the detector's verdict (suspect,
ranked classes, probability, reversed trigger) for the sparse models of spent zoos, on the
check's split (MNIST's test split, holdout 0.8, seed 0), so the mask step's variants can be read
offline. Stop 72's cache (/tmp/h1272/cache, zoos 2465-2494) is copied as it is.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s74_h12s/cache.py OUT ZOO:NUMBER...
"""

import glob
import resource
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate import conv_lean
from trojanscope.mitigate.gated import Gated, detector_verdict
from trojanscope.mitigate.run import split_clean
from trojanscope.zoo import read_truth

torch.set_num_threads(1)
out = Path(sys.argv[1])
out.mkdir(exist_ok=True)
for f in glob.glob("/tmp/h1272/cache/*-sparse-*.pt"):
    c = torch.load(f, weights_only=False)  # our own cache file (stop 72's cache_today.py)
    if not (out / Path(f).name).exists():
        torch.save({k: c[k] for k in ("name", "family", "target", "trigger_spec", "path",
                                      "suspect", "p", "ranked", "rt")}, out / Path(f).name)
clean = load_dataset("mnist", "test")
fit, _ = split_clean(clean, 0.8, 0, needs_data=True)
for arg in sys.argv[2:]:
    folder, _, number = arg.rpartition(":")
    for e in read_truth(Path(folder))[1]:
        f = out / f"{number}-{e.name}.pt"
        if e.attack != "sparse" or f.exists():
            continue
        model = load_model(Path(folder) / e.name).module.eval()
        c0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
        g = Gated()
        g.report_ = {}
        v = conv_lean.verdict(g, model, fit, 0, detector_verdict)
        s = v.target_classes[0] if v.target_classes else None
        t = v.triggers.get(int(s)) if s is not None else None
        torch.save({"name": f"{number}/{e.name}", "family": e.attack, "target": e.target,
                    "trigger_spec": e.trigger, "path": str(Path(folder) / e.name),
                    "suspect": s, "p": float(v.probability or 0), "ranked": list(v.target_classes),
                    "rt": (t.mask, t.pattern) if t is not None else None}, f)
        print(number, e.name, e.trigger.get("count"), e.trigger.get("value"),
              f"p={float(v.probability or 0):.3f} suspect {s} target {e.target} "
              f"cpu {resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0:.1f}", flush=True)
