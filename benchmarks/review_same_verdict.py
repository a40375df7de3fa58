"""Does ``trojanscope detect`` give the same report in two checkouts? (review hR5, stop 43:
the h15/h16 merges said a default was unchanged or only faster.)

Runs the CLI of each checkout (its ``src`` first on ``PYTHONPATH``, one thread) with the same
``detect`` arguments (those after ``--``, plus ``--format json``) and reports, per run, the
keys of the JSON report whose values differ from the first run's (``elapsed_s`` aside, given
apart), the probability and the exit status; ``per_class`` differences are named down to the
class and detail key.

    OMP_NUM_THREADS=1 python benchmarks/review_same_verdict.py --runs /tmp/before/src src \\
        --json out.json -- MODEL --data clean.csv --label-column y -m tabular-search
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ENTRY = "import sys; from trojanscope.cli.main import entry; sys.exit(entry())"


def report(src: Path, args: list[str]) -> tuple[int, dict]:
    """The exit status and JSON report of ``trojanscope -q detect ARGS`` under ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src.resolve()), "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", ENTRY, "-q", "detect", *args, "--format",
                          "json"], env=env, capture_output=True, text=True)
    if not out.stdout.strip():
        raise SystemExit(f"error: no report from {src}: {out.stderr.strip()[-400:]}")
    return out.returncode, json.loads(out.stdout)


def differences(a: dict, b: dict) -> list[str]:
    """Keys of ``b`` that differ from ``a`` (``elapsed_s`` aside); per-class details by
    class and key (``per_class[1].excess_vs_twins``, ``+`` added, ``-`` gone)."""
    out = []
    for key in sorted(set(a) | set(b)):
        if key == "elapsed_s" or a.get(key) == b.get(key):
            continue
        if key == "per_class" and len(a.get(key) or []) == len(b.get(key) or []):
            for i, (x, y) in enumerate(zip(a[key], b[key], strict=True)):
                for k in sorted(set(x) | set(y)):
                    if x.get(k) != y.get(k):
                        mark = "+" if k not in x else "-" if k not in y else ""
                        out.append(f"{mark}per_class[{i}].{k}")
        elif key == "features":
            fa, fb = a.get(key) or {}, b.get(key) or {}
            out += [f"{'+' if k not in fa else '-' if k not in fb else ''}features.{k}"
                    for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]
        else:
            out.append(("+" if key not in a else "-" if key not in b else "") + key)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, nargs="+", required=True,
                        help="each checkout's src folder; the first is the reference")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("detect", nargs=argparse.REMAINDER, help="-- then detect's arguments")
    opts = parser.parse_args()
    args = opts.detect[1:] if opts.detect[:1] == ["--"] else opts.detect
    runs = [(src, *report(src, args)) for src in opts.runs]
    first = runs[0][2]
    rows = [{"src": str(src), "rc": rc, "probability": rep.get("probability"),
             "suspected_target": rep.get("suspected_target"),
             "elapsed_s": rep.get("elapsed_s"), "differs": differences(first, rep)}
            for src, rc, rep in runs]
    result = {"detect": args, "runs": rows}
    print(json.dumps(result, indent=1))
    if opts.json:
        opts.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
