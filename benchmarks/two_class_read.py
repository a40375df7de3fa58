"""Issue 9, stop 69 (h2c): read ``detect`` (and optionally ``audit``) on a two-class zoo
(``two_class_zoo.py``) in the user's form, one model at a time, through the CLI.

For each ``<name>.pt`` with its ``<name>.npz`` (200 clean images) in ``ZOO/truth.jsonl``:
``python -m trojanscope detect <name>.pt --data <name>.npz --format json`` into
``OUT/<name>.detect.json`` (kept: resumable), and with ``--audit``
``audit <name>.pt --data <name>.npz --format json`` into ``OUT/<name>.audit.json``. The code
read is whatever ``PYTHONPATH`` puts first (main's or a branch's ``src``).

    PYTHONPATH=src python benchmarks/two_class_read.py /tmp/h2c/zoo-9900 OUT [--audit]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def run(args: list[str], out: Path) -> dict:
    """One CLI call; its JSON (stdout) kept in ``out`` with its exit code and seconds."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "trojanscope", *args], capture_output=True,
                          text=True, env={**os.environ, "OMP_NUM_THREADS": "1",
                                          "MKL_NUM_THREADS": "1"})
    wall = time.perf_counter() - start
    try:
        body = json.loads(done.stdout)
    except json.JSONDecodeError:
        body = {"error": done.stderr.strip().splitlines()[-1:] or ["no output"]}
    body["_exit"], body["_wall_s"] = done.returncode, round(wall, 1)
    out.write_text(json.dumps(body))
    return body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--audit", action="store_true", help="also run audit on each model")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for line in (args.zoo / "truth.jsonl").open():
        name = json.loads(line)["name"]
        model, data = str(args.zoo / f"{name}.pt"), str(args.zoo / f"{name}.npz")
        jobs = [("detect", ["detect", model, "--data", data, "--format", "json"])]
        if args.audit:
            jobs.append(("audit", ["audit", model, "--data", data, "--format", "json"]))
        for kind, cli in jobs:
            target = args.out / f"{name}.{kind}.json"
            if target.exists():
                continue
            body = run(cli, target)
            print(name, kind, body.get("verdict", body.get("rating")), body.get("probability"),
                  body["_exit"], body["_wall_s"], flush=True)


if __name__ == "__main__":
    main()
