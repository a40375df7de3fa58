"""SHA-256 digests of purified models kept by ``cache_gated_outputs.py``, in the form
``check_stage_params.py`` writes them, so a cache made from one tree can be compared with
`gated` run from another (issue 12, stop 48: the margin's options off must leave the default's
weights bit-identical).

    PYTHONPATH=src python benchmarks/digest_cached_states.py ZOO CACHE_DIR --only sig-002
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from check_stage_params import digest
from trojanscope.io.models import load_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("cache", type=Path)
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    args = ap.parse_args()
    names = ([n for n in args.only.split(",") if n]
             or sorted(p.stem for p in args.cache.glob("*.pt")))
    for name in names:
        model = load_model(args.zoo / name).module
        model.load_state_dict(torch.load(args.cache / f"{name}.pt", weights_only=True))
        print(json.dumps({"model": name, "sha256": digest(model)}))


if __name__ == "__main__":
    main()
