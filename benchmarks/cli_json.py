"""Run one ``trojanscope`` command with ``--format json`` in a fresh process (one torch thread)
and return its JSON output and wall time; a failure stops the benchmark with its stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def run_cli(args: list[str]) -> tuple[dict, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "trojanscope", "-q", *args, "--format", "json"],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"failed: trojanscope {' '.join(args)}\n{proc.stderr}")
    return json.loads(proc.stdout), time.perf_counter() - start
