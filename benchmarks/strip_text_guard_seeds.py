"""``strip-text``'s guard read over several split seeds per model (issue 15, stop 51, h15b): on
each backdoored run folder and each split seed, today's threshold and the candidate's on the
same split and the same deployed detector (``strip_text_guard_splits.one_split``: ``folds`` is
today's default, ``own_pacC`` is ``-p calibrate=own -p fpr_confidence=C``: the rank of
``pac_threshold`` on the deployed detector's own scores of the guard half), written as one JSON
file per (model, seed) in ``--out``. Seeds are the outer loop, so a run cut short has every
model on the same seeds; a file already there is kept (the run resumes where it stopped).

    python benchmarks/strip_text_guard_seeds.py RUN... --seeds 0 1 2 3 4 --confidence 0.95 --out DIR
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from strip_text_guard_splits import one_split
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder


def reading(split: dict, confidence: float) -> dict:
    """One split's figures as the rule reads them: ``default`` (today's ``folds`` threshold)
    and ``candidate`` (``own_pac{confidence}``), each its threshold, held-out clean share
    flagged (``fpr``) and firing triggered share flagged (``tpr``)."""
    keep = ("threshold", "fpr", "tpr")
    return {"seed": split["seed"], "guard": split["guard"], "neg": split["neg"],
            "fires": split["fires"],
            "default": {k: split["folds"][k] for k in keep},
            "candidate": {k: split[f"own_pac{confidence:g}"][k] for k in keep}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--out", type=Path, required=True)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    opts.out.mkdir(parents=True, exist_ok=True)
    loaded = {}
    for folder in opts.folders:
        run = load_model(folder)
        clean = attach_encoder(run, load_dataset(run.manifest.dataset["name"], "test"))
        loaded[folder.name] = (run.module.eval(), clean, attack_from_spec(run.manifest.attack))
    for seed in opts.seeds:
        for name, (module, clean, attack) in loaded.items():
            path = opts.out / f"seed{seed}_{name}.json"
            if path.exists():
                continue
            t0 = time.perf_counter()
            split = one_split(module, clean, attack, seed, opts.fpr, [opts.confidence], {})
            row = {"model": name, "fpr_target": opts.fpr, "confidence": opts.confidence,
                   **reading(split, opts.confidence),
                   "wall_s": round(time.perf_counter() - t0, 1),
                   "load": round(os.getloadavg()[0], 2)}
            path.write_text(json.dumps(row, indent=2) + "\n")
            print(time.strftime("%H:%M:%S", time.gmtime()), name, seed,
                  f"default {row['default']['fpr']:.3f}/{row['default']['tpr']:.3f}",
                  f"candidate {row['candidate']['fpr']:.3f}/{row['candidate']['tpr']:.3f}",
                  f"{row['wall_s']} s load {row['load']}", flush=True)


if __name__ == "__main__":
    main()
