"""Where a guarded ``serve`` request's time goes: each stage of the server's path for one
request, timed in this process, one stage at a time (no HTTP, no concurrency).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_serve_breakdown.py RUN \
        --out OUT.json

Stages, in the order the service runs them: parsing the JSON body (``parse_inputs``), the
backend's model pass, the guard (split into its input checks, the hooked torch pass that gives
the layer features, the per-layer class distances, and standardising and fusing), recording one
flagged input in the incident database (SQLite, one transaction), and the JSON response; where
the service runs the fused ONNX Runtime pass (``serve/fused.py``), that pass alone and with the
guard's arithmetic, which replace the model pass and ``guard.check``. Each
is timed as CPU time of this thread (``time.thread_time``: what the shared machine's load
changes least) and as wall time, median over ``--repeats`` calls, for single inputs and for
64-input batches. The guard is the one ``serve --guard auto`` builds (same clean inputs and
seed as ``bench_serve.py``; ``--guard-param NAME=VALUE`` as serve's, e.g. ``edges=true``: the
edge column, then timed as a stage of its own). ``--scores FILE.npz`` also saves the service's
answers (scores, flags, predictions) on the request images and their triggered copies, so two
versions of the code can be compared (``np.abs(a - b).max()``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from fastapi.responses import JSONResponse

from trojanscope.audit.incidents import Incident
from trojanscope.data import load_dataset
from trojanscope.data.dataset import stratified_split
from trojanscope.detect.input_level.edges import smoothness
from trojanscope.detect.input_level.features import layer_features
from trojanscope.detect.input_level.mahalanobis import combine_columns
from trojanscope.io.atomic import write_text_atomic
from trojanscope.params import parse_assignments
from trojanscope.serve.requests import parse_inputs
from trojanscope.serve.service import ServeOptions, build_service


def timed(fn: Callable[[], object], repeats: int) -> dict[str, float]:
    """Median CPU and wall milliseconds of ``fn()`` over ``repeats`` calls (after one)."""
    fn()
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.thread_time(), time.perf_counter()
        fn()
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu_ms": 1000 * statistics.median(cpu), "wall_ms": 1000 * statistics.median(wall)}


def stages(service, x: torch.Tensor, repeats: int) -> dict[str, dict[str, float]]:
    """Every stage of ``service.run`` (and around it) on the batch ``x``."""
    guard = service.guard
    det = guard.detector
    body = json.dumps({"inputs": x.tolist()}).encode()
    feats, logits = layer_features(det.view_, x, det.layers_, det.input_side, det.map_side)
    pred = logits.argmax(1)
    # the class statistics as this version's detector keeps them (whitened since stop 31)
    stats = (det.whitened_,) if hasattr(det, "whitened_") else (det.means_, det.precisions_)
    dist = det._distances(feats, pred, *stats)
    cols = dist
    if getattr(det, "edges_", False):  # stop 33's edge column, read from the input
        cols = torch.cat([dist, smoothness(x, det.span_)[:, None].to(dist)], 1)
    answer = service.run(x)
    incident = [Incident(x[0].numpy(), 1.0, 0, False)]
    store = service.store

    def checks() -> None:
        det.check_inputs(x, det.input_shape, "inputs")
        det.model.eval()

    def standardise() -> None:
        combine_columns((cols - det.centre_) / det.spread_, det.combine)

    with torch.no_grad():
        out = {
            "parse (JSON body to tensor)": timed(
                lambda: parse_inputs(body, service.input_shape, 256), repeats
            ),
            f"model ({service.backend.name})": timed(
                lambda: service.backend.logits(x).argmax(1).tolist(), repeats
            ),
            "guard: input checks": timed(checks, repeats),
            "guard: hooked torch pass (layer features)": timed(
                lambda: layer_features(det.view_, x, det.layers_, det.input_side, det.map_side),
                repeats,
            ),
            "guard: class distances": timed(lambda: det._distances(feats, pred, *stats), repeats),
            "guard: standardise and fuse": timed(standardise, repeats),
            **(
                {
                    "guard: edge column (from the input)": timed(
                        lambda: smoothness(x, det.span_), repeats
                    )
                }
                if getattr(det, "edges_", False)
                else {}
            ),
            "guard.check (all of the guard)": timed(lambda: guard.check(x), repeats),
            "record 1 incident (SQLite)": timed(
                lambda: store.record_incidents(
                    incident, model_sha256="0" * 64, model="m", detector=det.name, threshold=1.0
                ),
                max(10, repeats // 10),
            ),
            "response JSON": timed(lambda: JSONResponse(answer.body()), repeats),
        }
        if getattr(service, "fused", None) is not None:  # stop 31: one ONNX Runtime pass
            out["fused: ONNX Runtime pass with the activations"] = timed(
                lambda: service.fused.run(x), repeats
            )
            out["fused: prediction and guard (what serve runs)"] = timed(
                lambda: service.fused.check(guard, x), repeats
            )
        saved, service.store = service.store, None
        out["service.run, nothing recorded"] = timed(lambda: service.run(x), repeats)
        service.store = saved
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--repeats", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--scores", type=Path, default=None)
    ap.add_argument(
        "--guard-param",
        action="append",
        default=[],
        help="detector parameter NAME=VALUE, as serve's --guard-param",
    )
    args = ap.parse_args()
    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="bench-serve-breakdown-"))
    test = load_dataset("mnist", "test")
    guard_idx, pool_idx = stratified_split(test.y.numpy(), 0.5, args.seed)
    np.savez(work / "clean.npz", x=test.x[guard_idx].numpy())
    service, info = build_service(
        args.run,
        ServeOptions(
            data=str(work / "clean.npz"),
            guard="auto",
            seed=args.seed,
            db=str(work / "incidents.sqlite"),
            guard_params=parse_assignments(args.guard_param, "--guard-param"),
        ),
    )
    pool = test.x[pool_idx]
    if args.scores is not None:
        from trojanscope.io.models import load_model
        from trojanscope.mitigate.triggers import attack_from_spec

        trig, _, _ = attack_from_spec(load_model(args.run).manifest.attack).test_inputs(
            test.subset(pool_idx)
        )
        answer = service.run(torch.cat([pool, trig]))  # what the service answers
        np.savez(
            args.scores,
            scores=np.array(answer.scores),
            flagged=np.array(answer.flagged),
            predictions=np.array(answer.predictions),
        )
    results = {
        "run": str(args.run),
        "backend": info["backend"],
        "repeats": args.repeats,
        "stages": {size: stages(service, pool[:size], args.repeats) for size in (1, 64)},
    }
    write_text_atomic(args.out, json.dumps(results, indent=2) + "\n")
    print(f"fused pass in use: {info.get('fused', False)}")
    print("| stage | 1 input: CPU / wall ms | 64 inputs: CPU / wall ms |")
    print("|---|---|---|")
    for name in results["stages"][1]:
        one, many = results["stages"][1][name], results["stages"][64][name]
        print(
            f"| {name} | {one['cpu_ms']:.3f} / {one['wall_ms']:.3f} | "
            f"{many['cpu_ms']:.2f} / {many['wall_ms']:.2f} |"
        )


if __name__ == "__main__":
    main()
