"""Wall times quoted in the README and docs, measured as a user meets them.

- ``demo``: ``trojanscope demo`` as a fresh process (train two MNIST models, audit both, write
  the reports);
- ``audit``: ``trojanscope audit MODEL --data mnist`` on the demo's backdoored model, fresh
  process, median of 3;
- ``suite``: the default test suite (``pytest``, as ``.ci/run`` runs it), once on the machine as
  it is and once with ``--load N`` busy processes beside it (the "shared 2-core machine" case).

Every measurement records the machine's load average before it started, so a figure taken on a
busy machine says so.

    .venv/bin/python benchmarks/bench_times.py [--skip-demo] [--skip-suite] [--load 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "times.json"
BIN = Path(sys.executable).parent
CLI = str(BIN / "trojanscope")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def child_cpu_s() -> float:
    """User + system CPU seconds of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU: list[float] = []  # each ``wall`` command's CPU seconds, in order


def wall(cmd: list[str], ok: tuple[int, ...] = (0, 1)) -> float:
    """The command's wall seconds; its CPU seconds go to ``CPU`` (on a shared machine the CPU
    time, with one torch thread, is what the wall time would be on a quiet one)."""
    cpu = child_cpu_s()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    elapsed = time.perf_counter() - start
    CPU.append(child_cpu_s() - cpu)
    if proc.returncode not in ok:
        raise SystemExit(
            f"{cmd} failed ({proc.returncode}): {proc.stderr[-2000:]}{proc.stdout[-2000:]}"
        )
    return elapsed


def _spin(stop: float) -> None:
    while time.time() < stop:
        pass


def with_load(n: int, seconds: float):
    """``n`` busy processes for at most ``seconds`` (they stop by themselves)."""
    stop = time.time() + seconds
    procs = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    return procs


def measure_demo_and_audit() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        load = os.getloadavg()[0]
        demo_s = wall([CLI, "demo", "--out", f"{tmp}/demo", "--no-history"])
        demo_cpu, load_after = CPU[-1], os.getloadavg()[0]
        log(
            f"demo: {demo_s:.1f} s, CPU {demo_cpu:.1f} s (load before {load:.2f}, "
            f"after {load_after:.2f})"
        )
        model = f"{tmp}/demo/models/backdoored"
        runs = [
            wall(
                [
                    CLI,
                    "audit",
                    model,
                    "--data",
                    "mnist",
                    "--no-history",
                    "--format",
                    "json",
                    "--output",
                    f"{tmp}/a.json",
                ]
            )
            for _ in range(3)
        ]
        audit_cpu = CPU[-3:]
        log(f"audit: {[round(r, 1) for r in runs]}, CPU {[round(c, 1) for c in audit_cpu]}")
    return {
        "demo_s": demo_s,
        "demo_cpu_s": demo_cpu,
        "load_before_demo": load,
        "load_after_demo": load_after,
        "audit_runs_s": runs,
        "audit_cpu_s": audit_cpu,
        "audit_median_s": statistics.median(runs),
    }


def measure_suite(load_procs: int) -> dict:
    cmd = [str(BIN / "pytest"), "-q", "-p", "no:cacheprovider"]
    load = os.getloadavg()[0]
    quiet = wall(cmd, ok=(0,))
    log(f"suite: {quiet:.0f} s (load before {load:.2f})")
    out = {"suite_s": quiet, "load_before_suite": load}
    if load_procs:
        procs = with_load(load_procs, seconds=3600)
        try:
            loaded = wall(cmd, ok=(0,))
        finally:
            for p in procs:
                p.terminate()
        log(f"suite with {load_procs} busy processes: {loaded:.0f} s")
        out.update({"suite_loaded_s": loaded, "load_processes": load_procs})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-suite", action="store_true")
    parser.add_argument("--load", type=int, default=2, help="busy processes for the loaded run")
    args = parser.parse_args()
    result: dict = {"cpus": os.cpu_count()}
    if not args.skip_demo:
        result.update(measure_demo_and_audit())
    if not args.skip_suite:
        result.update(measure_suite(args.load))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
