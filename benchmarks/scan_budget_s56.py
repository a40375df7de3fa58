"""The scanner's per-file time budget under load (hfc, stop 56): ``trojanscope scan PATH --format
json`` run as a user runs it (a fresh process each time), with one source tree or another on
``PYTHONPATH`` (the budget in wall-clock time before stop 56, in the scanning thread's CPU time
after), each run's exit code, wall time, the machine's load and every finding kept whole.

    python benchmarks/scan_budget_s56.py OUT.jsonl --src LABEL=SRC_DIR --path PATH [--repeat N]
    python benchmarks/scan_budget_s56.py OUT.jsonl --table            # what the runs found

Peer corpus: ``truth.json``'s labels say which files are benign (a ``TS182`` there, or a finding
at high or above, is a false alarm) and which malicious (each must still be flagged).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

HIGH = {"high", "critical"}


def run_once(label: str, src: Path, path: Path) -> dict:
    """One ``scan`` process; its findings grouped per file."""
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    load = os.getloadavg()[0]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "trojanscope", "scan", str(path), "--format",
                           "json"], capture_output=True, text=True, env=env, timeout=3600)
    wall = time.monotonic() - started
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        report = {}
    per_file: dict[str, list[list[str]]] = {}
    for f in report.get("findings", []):
        loc = f.get("location", {})
        per_file.setdefault(loc.get("file", "?"), []).append(
            [f.get("rule_id"), f.get("severity"), f.get("message", "")])
    return {"label": label, "path": str(path), "exit": done.returncode, "wall_s": round(wall, 1),
            "load": round(load, 1), "files": len(report.get("subjects", [])),
            "findings": per_file, "stderr": done.stderr[-2000:]}


def table(rows: list[dict], truth: dict[str, str]) -> str:
    """Per label and path: runs, exits, TS182 files, high findings on benign files, malicious
    files flagged, and whether the findings (rule, severity) match between runs and labels."""
    lines = ["| code | path | runs | load | wall s | exit | files with TS182 | benign files "
             "flagged high | malicious flagged | same findings as the first run |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["label"], r["path"]), []).append(r)
    first_of_path: dict[str, dict] = {}
    for (label, path), runs in groups.items():
        def rules(r: dict) -> dict:
            kept = {k: sorted((x[0], x[1]) for x in v if x[0] != "TS182")
                    for k, v in r["findings"].items()}
            return {k: v for k, v in kept.items() if v}  # a file whose one finding was TS182
        ref = first_of_path.setdefault(path, runs[0])
        same = sum(rules(r) == rules(ref) for r in runs)
        ts182 = [sum(any(x[0] == "TS182" for x in v) for v in r["findings"].values())
                 for r in runs]
        benign_high, mal_hit = [], []
        for r in runs:
            b = m = 0
            for name, kind in truth.items():
                hits = [x for k, v in r["findings"].items() if k.endswith(name) for x in v]
                high = any(x[1] in HIGH for x in hits)
                b += kind == "benign" and high
                m += kind == "malicious" and high
            benign_high.append(b)
            mal_hit.append(m)
        n_mal = sum(k == "malicious" for k in truth.values())
        mal = "–" if not truth or "peer" not in path else \
            f"{min(mal_hit)}–{max(mal_hit)} of {n_mal}"
        ben = "–" if not truth or "peer" not in path else f"{max(benign_high)}"
        lines.append(
            f"| {label} | {Path(path).name} | {len(runs)} | "
            f"{min(r['load'] for r in runs)}–{max(r['load'] for r in runs)} | "
            f"{min(r['wall_s'] for r in runs)}–{max(r['wall_s'] for r in runs)} | "
            f"{dict(Counter(r['exit'] for r in runs))} | {ts182} | {ben} | {mal} | "
            f"{same} of {len(runs)} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--src", action="append", default=[], help="LABEL=SRC_DIR")
    p.add_argument("--path", action="append", type=Path, default=[])
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--truth", type=Path, help="the peer corpus's truth.json")
    p.add_argument("--table", action="store_true")
    args = p.parse_args()
    if args.table:
        rows = [json.loads(x) for x in args.out.read_text().splitlines() if x.strip()]
        truth = {}
        if args.truth:
            truth = {Path(t["file"]).name: t["label"] for t in json.loads(args.truth.read_text())}
        print(table(rows, truth))
        return
    alternate(args.out, args.src, args.path, args.repeat, run_once, ("exit", "wall_s", "load"))


def alternate(out: Path, srcs: list[str], paths: list[Path], repeat: int,
              run: Callable[[str, Path, Path], dict], show: tuple[str, ...]) -> None:
    """``run(label, src, path)`` for every path ``repeat`` times, the sources (``LABEL=DIR``)
    in turn so both meet the same load; each row appended to ``out`` as it ends."""
    pairs = [(s.split("=", 1)[0], Path(s.split("=", 1)[1])) for s in srcs]
    with out.open("a") as fh:
        for _ in range(repeat):
            for path in paths:
                for label, src in pairs:
                    row = run(label, src, path)
                    fh.write(json.dumps(row) + "\n")
                    fh.flush()
                    print(label, path.name, *(row.get(k) for k in show), flush=True)


if __name__ == "__main__":
    main()
