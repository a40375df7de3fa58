"""Span-occlusion readings beside ``strip-text``'s (issue 15, stop 56, h15): on each backdoored
run folder and split seed, ``strip_text_class_dump.one_split``'s readings (the guard half, the
held-out clean half and its triggered copies; today's ``strip-text`` fitted as its guard fits
it) and, for every input of the three sets, the least probability of its predicted class the
model keeps with one token span of each length in ``--lengths`` removed
(:func:`~trojanscope.detect.input_level.span_occlusion.least_keeps`), with the seconds each set
took. Scores built from them (the drop, its share of the own probability, mixed with the strip
score) and their guard thresholds are simulated with no other forward pass
(``span_text_report.py``).

    python benchmarks/span_text_dump.py RUN... --seeds 0 --json OUT [--lengths 1 2] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from strip_text_class_dump import readings
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.detect.input_level.span_occlusion import least_keeps, protected_ids
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder
from trojanscope.registry import create

SETS = ("guard", "neg", "trig")


def span_readings(model: torch.nn.Module, x: torch.Tensor, pred: list[int],
                  lengths: list[int], max_spans: int) -> dict:
    """Per input the least kept probability of its class per span length, and the wall."""
    start = time.perf_counter()
    pad_id = int(getattr(model, "pad_id", 0))
    with torch.no_grad():
        least = least_keeps(model, x, torch.tensor(pred), lengths, max_spans, pad_id,
                            protected_ids(model))
    return {"least": least.double().tolist(), "seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--max-spans", type=int, default=400)
    parser.add_argument("--limit", type=int, default=0,
                        help="development only: read the first N inputs of each set (0: all)")
    parser.add_argument("--json", type=Path, required=True)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    models = []
    for folder in opts.folders:
        loaded = load_model(folder)
        module = loaded.module.eval()
        clean = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
        attack = attack_from_spec(loaded.manifest.attack)
        models.append({"model": folder.name, "attack": loaded.manifest.attack.name,
                       "splits": []})
        for seed in opts.seeds:
            gen = torch.Generator().manual_seed(seed)
            with torch.no_grad():
                guard_x, neg_x, trig_x, fires = triggered_split(module, clean, attack, gen)
            if opts.limit:  # the guard fitted on fewer clean sentences: development only
                guard_x, neg_x = guard_x[:opts.limit], neg_x[:opts.limit]
                trig_x, fires = trig_x[:opts.limit], fires[:opts.limit]
            sets = dict(zip(SETS, (guard_x, neg_x, trig_x), strict=True))
            start = time.perf_counter()
            detector = create("input-detector", "strip-text")  # today's, as its guard fits it
            detector.fit(module, guard_x, generator=gen)
            split = {"seed": seed, "target": int(attack.target), "fires": fires.tolist(),
                     **{name: readings(detector, sets[name]) for name in SETS}}
            split["strip_seconds"] = time.perf_counter() - start
            for name in SETS:
                split[name]["span"] = span_readings(module, sets[name], split[name]["pred"],
                                                    opts.lengths, opts.max_spans)
                split[name]["tokens"] = (sets[name] != int(getattr(module, "pad_id", 0))
                                         ).sum(1).tolist()
            models[-1]["splits"].append(split)
            opts.json.write_text(json.dumps({"lengths": opts.lengths, "models": models}) + "\n")
            print(folder.name, seed, "done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
