"""Issue 12, stop 57 (h12): one seeded `gated` run on one zoo model, its figures and notes as JSON
with the clock readings left out, to compare the code before and after a refactor (run once with
``PYTHONPATH=/work/main/src``, once with the worktree's ``src``; the benchmark's split).

    python benchmarks/data/mitigate_s57/same_numbers.py ZOO NAME OUT.json [key=value ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, mitigate
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth


def _no_clock(obj):
    """``obj`` without the keys that hold seconds."""
    if isinstance(obj, dict):
        return {k: _no_clock(v) for k, v in obj.items()
                if not (k == "seconds" or k.endswith("_s") or k == "elapsed_s")}
    if isinstance(obj, list):
        return [_no_clock(v) for v in obj]
    return obj


def main() -> None:
    zoo, name, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    opts = {k: float(v) for k, v in (a.split("=") for a in sys.argv[4:])}
    torch.set_num_threads(1)
    dataset, _ = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    loaded = load_model(zoo / name)
    spec = loaded.manifest.attack if loaded.manifest is not None else None
    trig = attack_triggered(attack_from_spec(spec)) if spec is not None else None
    method = Gated(**opts)
    res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trig,
                   input_shape=loaded.input_shape, num_classes=loaded.num_classes)
    got = {"options": opts, "before": res.before, "after": res.after,
           "report": _no_clock(json.loads(json.dumps(method.report_, default=str)))}
    out.write_text(json.dumps(got, indent=1, sort_keys=True))
    print(json.dumps({"before": res.before, "after": res.after}))


if __name__ == "__main__":
    main()
