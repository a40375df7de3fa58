"""Do `gated`'s output weights stay the same? A digest of each purified model, for a before/after
check of a refactor that must not change what the method computes.

For every zoo model (``--only``) and every `gated` setting in ``--sets`` (``;``-separated,
``k=v,k=v`` each, ``-`` for the defaults), `gated` purifies the model as ``zoo eval-mitigation``
does (the ``--holdout`` split, ``--seed``) and this writes the SHA-256 of its output state dict
(every tensor's name, dtype, shape and bytes, in order), the report's action and the figures
before and after. Run it once from each tree (``PYTHONPATH``) and compare the digests.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_stage_params.py ZOO \\
        --only badnets-000 --sets '-;dense_stop=0.005,dense_rounds=10' --out OUT.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import pending
from trojanscope.cli.common import parse_params
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import mitigate


def digest(model: nn.Module) -> str:
    """SHA-256 over the state dict: each entry's name, dtype, shape and raw bytes."""
    h = hashlib.sha256()
    for name, t in model.state_dict().items():
        t = t.detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--sets", default="-", help="';'-separated gated settings ('-': defaults)")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    sets = [s.strip() for s in args.sets.split(";") if s.strip()]
    done: dict = {"models": {}, "sets": sets}
    for entry, loaded, trigger_of, clean in pending(args, {"models": {}}):
        start = {k: v.clone() for k, v in loaded.module.state_dict().items()}
        for s in sets:
            loaded.module.load_state_dict(start)  # each setting from the model as it came
            params = parse_params([] if s == "-" else s.split(","), "--sets")
            method = Gated(**params)
            result = mitigate(loaded.module, method, clean, holdout=args.holdout, seed=args.seed,
                              trigger_of=trigger_of, input_shape=loaded.input_shape,
                              num_classes=loaded.num_classes)
            row = {"sha256": digest(result.model), "action": method.report_.get("action"),
                   "detector": method.report_.get("detector"),
                   "hand_check": method.report_.get("hand_check"),
                   "unlearn": (method.report_.get("unlearn") or {}).get("action"),
                   "residual": method.report_.get("residual"),
                   "risen": (method.report_.get("candidates") or {}).get("risen"),
                   "before": {k: round(v, 4) for k, v in result.before.items()},
                   "after": {k: round(v, 4) for k, v in result.after.items()}}
            done["models"].setdefault(entry.name, {})[s] = row
            write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
            print(entry.name, s, json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
