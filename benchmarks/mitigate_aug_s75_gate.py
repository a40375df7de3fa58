"""Issue 12, stop 75 (h12; development): readings the method owns beside the development rows,
to find where ``aug_last`` should run.

For each model ``mitigate_aug_s75_dev.py`` cached (today's output, the input model, the 200
clean images, the suspect), on the method's own images only: the input model's and the output's
accuracy on shifted copies of the suspect's own clean images (``own_came``, ``own_out``) and on
shifted copies of all 200 (``all_came``, ``all_out``: ``restore_last``'s reading). Printed
beside each development row's today and variant figures (scored on the 800 held-out images).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_aug_s75_gate.py CACHE ROWS.jsonl...
        --zoo N=FOLDER ... [-v VARIANT]
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import torch

from _common import read_jsonl, run_main
from trojanscope.engine.metrics import accuracy
from trojanscope.io.models import load_model
from trojanscope.mitigate.shift_read import shift_accuracy, shifted


def readings(cache: Path, zoo: Path, name: str) -> dict[str, float]:
    kept = torch.load(cache, weights_only=True)
    came = load_model(zoo / name).module.eval()
    out = copy.deepcopy(came)
    out.load_state_dict(kept["out"])
    out.eval()
    x, y, s = kept["x"], kept["y"], int(kept["suspect"])
    own = y == s
    moved = shifted(x[own])
    ys = torch.full((len(moved),), s)
    return {"own_came": accuracy(came, moved, ys), "own_out": accuracy(out, moved, ys),
            "all_came": shift_accuracy(came, x, y), "all_out": shift_accuracy(out, x, y),
            "fit_own_out": accuracy(out, x[own], y[own])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cache", type=Path)
    ap.add_argument("rows", nargs="+", type=Path)
    ap.add_argument("--zoo", action="append", default=[])
    ap.add_argument("-v", default="aug:epochs=5,teacher=own")
    args = ap.parse_args()
    torch.set_num_threads(1)
    zoos = dict(z.split("=", 1) for z in args.zoo)
    seen = set()
    for path in args.rows:
        for row in read_jsonl(path):
            name = row["name"]
            if name in seen or not isinstance(row.get(args.v), dict):
                continue
            seen.add(name)
            number, model = name.split("/")
            r = readings(args.cache / f"{number}-{model}.pt", Path(zoos[number]), model)
            t, v = row["today"], row[args.v]
            base = t["ca_before"]

            def dca(ca: float, base: float = base) -> float:
                return 100 * (ca - base)

            def ok(ca: float, asr: float | None) -> bool:
                return dca(ca) >= -2.0 - 1e-4 and (asr or 0) <= 0.02 + 1e-6
            print(f"{name:18s} today {dca(t['ca']):+.2f}/{100 * (t['asr'] or 0):.2f}% "
                  f"{'ok  ' if ok(t['ca'], t['asr']) else 'MISS'} cand {dca(v['ca']):+.2f}/"
                  f"{100 * (v['asr'] or 0):.2f}% {'ok  ' if ok(v['ca'], v['asr']) else 'MISS'} | "
                  f"own {r['own_came']:.3f}->{r['own_out']:.3f} (drop "
                  f"{r['own_came'] - r['own_out']:+.3f}) all {r['all_came'] - r['all_out']:+.3f}"
                  f" fit-own {r['fit_own_out']:.2f}", flush=True)


if __name__ == "__main__":
    run_main(main)
