"""``strip-text``'s per-input readings for threshold studies (issue 15, stop 52, development):
on each backdoored run folder and split seed, ``evaluate_triggered``'s split (guard half,
held-out clean half, its triggered copies), the detector fitted once on the guard half as
today's guard fits it (``calibrate=own``: the same generator after the split draws the
partners), and for every input of the three sets its score, predicted class, own probability
and keep (the score before division by it). Thresholds of any kind can then be simulated on
these readings with no other forward pass (``strip_text_class_report.py``).

``--copies`` (stop 54): each input's mixtures' keeps too, in partner order (``copies``), read
once (the score is their mean over the own probability, as the detector's); a detector fitted
with ``-p n=16`` on the same generator holds ``n=8``'s partners first, so scores over any first
``k`` copies, and the least instead of the mean, are simulated on one reading
(``strip_text_copies_report.py``).

    python benchmarks/strip_text_class_dump.py RUN... --seeds 0 1 --json OUT [-p k=v] [--copies]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level.base import BATCH
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder
from trojanscope.params import parse_assignments
from trojanscope.registry import create


def readings(detector, x: torch.Tensor) -> dict[str, list]:
    """Score, predicted class, own probability and keep of each input of ``x``."""
    with torch.no_grad():
        probs = detector.model(x).softmax(1)
    own, pred = probs.max(1)
    score = detector.score(x).double()
    keep = score * own.double() if detector.measure == "ratio" else score
    return {"score": score.tolist(), "pred": pred.tolist(), "own": own.double().tolist(),
            "keep": keep.tolist()}


def copy_readings(detector, x: torch.Tensor) -> dict[str, list]:
    """As :func:`readings` plus each input's mixtures' keeps (``copies``), one forward pass of
    each mixture; the score is their mean over the own probability (``measure=ratio``,
    ``stat=mean``: the detector's own score, not read again)."""
    own, pred, copies = [], [], []
    with torch.no_grad():
        for i in range(0, len(x), BATCH):
            o, p = detector.model(x[i : i + BATCH]).softmax(1).max(1)
            keep, index = detector.mixture_keeps(x[i : i + BATCH], p)
            own += o.double().tolist()
            pred += p.tolist()
            copies += [keep[index == j].double().tolist() for j in range(len(p))]
    keep_mean = [sum(c) / len(c) if c else 1.0 for c in copies]
    return {"score": [k / max(o, 1e-12) for k, o in zip(keep_mean, own, strict=True)],
            "pred": pred, "own": own, "keep": keep_mean, "copies": copies}


def one_split(model: torch.nn.Module, clean, attack, seed: int, params: dict,
              copies: bool = False) -> dict:
    """The three sets' readings on the split and partner draw of ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, clean, attack, gen)
    detector = create("input-detector", "strip-text", **params)
    detector.fit(model, guard_x, generator=gen)
    read = copy_readings if copies else readings
    return {"seed": seed, "target": int(attack.target), "guard": read(detector, guard_x),
            "neg": read(detector, neg_x), "trig": read(detector, trig_x),
            "fires": fires.tolist(), "pool": [len(p) for p in detector.partners_]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("-p", "--param", action="append", default=[])
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--copies", action="store_true", help="keep each mixture's keep")
    opts = parser.parse_args()
    torch.set_num_threads(1)
    params = parse_assignments(opts.param, "--param")
    models = []
    for folder in opts.folders:
        loaded = load_model(folder)
        clean = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
        attack = attack_from_spec(loaded.manifest.attack)
        models.append({"model": folder.name, "attack": loaded.manifest.attack.name,
                       "splits": []})
        for seed in opts.seeds:
            models[-1]["splits"].append(one_split(loaded.module.eval(), clean, attack, seed,
                                                  params, opts.copies))
            # written after each split: a run stopped for time keeps what finished
            opts.json.write_text(json.dumps({"params": params, "models": models}) + "\n")
            print(folder.name, seed, "done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
