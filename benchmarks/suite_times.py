"""The test suite's wall and CPU time, and where the CPU goes (per file and per test).

Runs ``pytest -q -p no:cacheprovider`` (what ``.ci/run`` runs: the default suite, ``slow``
deselected; ``--slow``: the slow set alone, ``-m slow``) with the ``_suite_timer`` plugin, and
prints wall seconds, user + system CPU seconds of pytest and every process it waited for, the
counts, the load average (before, during: the highest sampled, after), and the files and tests
that take the most CPU. On a shared machine the wall time lies; with one torch thread per
process the CPU seconds are close to what the wall time would be on a quiet 2-core machine.

    python benchmarks/suite_times.py [--slow] [--top 25] [--out times.json] [-- PYTEST ARGS]
    python benchmarks/suite_times.py --table per_test.tsv     # summarise an earlier run's TSV
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent


def read_tsv(path: Path) -> list[tuple[str, float, float]]:
    """(node id, wall s, CPU s) per test from the plugin's TSV."""
    rows = []
    for line in path.read_text().splitlines():
        node, wall, own, children, _load = line.split("\t")
        rows.append((node, float(wall), float(own) + float(children)))
    return rows


def summary(rows: list[tuple[str, float, float]], top: int) -> dict:
    """CPU and wall per file, most first, and the ``top`` tests by CPU."""
    files: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for node, wall, cpu in rows:
        entry = files[node.split("::")[0]]
        entry[0] += cpu
        entry[1] += wall
        entry[2] += 1
    by_file = sorted(files.items(), key=lambda kv: -kv[1][0])
    return {
        "tests_timed": len(rows),
        "cpu_in_tests_s": round(sum(r[2] for r in rows), 1),
        "files": [
            {"file": f, "cpu_s": round(c, 1), "wall_s": round(w, 1), "tests": n}
            for f, (c, w, n) in by_file[:top]
        ],
        "tests": [
            {"test": n, "cpu_s": c, "wall_s": w}
            for n, w, c in sorted(rows, key=lambda r: -r[2])[:top]
        ],
    }


def run_suite(slow: bool, extra: list[str], tsv: Path) -> dict:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "_suite_timer"]
    if slow:
        cmd += ["-m", "slow"]
    env = dict(
        os.environ,
        SUITE_TIMER_OUT=str(tsv),
        PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH", "")])),
    )
    loads = [os.getloadavg()[0]]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(15):
            loads.append(os.getloadavg()[0])

    threading.Thread(target=sample, daemon=True).start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [*cmd, *extra], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    done.set()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    counts = {
        k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|skipped|deselected|error)", last)
    }
    return {
        "command": " ".join(["pytest", *cmd[3:], *extra]),
        "exit_code": proc.returncode,
        "summary_line": last,
        "counts": counts,
        "wall_s": round(wall, 1),
        "user_s": round(after.ru_utime - before.ru_utime, 1),
        "sys_s": round(after.ru_stime - before.ru_stime, 1),
        "load_before": round(loads[0], 2),
        "load_max_sampled": round(max(loads), 2),
        "load_after": round(os.getloadavg()[0], 2),
        "failures": [line for line in proc.stdout.splitlines() if line.startswith("FAILED")],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", action="store_true", help="the slow set alone (-m slow)")
    parser.add_argument("--top", type=int, default=25, help="files and tests listed")
    parser.add_argument("--out", type=Path, help="write the JSON here too")
    parser.add_argument("--tsv", type=Path, help="keep the per-test TSV here")
    parser.add_argument("--table", type=Path, help="summarise this TSV; run nothing")
    parser.add_argument("pytest_args", nargs="*", help="after --: more pytest arguments")
    args = parser.parse_args()
    if args.table:
        if not args.table.is_file():
            parser.exit(2, f"error: --table {args.table}: no such file\n")
        result = summary(read_tsv(args.table), args.top)
    else:
        tsv = args.tsv or Path(tempfile.mkdtemp(prefix="suite-times-")) / "per_test.tsv"
        tsv.write_text("")
        result = run_suite(args.slow, args.pytest_args, tsv)
        result["cpu_s"] = round(result["user_s"] + result["sys_s"], 1)
        result["per_test_tsv"] = str(tsv)
        result.update(summary(read_tsv(tsv), args.top))
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
