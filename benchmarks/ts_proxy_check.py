"""TorchScript run in the sandboxed child (issue 4, stop 38): the same numbers as loading it in
this process, and what it costs.

For each ``MODEL=DATA`` case, runs ``trojanscope detect`` and ``trojanscope detect-inputs`` (the
data screened against itself; ``--commands`` may add ``mitigate``, into ``--scratch``, and
``audit``) with ``--format json`` and one seed, under a baseline source tree
(``--baseline``: the code that loaded TorchScript in the parent) and this one, one after the
other, and compares the JSON reports (every number, ``elapsed`` fields left out) and the wall
times. It also loads each model through :func:`trojanscope.io.models.load_model` here and
compares its logits on the data (and the input gradient of one logit) with the archive loaded
by plain ``torch.jit.load`` (the models are ordinary ones of our own).

    PYTHONPATH=src python benchmarks/ts_proxy_check.py --baseline /tmp/base/src \\
        --json out.json MODEL.pt=DATA.npz ...
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parents[1] / "src"


def _numbers(value, path="") -> dict[str, object]:
    """Every leaf of a JSON report by its path, without timing fields and the output folder
    (``mitigate`` writes each run into its own)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if "elapsed" in k or k in ("seconds", "wall_s", "time_s", "total_s", "duration_s",
                                       "started_at", "out") or k.endswith("_at"):
                continue
            out.update(_numbers(v, f"{path}/{k}"))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_numbers(v, f"{path}/{i}"))
        return out
    if isinstance(value, str):  # a timing inside a note ("detect_s=13.8")
        value = re.sub(r"\b(\w+_s)=[\d.]+", r"\1=<time>", value)
    return {path: value}


def _difference(a: dict, b: dict) -> tuple[float, list[str]]:
    """Largest difference between two reports' numbers, and the paths that differ otherwise."""
    na, nb = _numbers(a), _numbers(b)
    worst, other = 0.0, sorted(set(na) ^ set(nb))
    for key in set(na) & set(nb):
        x, y = na[key], nb[key]
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not (
                isinstance(x, bool) or isinstance(y, bool)):
            worst = max(worst, abs(float(x) - float(y)))
        elif x != y:
            other.append(key)
    return worst, sorted(other)


def _run(src: Path, argv: list[str], timeout: float) -> tuple[dict | None, float, str]:
    env = dict(os.environ, PYTHONPATH=str(src), OMP_NUM_THREADS="1")
    exe = Path(sys.executable).with_name("trojanscope")
    start = time.perf_counter()
    proc = subprocess.run([str(exe), *argv], capture_output=True, text=True, env=env,
                          timeout=timeout)
    wall = time.perf_counter() - start
    try:
        return json.loads(proc.stdout), wall, proc.stderr[-300:]
    except ValueError:
        return None, wall, f"exit {proc.returncode}: {proc.stderr[-300:]}"


def _logits(model: str, data: str, n: int) -> dict[str, float]:
    """Largest logit and input-gradient difference between the proxy and torch.jit.load."""
    from trojanscope.io.models import load_model

    x = torch.from_numpy(np.load(data)["x"][:n]).float()
    proxy, ref = load_model(model).module, torch.jit.load(model).eval()
    with torch.no_grad():
        logits = float((proxy(x) - ref(x)).abs().max())
    xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    proxy(xa)[:, 0].sum().backward()
    ref(xb)[:, 0].sum().backward()
    return {"logits": logits, "input_grad": float((xa.grad - xb.grad).abs().max())}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("cases", nargs="+", help="MODEL=DATA (TorchScript file, .npz)")
    parser.add_argument("--baseline", type=Path, required=True, help="the old code's src")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--commands", default="detect,detect-inputs")
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp"),
                        help="where mitigate writes its run folders")
    parser.add_argument("--no-logits", action="store_true", help="skip the in-process check")
    args = parser.parse_args()
    rows = []
    for case in args.cases:
        model, data = case.split("=", 1)
        if not args.no_logits:
            row = {"model": model, "data": data, **_logits(model, data, args.samples)}
            print(json.dumps(row), flush=True)
            rows.append(row)
        for command in args.commands.split(","):
            argv = [command, model, "--data", data, "--seed", str(args.seed), "--format", "json"]
            if command == "detect-inputs":
                argv = [command, model, data, "--data", data, "--seed",
                        str(args.seed), "--format", "json"]
            if command == "audit":
                argv = [command, model, "--data", data, "--format", "json"]
            out = [] if command != "mitigate" else ["--no-export", "--force", "-o"]
            before, t0, e0 = _run(args.baseline, argv + out + (
                [f"{args.scratch}/before"] if out else []), args.timeout)
            after, t1, e1 = _run(HERE, argv + out + ([f"{args.scratch}/after"] if out else []),
                                 args.timeout)
            worst, other = (_difference(before, after) if before is not None and after
                            is not None else (float("nan"), ["(a run failed)"]))
            row = {"model": model, "command": command, "wall_before_s": round(t0, 2),
                   "wall_after_s": round(t1, 2), "max_difference": worst, "differ": other[:10],
                   "errors": [e for e, r in ((e0, before), (e1, after)) if r is None]}
            print(json.dumps(row), flush=True)
            rows.append(row)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
