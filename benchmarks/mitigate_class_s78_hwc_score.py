"""Score user runs with the README's ``mitigate`` line under today's ``gated`` and under
``read_least=200`` (issue 12, stop 78: hwc).

For each ``NAME=RUN@CLEAN`` and each ``--variant LABEL=PARAMS`` (``PARAMS``: comma-separated
``--method-param`` values, empty for today's default), runs

    trojanscope mitigate RUN --data CLEAN --out TMP --format json [--method-param P ...]

in one process (torch on one thread), and writes one JSON line: the run's target, arch, data
and poison rate (its manifest), CA and ASR before and after (held-out, the run's own trigger),
the class treated (``decided.suspect``), the detector's reading, the method's CPU
(``cpu_s``) and the process's CPU (user + sys), the exit code and the notes::

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_class_s78_hwc_score.py OUT.jsonl TMP \\
        a264=/tmp/hwc78/fresh/s264/runs/a@/tmp/hwc78/fresh/s264/clean.npz ... \\
        --variant today= --variant read200=read_least=200 [--no-export]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_facts(run: Path) -> dict:
    """What the run's manifest says it is (nothing the method reads)."""
    manifest = json.loads((run / "manifest.json").read_text())
    attack = manifest.get("attack") or {}
    return {"arch": manifest["arch"]["name"], "data": manifest["dataset"]["name"],
            "backdoored": bool(attack), "target": attack.get("target"),
            "poison_rate": (attack.get("params") or {}).get("poison_rate")}


def score_one(name: str, run: Path, clean: Path, label: str, params: list[str],
              tmp: Path, export: bool = True) -> dict:
    """One ``mitigate`` process on ``run``; its JSON and CPU as a row (``export`` False:
    ``--no-export``, the TorchScript and ONNX files left out; no figure reads them)."""
    out = tmp / f"{name}-{label}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "trojanscope", "mitigate", str(run), "--data", str(clean),
           "--out", str(out), "--format", "json"]
    for p in params:
        cmd += ["--method-param", p]
    if not export:
        cmd.append("--no-export")
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=f"{REPO / 'src'}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    row = {"name": name, "variant": label, "params": params, "rc": done.returncode,
           **run_facts(run),
           "process_cpu_s": round(after.ru_utime - before.ru_utime
                                  + after.ru_stime - before.ru_stime, 2)}
    if done.returncode != 0:
        return row | {"stderr": done.stderr.strip().splitlines()[-3:]}
    got = json.loads(done.stdout)
    decided = got.get("decided") or {}
    shutil.rmtree(out, ignore_errors=True)  # the purified model is not kept
    return row | {"before": got["before"], "after": got["after"], "cpu_s": got["cpu_s"],
                  "clean_samples": got["clean_samples"], "held": got["heldout_samples"],
                  "suspect": decided.get("suspect"), "detector": decided.get("detector"),
                  "detector_read": decided.get("detector_read"),
                  "action": decided.get("action"), "notes": got.get("notes", [])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("tmp", type=Path)
    parser.add_argument("runs", nargs="+", help="NAME=RUN_FOLDER@CLEAN.npz")
    parser.add_argument("--variant", action="append", required=True, help="LABEL=P1,P2 …")
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args()
    variants = []
    for item in args.variant:
        label, _, params = item.partition("=")
        variants.append((label, [p for p in params.split(",") if p]))
    runs = []
    for item in args.runs:
        name, _, rest = item.partition("=")
        run, _, clean = rest.partition("@")
        if not (Path(run) / "manifest.json").is_file() or not Path(clean).is_file():
            sys.exit(f"error: {item}: no run folder or no clean file")
        runs.append((name, Path(run), Path(clean)))
    args.tmp.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as fh:
        for name, run, clean in runs:
            for label, params in variants:
                row = score_one(name, run, clean, label, params, args.tmp,
                                export=not args.no_export)
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(name, label, row["rc"], row.get("suspect"), row["process_cpu_s"],
                      flush=True)


if __name__ == "__main__":
    main()
