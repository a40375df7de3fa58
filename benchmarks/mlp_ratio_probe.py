"""Why a clean ReLU MLP reads as backdoored to MM-BD (issue 9, stop 45: seed 63's ``mlp-00``).

Two readings: (1) each named model's answer to blank, all-ones, uniform-noise and sparse-noise
images (class counts and mean top-two logit margin; seeded noise); (2) the census of
``mmbd_ratio`` over the clean foreign-script ReLU MLPs of the development rows
(``benchmarks/data/issue9_rows/*rows*.json.gz``), to say whether a model's ratio is in the tail.

    python benchmarks/mlp_ratio_probe.py ZOO NAME... [--json out.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np
import torch

ROWS = Path(__file__).resolve().parent / "data" / "issue9_rows"


def responses(model: torch.nn.Module, shape: tuple[int, ...], seed: int = 0) -> dict:
    """Class counts and mean top-two margin on four kinds of non-digit input."""
    g = torch.Generator().manual_seed(seed)
    inputs = {"zeros": torch.zeros(50, *shape), "ones": torch.ones(50, *shape),
              "uniform": torch.rand(200, *shape, generator=g),
              "sparse": (torch.rand(200, *shape, generator=g) < 0.1).float()}
    out = {}
    with torch.no_grad():
        for name, x in inputs.items():
            logits = model(x)
            top = logits.topk(2, dim=1).values
            out[name] = {"counts": np.bincount(logits.argmax(1).numpy(), minlength=10).tolist(),
                         "margin": float((top[:, 0] - top[:, 1]).mean())}
    return out


def census() -> list[dict]:
    """Clean foreign-script ReLU MLPs of the development rows, one per (zoo, name)."""
    seen: dict = {}
    for path in sorted(ROWS.glob("*rows*.json.gz")):
        with gzip.open(path, "rt") as fh:
            rows = json.load(fh)
        for r in rows:
            if (not r.get("backdoored") and "features" in r and "mlp" in str(r.get("arch"))
                    and r.get("activation") == "relu"):
                seen[(r["zoo"], r["name"])] = float(r["features"].get("mmbd_ratio", 0.0))
    return [{"zoo": z, "name": n, "mmbd_ratio": v} for (z, n), v in
            sorted(seen.items(), key=lambda kv: -kv[1])]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("names", nargs="+")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    with np.load(args.zoo / "clean.npz") as d:
        shape = tuple(d["x"].shape[1:])
    result: dict = {"models": {}}
    for name in args.names:
        # our own benchmark zoo's TorchScript files (foreign_zoo.py), not a user's file
        model = torch.jit.load(str(args.zoo / f"{name}.pt")).eval()
        result["models"][name] = r = responses(model, shape)
        print(name, "; ".join(f"{k}: {v['counts']} margin {v['margin']:.2f}" for k, v in r.items()))
    result["census"] = c = census()
    print(f"clean foreign-script ReLU MLPs in the development rows: {len(c)}; largest mmbd_ratio: "
          + ", ".join(f"{r['zoo']}/{r['name']} {r['mmbd_ratio']:.3f}" for r in c[:5]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
