"""Purify zoo models with `gated` (as ``zoo eval-mitigation`` splits the data) and keep each
purified state dict, so a post-processing candidate can be read on the same models without
running the stages again (issue 12, stop 47: development diagnosis only).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/cache_gated_outputs.py ZOO \\
        --only blended-006,sparse-009 --out-dir /tmp/cache/ZOO
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import pending
from trojanscope.cli.common import parse_params
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import mitigate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--only", default="")
    ap.add_argument("--params", default="", help="gated settings, k=v,k=v")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out-dir", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    params = parse_params(args.params.split(",") if args.params else [], "--params")
    for entry, loaded, trigger_of, clean in pending(args, {"models": {}}):
        method = Gated(**params)
        start = time.perf_counter()
        result = mitigate(loaded.module, method, clean, holdout=args.holdout, seed=args.seed,
                          trigger_of=trigger_of, input_shape=loaded.input_shape,
                          num_classes=loaded.num_classes)
        torch.save(result.model.state_dict(), args.out_dir / f"{entry.name}.pt")
        row = {"before": result.before, "after": result.after,
               "elapsed_s": time.perf_counter() - start,
               "report": {k: v for k, v in method.report_.items()}}
        (args.out_dir / f"{entry.name}.json").write_text(json.dumps(row, default=str, indent=1))
        print(entry.name, json.dumps({"before": result.before, "after": result.after,
                                      "s": round(row["elapsed_s"], 1)}), flush=True)


if __name__ == "__main__":
    main()
