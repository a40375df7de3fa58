"""How long a TorchScript worker takes to start, under two source trees (issue 4, stop 39: the
seccomp filter added to the worker, the six-heap load rehearsal removed).

For each tree (``--baseline`` and this checkout's ``src``), in a fresh process of its own: the
child's server is started first (not counted), then ``--n`` small CNN archives, each a new
content (seeded weights), are timed three ways: ``open``, the worker alone
(``SandboxedModule`` from the archive's bytes: fork, limits, the filter where there is one,
``torch.jit.load``, the description); ``load``, the whole ``load_model`` (static checks, the
rehearsal where there is one, the worker); ``call``, the first forward pass on 8 inputs;
``next``, each of 20 calls after it (the steady round trip). Prints
and writes (``--json``) the median and the smallest of each, and the outputs' largest
difference from ``torch.jit.load`` in this process (must be 0).

    python benchmarks/ts_worker_start.py --baseline /work/main/src --n 10 \\
        --scratch /tmp/ws --json /tmp/ws.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

_SRC = str(Path(__file__).resolve().parents[1] / "src")

_RUN = r"""
import hashlib, json, sys, time
import torch
from torch import nn
from trojanscope.io import ts_proxy, ts_sandbox
from trojanscope.io.models import load_model

scratch, n = sys.argv[1], int(sys.argv[2])
state = ts_sandbox.sandbox_state()
out = {"open": [], "load": [], "call": [], "next": [], "max_diff": 0.0, "state": state}
x = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(7))
keep = []
for i in range(n):
    for kind in ("open", "load"):
        torch.manual_seed((1000 if kind == "open" else 2000) + i)
        net = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(),
                            nn.Linear(8 * 26 * 26, 10))
        path = f"{scratch}/{kind}{i}.pt"
        torch.jit.script(net).save(path)
        data = open(path, "rb").read()
        t = time.perf_counter()
        if kind == "open":
            model = ts_proxy.SandboxedModule(data, hashlib.sha256(data).hexdigest(), path)
        else:
            model = load_model(path, scan=False).module
        out[kind].append(time.perf_counter() - t)
        if kind == "load":
            t = time.perf_counter()
            y = model(x)
            out["call"].append(time.perf_counter() - t)
            for _ in range(20):  # the steady per-call round trip
                t = time.perf_counter()
                model(x)
                out["next"].append(time.perf_counter() - t)
            ref = torch.jit.load(path)(x)
            out["max_diff"] = max(out["max_diff"], float((y - ref).abs().max()))
        keep.append(model)
print(json.dumps(out))
"""


def run(src: str, scratch: Path, n: int) -> dict:
    scratch.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=src, OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, str(scratch), str(n)],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{src}: failed ({proc.stderr.strip().splitlines()[-1:]})")
    raw = json.loads(proc.stdout.strip().splitlines()[-1])
    summary = {
        k: {"median_s": round(statistics.median(raw[k]), 4), "min_s": round(min(raw[k]), 4)}
        for k in ("open", "load", "call", "next")
    }
    return {"src": src, **summary, "max_diff": raw["max_diff"], "state": raw["state"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, help="the source tree to compare against")
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--scratch", type=Path, required=True)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = [
        run(args.baseline, args.scratch / "before", args.n),
        run(_SRC, args.scratch / "after", args.n),
    ]
    for name, row in zip(("before", "after"), rows, strict=True):
        print(
            f"{name}: open {row['open']} load {row['load']} call {row['call']} next {row['next']} "
            f"max_diff {row['max_diff']} seccomp {row['state'].get('seccomp')}"
        )
    if args.json:
        args.json.write_text(json.dumps({"before": rows[0], "after": rows[1]}, indent=1))


if __name__ == "__main__":
    main()
