"""Time of the isolated-bright-pixel column (``mahalanobis`` ``isolated=true``, issue 14 stop 34b)
per input: the column alone (read from the input, no forward pass), single inputs and a batch,
and the one-pass guard's scoring of a single input with the column and without (median of
repeats, one thread, MNIST test images).

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_isolated_column.py \
        /tmp/h14/dev/badnets-s17 --out benchmarks/out/isolated_column_time.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.detect.input_level.edges import data_span
from trojanscope.detect.input_level.isolated import data_floor, isolated_share
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model


def seconds(fn: Callable[[], object], repeats: int) -> float:
    """Median wall seconds of ``fn`` over ``repeats`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path, help="a saved run folder (the one-pass guard's model)")
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    x = load_dataset("mnist", "test").x
    fit_x, one, batch = x[:500], x[500:501], x[500:]  # the test split holds 1,000 images
    floor, span = data_floor(fit_x), data_span(fit_x)
    row = {
        "column_single_ms": 1e3 * seconds(lambda: isolated_share(one, floor, span), args.repeats),
        "column_batch_500_ms_per_input": 1e3
        * seconds(lambda: isolated_share(batch, floor, span), 20)
        / len(batch),
    }
    model = load_model(args.model).module.eval()
    for isolated in (False, True):
        det = registry.create("input-detector", "mahalanobis", transforms=[], isolated=isolated)
        det.fit(model, fit_x, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            row[f"guard_single_ms_isolated_{str(isolated).lower()}"] = 1e3 * seconds(
                lambda det=det: det.score(one), args.repeats
            )
    print(json.dumps(row, indent=1))
    write_text_atomic(args.out, json.dumps(row, indent=1))


if __name__ == "__main__":
    main()
