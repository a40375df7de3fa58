"""Where a treated CNN's CPU time goes under today's `gated` (issue 12, stop 66: h12c).

One model of a zoo purified by today's default exactly as ``check_teach_last.py`` runs it (the
benchmark's split: MNIST's test split, 200 images for the method, 800 scored, seed 0), under
``cProfile`` and the process CPU clock: prints the run's wall and CPU seconds and the cumulative
seconds of `gated`'s stages and their main parts (the detector, the first stage, the second
stage and its probes), and writes the raw profile beside OUT.json.

    PYTHONPATH=src:benchmarks python benchmarks/profile_s66_cnn.py ZOO MODEL OUT.json

A bad argument (no such model folder, no output folder) ends in one ``error:`` line and exit 2.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

import torch

from _common import run_main
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, mitigate
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth

# The functions whose cumulative time is read (module path fragment, function name).
PARTS = [
    ("mitigate/gated.py", "detector_verdict"),
    ("mitigate/ftsam.py", "purify"),
    ("mitigate/gated_unlearn.py", "unlearn"),
    ("mitigate/adaptive.py", "unlearn"),
    ("mitigate/gated_handback.py", "hand_back"),
    ("mitigate/residual.py", "residual"),
    ("mitigate/residual.py", "perturbation_asr"),
    ("mitigate/universal_warp.py", "warp_reach"),
    ("mitigate/accept.py", "compare"),
    ("detect/neural_cleanse.py", "inspect"),
    ("detect/mmbd.py", "inspect"),
    ("detect/auto.py", "inspect"),
    ("mitigate/run.py", "measure"),
]


def parts(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative seconds of every profiled function named in ``PARTS`` (summed over files)."""
    out: dict[str, float] = {}
    for (path, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for frag, name in PARTS:
            if frag in path and func == name:
                key = f"{frag}:{name}"
                out[key] = round(out.get(key, 0.0) + ct, 1)
    return out


def main(argv: list[str] | None = None) -> None:
    """Profile one model's run and print its parts."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("error: expected ZOO MODEL OUT.json", file=sys.stderr)
        raise SystemExit(2)
    zoo, name, out = Path(args[0]), args[1], Path(args[2])
    if not (zoo / name).is_dir():
        print(f"error: {zoo / name}: no such model folder", file=sys.stderr)
        raise SystemExit(2)
    if not out.parent.is_dir():
        print(f"error: {out.parent}: no such folder", file=sys.stderr)
        raise SystemExit(2)
    torch.set_num_threads(1)
    dataset, _ = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    loaded = load_model(zoo / name)
    spec = loaded.manifest.attack if loaded.manifest is not None else None
    trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
    method = Gated()
    prof = cProfile.Profile()
    start, cpu = time.perf_counter(), time.process_time()
    prof.enable()
    res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                   input_shape=loaded.input_shape, num_classes=loaded.num_classes)
    prof.disable()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    prof.dump_stats(str(out.with_suffix(".prof")))
    stats = pstats.Stats(prof)
    found = {"model": f"{zoo.name}/{name}", "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
             "before": res.before, "after": res.after, "parts": parts(stats),
             "report": {k: (v if isinstance(v, (int, float, str)) or v is None else str(v)[:300])
                        for k, v in method.report_.items()}}
    write_text_atomic(out, json.dumps(found, indent=1))
    print(json.dumps(found, indent=1))
    stats.sort_stats("cumulative").print_stats("trojanscope", 45)


if __name__ == "__main__":
    run_main(main)
