"""Issue 12, stop 72 (h12; development only, spent zoos): the dense-mask reading
(``dense_mask.completed_mask``: pixels, spike) on every stored input model of stop 71's zoos,
and the share of the method's clean images the mask stamped white sends to one class."""

import glob
import json
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import predict
from trojanscope.io.models import load_model
from trojanscope.mitigate import dense_mask as ML
from trojanscope.mitigate.run import split_clean

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
rows = []
for d in sorted(glob.glob("/tmp/h1271/zoo-*/*/zoo_entry.json")):
    e = json.loads(Path(d).read_text())
    p = Path(d).parent
    m = load_model(p).module.eval()
    r = ML.completed_mask(m, fit.x)
    mask, spike = r
    n = int(mask.sum())
    st = fit.x * (1 - mask) + mask
    with torch.no_grad():
        pred = predict(m, st).argmax(1)
    cls = int(pred.mode().values)
    share = float((pred[fit.y != cls] == cls).float().mean())
    fam = e["attack"] or "clean"
    value = str(e["trigger"].get("value", "")) if e["trigger"] else ""
    print(
        f"{p.parent.name[4:]}/{p.name:12s} {fam:8s} {value:6s} t={e['target']} "
        f"spike={spike:.2f} pix={n} maj={cls} share={share:.2f}",
        flush=True,
    )
