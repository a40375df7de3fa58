"""Add input-space probe statistics to the generalisation rows (issue 9 experiment).

For every row of ``gen_rows.json`` reloads the model and its clean data and runs the two probes
``auto`` adds when it has clean data, each with a generator seeded 0 as ``auto`` seeds them:

- ``eps50``: per class, the universal perturbation's size (``detect/universal.py``);
- ``ts``/``ts_norms``: the trigger search's features and per-class mask L1 norms;
- ``stripe_eps50``: per class, the size of a universal perturbation restricted to stripes
  (``--probes stripes``);
- ``uap_hits``/``stripe_hits``: per class and step, the share of the other classes' inputs the
  growing perturbation sends to the class (the sizes are read off these; eighth round);
- ``empty_hits``/``empty_eps50`` (``--probes empty``): the same for the perturbation confined to
  the clean data's empty pixels (issue 9, stop 32);
- ``pixel_hits`` (``--probes pixels``): the greedy universal pixel probe's shares per class and
  step (``detect/pixels.py``; issue 9, stop 33).

    python benchmarks/probe_rows.py --rows benchmarks/out/gen_rows.json \
        --out benchmarks/out/probe_0.json --shard 0/2
    python benchmarks/probe_rows.py --rows benchmarks/out/gen_rows.json \
        --out benchmarks/out/stripes.json --probes stripes
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch

sys.path.insert(0, str(Path(__file__).parent))
from generalise_rows import foreign, ours
from trojanscope.data import load_dataset
from trojanscope.detect.base import InspectionTarget, balanced_sample
from trojanscope.detect.pixels import pixel_hits
from trojanscope.detect.trigger_search import TriggerSearch
from trojanscope.detect.universal import UniversalPerturbation


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--shard", default="0/1")
    ap.add_argument("--probes", default="uap,ts",
                    help="Comma-separated: uap, ts, stripes, empty (the empty pixels; stop 32), "
                         "pixels (the greedy pixel probe; stop 33).")
    ap.add_argument("--skip-covered", action="store_true",
                    help="Only models outside the default calibrator's coverage (the only ones "
                         "whose calibrator reads the probes).")
    args = ap.parse_args()
    torch.set_num_threads(1)
    i, n = (int(v) for v in args.shard.split("/"))
    rows = json.loads(args.rows.read_text())
    done = json.loads(args.out.read_text()) if args.out.is_file() else {}
    mnist = balanced_sample(load_dataset("mnist", "test"), 20, torch.Generator().manual_seed(0))
    loaders = {}
    for zoo in sorted({r["zoo"] for r in rows}):
        z = Path(zoo)
        if (z / "clean.npz").is_file():
            items, clean = foreign(z), load_dataset(z / "clean.npz", "all")
        else:
            items, clean = ours(z), mnist
        for meta, load in items:
            loaders[(zoo, meta["name"])] = (load, clean)
    for j, r in enumerate(rows):
        key = f"{r['zoo']}/{r['name']}"
        if j % n != i or key in done or (args.skip_covered and covered(r)):
            continue
        load, clean = loaders[(r["zoo"], r["name"])]
        model = load().eval()
        for p in model.parameters():
            p.requires_grad_(False)
        target = InspectionTarget(model, tuple(clean.x.shape[1:]), 10, clean)
        out = run_probes(target, set(args.probes.split(",")))
        done[key] = out
        args.out.write_text(json.dumps(done))
        print(key, r["backdoored"], r.get("target"),
              {k: v for k, v in out.items() if k.endswith("_s")}, flush=True)


def covered(row: dict) -> bool:
    """Every architecture trait of the row's model is covered by the default calibrator."""
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.coverage import coverage_notes

    return not coverage_notes(row["traits"], load_calibrators()["auto"].fitted_on["coverage"])


def run_probes(target: InspectionTarget, probes: set[str]) -> dict:
    """The chosen probes' statistics, each with a generator seeded 0 (as ``auto`` seeds them)."""
    out: dict = {}
    for probe, pattern, key, hits_key, time_key in (
            ("uap", "free", "eps50", "uap_hits", "uap_s"),
            ("stripes", "stripes", "stripe_eps50", "stripe_hits", "stripe_s"),
            ("empty", "empty", "empty_eps50", "empty_hits", "empty_s")):
        if probe in probes:  # the sizes, and the share reached per class and step (8th round)
            t0 = time.perf_counter()
            uap = UniversalPerturbation(pattern=pattern)
            hits = uap.hits(target, torch.Generator().manual_seed(0))
            out[key] = uap.sizes_from_hits(hits).tolist()
            out[hits_key] = hits.round(decimals=4).tolist()
            out[time_key] = time.perf_counter() - t0
    if "pixels" in probes:
        t0 = time.perf_counter()
        hits = pixel_hits(target, torch.Generator().manual_seed(0))
        out["pixel_hits"] = hits.round(decimals=4).tolist()
        out["pixel_s"] = time.perf_counter() - t0
    if "ts" in probes:
        t0 = time.perf_counter()
        v = TriggerSearch().run(target, torch.Generator().manual_seed(0))
        out["ts"] = v.features
        out["ts_norms"] = [pc.details["mask_l1"] for pc in sorted(v.per_class, key=lambda p: p.cls)]
        out["ts_s"] = time.perf_counter() - t0
    return out


if __name__ == "__main__":
    main()
