"""Where ``text-inversion``'s default spends its time on one zoo model (issue 15's time goal):
the model inspected once under :mod:`cProfile`, then the cumulative seconds of the detector's
own stages (``TextInversion._search`` and the other methods of
:mod:`trojanscope.detect.text_inversion`, and the module-level helpers it calls) and their share
of the whole.

    python benchmarks/text_profile.py --zoo Z --model NAME [--params '{"order": 1}']
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder
from trojanscope.registry import create
from trojanscope.zoo import read_truth

STAGES = ("text_inversion.py", "text_phrase.py", "text_vocab_rank.py", "text_order.py",
          "text_lift_reference.py", "text_arch.py", "text_relax.py")


def profile(zoo: Path, name: str, params: dict, seed: int) -> dict:
    """Seconds of the whole inspection and the cumulative seconds of each detector stage."""
    dataset, _ = read_truth(zoo)
    loaded = load_model(zoo / name)
    clean = attach_encoder(loaded, load_dataset(dataset, "test"))
    detector = create("detector", "text-inversion", **params)
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    detector.inspect(loaded.module, clean, input_shape=loaded.input_shape,
                     num_classes=loaded.num_classes, seed=seed)
    prof.disable()
    total = time.perf_counter() - start
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    stages = {}
    for (path, _, func), (_, _, _, cumulative, _) in stats.items():
        if path.endswith(STAGES) and not func.startswith("<"):
            key = f"{Path(path).stem}.{func}"
            stages[key] = max(stages.get(key, 0.0), cumulative)
    top = sorted(stages.items(), key=lambda kv: -kv[1])[:15]
    return {"model": name, "params": params, "total_s": round(total, 2),
            "stages": {k: {"s": round(v, 2), "share": round(v / total, 3)} for k, v in top}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", type=Path, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--params", default="{}", help="detector parameters as JSON")
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    print(json.dumps(profile(opts.zoo, opts.model, json.loads(opts.params), opts.seed),
                     indent=2))


if __name__ == "__main__":
    main()
