"""What the scanner's budget clock costs (hfc, stop 57): each file scanned in-process by a fresh
Python with one source tree or another on ``PYTHONPATH`` (main's, which read the clock once per
pickle of a stream, and this branch's, once per 4,096 opcodes), the scanning thread's CPU time,
how many times the budget read ``time.thread_time()``, and every finding kept whole.

    python benchmarks/scan_clock_s57.py OUT.jsonl --src LABEL=SRC_DIR --path PATH [--repeat N]
    python benchmarks/scan_clock_s57.py OUT.jsonl --table
    python benchmarks/scan_clock_s57.py --make DIR --seed 65    # the checkpoints and the stream

Sources alternate run by run so both meet the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from scan_budget_s56 import alternate

# Run in the child: scan every file under argv[1] with a counting clock, print one JSON line.
CHILD = r"""
import json, sys, time
from pathlib import Path
import trojanscope.scan.budget as budget
from trojanscope.scan import scan_file
from trojanscope.scan.rules import load_policy

reads = [0]
real = time.thread_time


class Clock:
    monotonic = staticmethod(time.monotonic)

    @staticmethod
    def thread_time():
        reads[0] += 1
        return real()


budget.time = Clock
root = Path(sys.argv[1])
files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
out = {"files": len(files), "cpu_s": 0.0, "clock_reads": 0, "findings": {}}
for p in files:
    reads[0] = 0
    started = real()
    _, ctx = scan_file(p, load_policy())
    out["cpu_s"] += real() - started
    out["clock_reads"] += reads[0]
    out["findings"][str(p.relative_to(root) if root.is_dir() else p.name)] = sorted(
        [f.rule_id, str(f.severity), f.message] for f in ctx.findings)
print(json.dumps(out))
"""


def run_once(label: str, src: Path, path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    load = os.getloadavg()[0]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                          text=True, env=env, timeout=3600)
    row = {"label": label, "path": str(path), "exit": done.returncode, "load": round(load, 1),
           "wall_s": round(time.monotonic() - started, 1), "stderr": done.stderr[-2000:]}
    if done.returncode == 0:
        row.update(json.loads(done.stdout.strip().splitlines()[-1]))
        row["cpu_s"] = round(row["cpu_s"], 3)
    return row


def make(folder: Path, seed: int) -> None:
    """A large benign checkpoint in both of torch's layouts, and streams of two million and of
    300,001 one-byte pickles (the case the per-pickle clock read was slowest on)."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    state = {f"layer{i}.{k}": torch.randn(256, 256, generator=gen)
             for i in range(400) for k in ("weight", "bias")}  # 800 tensors, 210 MB
    torch.save(state, folder / "large-benign.pt")
    torch.save(state, folder / "large-benign-legacy.pt", _use_new_zipfile_serialization=False)
    (folder / "empty-pickles.pkl").write_bytes(b"N." + b"." * (2 << 20))  # past 10 s
    (folder / "empty-pickles-300k.pkl").write_bytes(b"N." + b"." * 300_000)  # within 10 s


def table(rows: list[dict]) -> str:
    lines = ["| code | path | runs | load | CPU s (scan, per run) | clock reads per run | exit | "
             "findings as the first run |", "|---|---|---|---|---|---|---|---|"]
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["label"], r["path"]), []).append(r)
    first: dict[str, dict] = {}
    for (label, path), runs in groups.items():
        ref = first.setdefault(path, runs[0].get("findings"))
        same = sum(r.get("findings") == ref for r in runs)
        loads = [r["load"] for r in runs]
        cpu = ", ".join(f"{r.get('cpu_s', 0):.2f}" for r in runs)
        reads = sorted({r.get("clock_reads") for r in runs}, key=str)
        lines.append(f"| {label} | `{Path(path).name}` ({runs[0].get('files')} files) | "
                     f"{len(runs)} | {min(loads)}–{max(loads)} | {cpu} | "
                     f"{', '.join(map(str, reads))} | {sorted({r['exit'] for r in runs})} | "
                     f"{same} of {len(runs)} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, nargs="?")
    p.add_argument("--src", action="append", default=[], help="LABEL=SRC_DIR")
    p.add_argument("--path", action="append", type=Path, default=[])
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--table", action="store_true")
    p.add_argument("--make", type=Path)
    p.add_argument("--seed", type=int, default=65)
    a = p.parse_args()
    if a.make:
        make(a.make, a.seed)
        return
    if a.table:
        rows = [json.loads(line) for line in a.out.read_text().splitlines() if line.strip()]
        print(table(rows))
        return
    alternate(a.out, a.src, a.path, a.repeat, run_once, ("exit", "cpu_s", "clock_reads"))


if __name__ == "__main__":
    main()
