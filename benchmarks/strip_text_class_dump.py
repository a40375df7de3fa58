"""``strip-text``'s per-input readings for threshold studies (issue 15, stop 52, development):
on each backdoored run folder and split seed, ``evaluate_triggered``'s split (guard half,
held-out clean half, its triggered copies), the detector fitted once on the guard half as
today's guard fits it (``calibrate=own``: the same generator after the split draws the
partners), and for every input of the three sets its score, predicted class, own probability
and keep (the score before division by it). Thresholds of any kind can then be simulated on
these readings with no other forward pass (``strip_text_class_report.py``).

    python benchmarks/strip_text_class_dump.py RUN... --seeds 0 1 --json OUT [-p name=value]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
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


def one_split(model: torch.nn.Module, clean, attack, seed: int, params: dict) -> dict:
    """The three sets' readings on the split and partner draw of ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, clean, attack, gen)
    detector = create("input-detector", "strip-text", **params)
    detector.fit(model, guard_x, generator=gen)
    return {"seed": seed, "target": int(attack.target), "guard": readings(detector, guard_x),
            "neg": readings(detector, neg_x), "trig": readings(detector, trig_x),
            "fires": fires.tolist()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("-p", "--param", action="append", default=[])
    parser.add_argument("--json", type=Path, required=True)
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
                                                  params))
            # written after each split: a run stopped for time keeps what finished
            opts.json.write_text(json.dumps({"params": params, "models": models}) + "\n")
            print(folder.name, seed, "done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
