"""Development diagnosis (issue 12, stop 51: h12a): of the triggered images a purified model
(saved by ``keep_today.py``) still sends to the target, how many it sends there untriggered
too, from which source classes, by what margin, and how far the trigger raises the target's
logit (the attacker's trigger read for the diagnosis only; no method reads it).

    PYTHONPATH=src python benchmarks/data/mitigate_s51a/diag_residue.py OUT.json ZOOS SAVED.pt...
"""
import json
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import predict
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import attack_triggered, split_clean
from trojanscope.mitigate.triggers import attack_from_spec

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
out = {}
for f in sys.argv[3:]:
    path = Path(f)
    zoo, name = "-".join(path.stem.split("-")[:2]), path.stem.split("-", 2)[2]
    loaded = load_model(zoos / zoo / name)
    if loaded.manifest is None or loaded.manifest.attack is None:
        continue
    t = attack_triggered(attack_from_spec(loaded.manifest.attack))(held)
    tgt = int(t.target[0])
    keep = held.y != tgt
    saved = torch.load(path, weights_only=False)  # our own scratch file
    m = loaded.module.eval()
    with torch.no_grad():
        orig_clean = predict(m, held.x[keep])
    m.load_state_dict(saved["state"])
    m.eval()
    with torch.no_grad():
        lo_t, lo_c = predict(m, t.x), predict(m, held.x[keep])
    hit, chit = lo_t.argmax(1) == tgt, lo_c.argmax(1) == tgt
    top2 = lo_t.topk(2, 1).values
    margin = (top2[:, 0] - top2[:, 1])[hit]
    rise = lo_t[:, tgt] - lo_c[:, tgt]
    row = {"asr": float(hit.float().mean()), "hits": int(hit.sum()), "n": len(hit),
           "clean_to_target_now": int(chit.sum()),
           "clean_to_target_orig": int((orig_clean.argmax(1) == tgt).sum()),
           "hits_also_clean_hits": int((hit & chit).sum()),
           "hits_clean_wrong": int((hit & (lo_c.argmax(1) != t.y)).sum()),
           "margin_median": round(float(margin.median()), 2) if len(margin) else None,
           "rise_median_hits": round(float(rise[hit].median()), 2) if hit.any() else None,
           "rise_median_all": round(float(rise.median()), 2),
           "per_source": {int(c): int(hit[t.y == c].sum()) for c in t.y.unique()},
           "suspect": saved["suspect"], "target": tgt,
           "method_images_of_target": int((fit.y == tgt).sum())}
    out[path.stem] = row
    print(path.stem, json.dumps(row), flush=True)
out_path.write_text(json.dumps(out, indent=1))
