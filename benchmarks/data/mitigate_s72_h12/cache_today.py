"""Issue 12, stop 72 (h12; development only, spent zoos): today's `gated` on chosen models of
a zoo, its output, the detector's suspect and reversed trigger and the figures cached for
``try_mask.py``. ``cache_today.py OUT_DIR ZOO:N [NAME,...]``."""

import copy
import json
import resource
import sys
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
out.mkdir(exist_ok=True)
folder, _, number = sys.argv[2].rpartition(":")
only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
dataset, entries = read_truth(Path(folder))
clean = load_dataset(dataset, "test")
for e in entries:
    if only and e.name not in only:
        continue
    f = out / f"{number}-{e.name}.pt"
    if f.exists():
        continue
    loaded = load_model(Path(folder) / e.name)
    spec = loaded.manifest.attack if loaded.manifest is not None else None
    trig = attack_triggered(attack_from_spec(spec)) if spec is not None else None
    m = Gated()
    c0 = resource.getrusage(resource.RUSAGE_SELF)
    res = mitigate(
        copy.deepcopy(loaded.module),
        m,
        clean,
        holdout=0.8,
        seed=0,
        trigger_of=trig,
        input_shape=loaded.input_shape,
        num_classes=loaded.num_classes,
    )
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    v = getattr(m, "verdict_", None)
    s = m.report_.get("suspect")
    t = v.triggers.get(int(s)) if (v is not None and s is not None) else None
    torch.save(
        {
            "name": f"{number}/{e.name}",
            "family": e.attack or "clean",
            "target": e.target,
            "trigger_spec": e.trigger,
            "path": str(Path(folder) / e.name),
            "out": res.model.state_dict(),
            "suspect": s,
            "p": float(v.probability or 0) if v is not None else None,
            "ranked": list(v.target_classes) if v is not None else None,
            "rt": (t.mask, t.pattern) if t is not None else None,
            "before": res.before,
            "after": res.after,
            "report": json.loads(json.dumps(m.report_, default=str)),
            "cpu": c1.ru_utime - c0.ru_utime,
        },
        f,
    )
    print(
        number,
        e.name,
        e.attack,
        "p=%s" % (None if v is None else round(float(v.probability or 0), 3)),
        "ca {:.3f}->{:.3f} asr {}->{} cpu {:.1f}".format(
            res.before["ca"],
            res.after["ca"],
            res.before.get("asr"),
            res.after.get("asr"),
            c1.ru_utime - c0.ru_utime,
        ),
        str(m.report_.get("action"))[:60],
        flush=True,
    )
