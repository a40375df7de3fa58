"""``text-inversion``'s default against the same detector without the searches no text
calibrator reads (issue 15, stop 42): the relaxed one-token search (``relax_steps``, 80 steps
by default on a model that is not transformer-sized) and the neutral search
(``neutral_tokens=4``). No shipped ``text-inversion`` calibrator reads a ``tr_*``, ``trn_*`` or
``tn_*`` feature, so the verdict should be the same and only the time should fall.

Each effective model of each zoo is inspected twice under the same seed with the shipped
calibrators — ``default`` (stop 41's default written out, ``relax_steps=80 neutral_tokens=4``,
so that the comparison holds whatever the code's default is) and ``lean``
(``relax_steps=0 neutral_tokens=0``) —
the order alternating from model to model so that a change in the machine's load falls on
both alike. Per model: both probabilities, families, seconds, and the architecture
(:func:`trojanscope.detect.text_arch.text_architecture`).

    python benchmarks/text_default_time.py --zoo Z [Z ...] [--models N] --json out.json
    python benchmarks/text_default_time.py --combine A.json B.json --json both.json

``--combine`` pools the rows of earlier runs (zoos timed by separate processes) into one
summary.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.calibration import calibrate
from trojanscope.detect.text_arch import text_architecture
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder
from trojanscope.registry import create
from trojanscope.zoo import effective, read_truth

TODAY = {"relax_steps": 80, "neutral_tokens": 4}  # stop 41's default for a model of this size
LEAN = {"relax_steps": 0, "neutral_tokens": 0}
TOLERANCE = 1e-9  # probabilities equal to this


def inspect(loaded, clean, params: dict, seed: int) -> dict:
    """One calibrated ``text-inversion`` verdict: probability, family, seconds."""
    detector = create("detector", "text-inversion", **params)
    verdict = detector.inspect(loaded.module, clean, input_shape=loaded.input_shape,
                               num_classes=loaded.num_classes, seed=seed)
    calibrate(verdict)
    return {"probability": verdict.probability, "family": verdict.family,
            "elapsed_s": verdict.elapsed_s}


def compare_zoo(zoo: Path, most: int | None, seed: int) -> list[dict]:
    """Both verdicts for every effective model of ``zoo`` (the first ``most`` if given)."""
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    rows = []
    for i, entry in enumerate([e for e in entries if effective(e)][:most]):
        loaded = load_model(zoo / entry.name)
        data = attach_encoder(loaded, clean)
        order = ("default", "lean") if i % 2 == 0 else ("lean", "default")
        got = {name: inspect(loaded, data, TODAY if name == "default" else LEAN, seed)
               for name in order}
        arch = text_architecture(loaded.module, data.x[:8])
        row = {"zoo": zoo.name, "name": entry.name, "backdoored": entry.backdoored,
               "architecture": arch, "load_1min": os.getloadavg()[0], **{
                   f"{k}_{f}": v[f] for k, v in got.items() for f in v}}
        rows.append(row)
        print(f"{i + 1} {entry.name} {arch} p {row['default_probability']:.4f} / "
              f"{row['lean_probability']:.4f}  {row['default_elapsed_s']:.1f} s / "
              f"{row['lean_elapsed_s']:.1f} s", file=sys.stderr, flush=True)
    return rows


def summary(rows: list[dict]) -> dict:
    """Largest probability difference, families equal, median seconds per architecture."""
    out: dict = {
        "models": len(rows),
        "max_abs_probability_difference": max(
            abs(r["default_probability"] - r["lean_probability"]) for r in rows),
        "families_equal": all(r["default_family"] == r["lean_family"] for r in rows),
    }
    out["same_verdict"] = (out["max_abs_probability_difference"] <= TOLERANCE
                           and out["families_equal"])
    for arch in [*sorted({r["architecture"] for r in rows}), "all"]:
        part = [r for r in rows if arch in ("all", r["architecture"])]
        out[arch] = {
            "models": len(part),
            "median_default_s": statistics.median(r["default_elapsed_s"] for r in part),
            "median_lean_s": statistics.median(r["lean_elapsed_s"] for r in part),
            "median_ratio": statistics.median(r["lean_elapsed_s"] / r["default_elapsed_s"]
                                              for r in part),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", type=Path, nargs="+")
    parser.add_argument("--combine", type=Path, nargs="+", help="earlier runs' JSON to pool")
    parser.add_argument("--models", type=int, default=None, help="the first N of each zoo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, required=True)
    opts = parser.parse_args()
    if bool(opts.zoo) == bool(opts.combine):
        parser.error("give --zoo or --combine (one of them)")
    if opts.combine:
        runs = [json.loads(p.read_text()) for p in opts.combine]
        rows = [r for run in runs for r in run["rows"]]
        result = {"combined": [str(p) for p in opts.combine], "summary": summary(rows),
                  "rows": rows}
        opts.json.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result["summary"], indent=2))
        return
    torch.set_num_threads(1)
    start = time.time()
    rows = [r for zoo in opts.zoo for r in compare_zoo(zoo, opts.models, opts.seed)]
    result = {"zoos": [str(z) for z in opts.zoo], "default": TODAY, "lean": LEAN,
              "seed": opts.seed, "models_per_zoo": opts.models,
              "summary": summary(rows), "rows": rows,
              "wall_s": time.time() - start}
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["summary"], indent=2))


if __name__ == "__main__":
    main()
