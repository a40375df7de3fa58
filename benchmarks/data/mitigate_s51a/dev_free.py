"""Development (issue 12, stop 51: h12a): ``free_reach``'s reading and unlearning applied to
today's outputs saved by ``keep_today.py`` (the step is `gated`'s last, so today's output is the
model it starts from), scored on the scoring split with the run's own attack (figures only).

    PYTHONPATH=src python benchmarks/data/mitigate_s51a/dev_free.py OUT.json ZOOS_DIR SAVED.pt...
"""
import json
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.free_unlearn import universal_reach, unlearn_free
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)  # the benchmark's split (seed 0)
out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
rows = {}
for f in sys.argv[3:]:
    path = Path(f)
    zoo, name = "-".join(path.stem.split("-")[:2]), path.stem.split("-", 2)[2]
    loaded = load_model(zoos / zoo / name)
    spec = loaded.manifest.attack if loaded.manifest is not None else None
    trig = attack_triggered(attack_from_spec(spec))(held) if spec is not None else None
    saved = torch.load(path, weights_only=False)  # our own scratch file
    model = loaded.module
    before = measure(model, held, trig)
    model.load_state_dict(saved["state"])
    model.eval()
    today = measure(model, held, trig)
    row = {"ca_before": before["ca"], "asr_before": before.get("asr"), "suspect": saved["suspect"],
           "today": {"ca": today["ca"], "asr": today.get("asr")}}
    if saved["suspect"] is not None:
        row["reach"] = universal_reach(model, fit.x, fit.y, int(saved["suspect"]))
        unlearn_free(model, fit, int(saved["suspect"]), 0)
        after = measure(model, held, trig)
        row["unlearnt"] = {"ca": after["ca"], "asr": after.get("asr")}
    rows[path.stem] = row
    u = row.get("unlearnt", {})
    print(f"{path.stem}: CA {before['ca']:.4f} today {today['ca'] - before['ca']:+.4f} / "
          f"{today.get('asr')} reach {row.get('reach')} unlearnt "
          f"{u.get('ca', before['ca']) - before['ca']:+.4f} / {u.get('asr')}", flush=True)
    out_path.write_text(json.dumps(rows, indent=1))
