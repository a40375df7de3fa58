"""``detect MODEL --data clean.npz`` before and after a change: time and the same verdict
(issue 9, stop 58).

Each (source tree, model) pair runs the README's line ``trojanscope detect MODEL --data DATA
--format json`` in a fresh Python with that tree's ``src`` first on ``PYTHONPATH``, the trees
alternating so the machine's load falls on both alike. One JSON line per run: wall seconds,
the child's CPU seconds (user + system), the load average at the start, the exit status, the
probability, the suspected target and a digest of every feature (the same digest: the same
verdict, to the last bit of every number). ``--table`` prints the Markdown table of a log.

    python benchmarks/first_contact_speed_s58.py LOG --src main=/tmp/old/src --src new=src \
        --model vendor-model.onnx --model other-cnn.onnx --data clean.npz --cwd USER
    python benchmarks/first_contact_speed_s58.py LOG --table
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def run_once(src: Path, model: str, data: str, cwd: Path, timeout: float) -> dict:
    """One detect run: its times, exit status and verdict."""
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, "-m", "trojanscope", "detect", model, "--data",
                              data, "--format", "json"], cwd=cwd, env=env, capture_output=True,
                             text=True, timeout=timeout)
        rc, stdout = out.returncode, out.stdout
    except subprocess.TimeoutExpired:
        rc, stdout = "timeout", ""
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    row = {"model": model, "rc": rc, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
           "load": round(load, 1)}
    try:
        verdict = json.loads(stdout)
    except ValueError:
        return row
    features = json.dumps(verdict.get("features", {}), sort_keys=True)
    return {**row, "probability": verdict.get("probability"),
            "target": verdict.get("suspected_target"), "detect_s": verdict.get("elapsed_s"),
            "features_sha": hashlib.sha256(features.encode()).hexdigest()[:16]}


def table(log: Path) -> None:
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    print("| code | model | run | load at start | exit | wall s | CPU s | probability | target "
          "| features digest |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r["code"], r["model"])
        seen[key] = seen.get(key, 0) + 1
        p = r.get("probability")
        print(f"| {r['code']} | `{r['model']}` | {seen[key]} | {r['load']} | {r['rc']} | "
              f"{r['wall_s']} | {r['cpu_s']} | {'–' if p is None else f'{p:.6f}'} | "
              f"{r.get('target', '–')} | `{r.get('features_sha', '–')}` |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", type=Path)
    ap.add_argument("--src", action="append", default=[], help="NAME=PATH of a src tree")
    ap.add_argument("--model", action="append", default=[])
    ap.add_argument("--data", default="clean.npz")
    ap.add_argument("--cwd", type=Path, default=Path("."))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--table", action="store_true")
    args = ap.parse_args()
    if args.table:
        table(args.log)
        return
    trees = [s.split("=", 1) for s in args.src]
    with args.log.open("a") as fh:
        for _ in range(args.repeat):
            for model in args.model:
                for name, src in trees:
                    row = {"code": name, **run_once(Path(src), model, args.data, args.cwd,
                                                    args.timeout)}
                    fh.write(json.dumps(row) + "\n")
                    fh.flush()


if __name__ == "__main__":
    main()
