"""Issue 12, stop 49 (h12b): which classes a SIG MLP's accuracy leaves from, under today's
default and ``gated:project_repair=5`` (the held-out 800 images, ``--holdout 0.8 --seed 0``).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/data/mitigate_s49b/per_class.py \\
        /tmp/h12bs49/zoo-2428:sig-007 /tmp/h12bs49/zoo-2430:sig-002 /tmp/h12bs49/zoo-2430:sig-007
"""

import copy
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import predict
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import mitigate, split_clean


def per_class(model, held) -> list[int]:
    """Correct held-out images per class."""
    with torch.no_grad():
        pred = predict(model.eval(), held.x).argmax(1)
    return [int(((pred == held.y) & (held.y == c)).sum()) for c in range(10)]


torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
_, held = split_clean(clean, 0.8, 0, needs_data=True)
for arg in sys.argv[1:]:
    zoo, name = arg.split(":")
    loaded = load_model(Path(zoo) / name)
    base = per_class(loaded.module, held)
    print(arg, "suspect/target: see the method's note; images per class", [
        int((held.y == c).sum()) for c in range(10)])
    print("  original ", base)
    for label, params in (("today", {}), ("E=5", {"project_repair": 5})):
        method = Gated(**params)
        out = mitigate(copy.deepcopy(loaded.module), method, clean, holdout=0.8, seed=0,
                       trigger_of=None, input_shape=loaded.input_shape,
                       num_classes=loaded.num_classes).model
        got = per_class(out, held)
        print(f"  {label:9}", [g - b for g, b in zip(got, base, strict=True)], "suspect",
              method.report_.get("suspect"))
