"""Development (issue 12, stop 51: h12a): today's default `gated` on zoo models, each output's
state dict, suspect and figures saved for ``diag_residue.py`` and ``dev_free.py`` (the
benchmark's split: MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src python benchmarks/data/mitigate_s51a/keep_today.py OUT_DIR ZOO:MODEL...
"""
import sys
import time
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, mitigate
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth

torch.set_num_threads(1)
out = Path(sys.argv[1])
out.mkdir(exist_ok=True, parents=True)
for arg in sys.argv[2:]:
    zoo, name = Path(arg.split(":")[0]), arg.split(":")[1]
    dataset, _ = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    loaded = load_model(zoo / name)
    spec = loaded.manifest.attack if loaded.manifest is not None else None
    trig = attack_triggered(attack_from_spec(spec)) if spec is not None else None
    g = Gated()
    start = time.perf_counter()
    res = mitigate(loaded.module, g, clean, holdout=0.8, seed=0, trigger_of=trig,
                   input_shape=loaded.input_shape, num_classes=loaded.num_classes)
    action = str(g.report_.get("action"))
    torch.save({"state": res.model.state_dict(), "suspect": g.report_.get("suspect"),
                "before": res.before, "after": res.after, "elapsed": res.elapsed_s,
                "action": action}, out / f"{zoo.name}-{name}.pt")
    print(zoo.name, name, res.before, res.after, round(time.perf_counter() - start, 1),
          action[:100], flush=True)
