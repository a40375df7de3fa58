"""Stop 75's hfix2: the same user lines on two source trees (BEFORE: main's ``src`` exported with
``git archive``; AFTER: this branch's), each line's outputs compared after the timings are set
aside. A refactor that moves no figure prints ``same`` on every line.

WORK also holds ``synthetic-17188.csv`` (h16d's stop-75 table of seed 17188, spent: its
majority label is 91%, so ``label-groups``' covers read it, where ``transactions.csv``'s is
under 90%).

Each line runs in a fresh copy of WORK (the user files: hrev's copy of hcmd's seed-169 folder,
with ``black-mlp/``), so the two runs read the same files and write their own. Compared: the
JSON on stdout (``--format json``) without its timing keys, every ``.safetensors`` file written
(tensor bytes), and the console's lines with their seconds blanked (stdout and stderr).

    PYTHONPATH=src:benchmarks python benchmarks/same_outputs_s75_hfix2.py WORK \
        --before /tmp/mainsrc/src --after src --out OUT.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import run_main

# (name, what it reads of this branch's change, the command line after ``python -m trojanscope``)
LINES: tuple[tuple[str, str, list[str]], ...] = (
    ("excess", "class_excess.excess_opened, cap_of",
     ["detect", "mlp/digits.onnx", "--data", "clean.npz", "--format", "json"]),
    ("excess-most3", "the same under h9s's cap of 3",
     ["detect", "mlp/digits.onnx", "--data", "clean.npz", "--format", "json",
      "--calibration", "CAL_MOST3"]),
    ("covers", "label_groups.cover_columns (_covers, _leans)",
     ["detect-data", "transactions.csv", "--label-column", "is_fraud", "--format", "json"]),
    ("covers-all", "cover_columns in all six readers",
     ["detect-data", "transactions.csv", "--label-column", "is_fraud", "--format", "json",
      "-m", "label-groups", "-p", "covers=3", "-p", "strays=2", "-p", "cells=1",
      "-p", "misfits=1", "-p", "rares=1"]),
    ("covers-91", "the same on a table whose majority label is 91% (covers reads it)",
     ["detect-data", "synthetic-17188.csv", "--label-column", "is_fraud", "--format", "json"]),
    ("covers-91-all", "the same with every cover_columns reader on",
     ["detect-data", "synthetic-17188.csv", "--label-column", "is_fraud", "--format", "json",
      "-m", "label-groups", "-p", "covers=3", "-p", "strays=2", "-p", "cells=1",
      "-p", "misfits=1", "-p", "rares=1"]),
    ("mask-black", "dense_mask.suspect_gradient, places (mask_black's gains, ranking)",
     ["mitigate", "black-mlp", "--data", "clean.npz", "--method-param", "mask_black=200",
      "--out", "fixed-black"]),
    ("aug-last", "free_unlearn.pushed (aug_last's import)",
     ["mitigate", "black-mlp", "--data", "clean.npz", "--method-param", "aug_last=5",
      "--out", "fixed-aug"]),
    ("ranked", "dense_mask.suspect_gradient, places (ranked: mask_ranked's ranking)",
     ["-c", "RANKED"]),
)
# ``ranked`` of the black-mask MLP on the clean images, for a seeded random mask of 120 pixels
# and suspect 0 (no user line reaches ``mask_ranked`` on these files), printed as JSON
RANKED = """
import json, pathlib, torch
from trojanscope.data.npz import load_npz
from trojanscope.io.models import load_model
from trojanscope.mitigate.dense_mask import ranked
model, clean = load_model("black-mlp").module.eval(), load_npz(pathlib.Path("clean.npz"))
mask = torch.zeros(1, *clean.x.shape[2:])
mask.view(-1)[torch.randperm(mask.numel(), generator=torch.Generator().manual_seed(75))[:120]] = 1
print(json.dumps(ranked(model, clean, mask, 0).flatten().tolist()))
"""
TIMING = re.compile(r"(_s|elapsed|seconds|cpu|wall)$")
SECONDS = re.compile(r"\d+(\.\d+)? ?s\b|(?<=_s=)\d+(\.\d+)?")


def untimed(obj: object) -> object:
    """``obj`` without the keys that hold timings (their values differ run to run)."""
    if isinstance(obj, dict):
        return {k: untimed(v) for k, v in obj.items() if not TIMING.search(str(k))}
    if isinstance(obj, list):
        return [untimed(v) for v in obj]
    return obj


def tensors(folder: Path) -> dict[str, bytes]:
    """Every ``.safetensors`` file under ``folder``: its tensors' bytes by file and name."""
    from safetensors.numpy import load_file

    out = {}
    for path in sorted(folder.rglob("*.safetensors")):
        for name, arr in load_file(str(path)).items():
            out[f"{path.relative_to(folder)}:{name}"] = arr.tobytes()
    return out


def run(src: str, work: Path, argv: list[str], timeout: float) -> dict:
    """One line on the tree ``src`` in a fresh copy of ``work``: what it gave, and its CPU s."""
    tmp = Path(tempfile.mkdtemp(prefix="same-"))
    shutil.copytree(work, tmp, dirs_exist_ok=True)
    before = set(p for p in tmp.rglob("*.safetensors"))
    env = {**os.environ, "PYTHONPATH": f"{src}:benchmarks", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    t0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    head = [sys.executable] if argv[0] == "-c" else [sys.executable, "-m", "trojanscope"]
    proc = subprocess.run([*head, *argv], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=timeout)
    t1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out: object = untimed(json.loads(proc.stdout))
    except json.JSONDecodeError:
        out = SECONDS.sub("N s", proc.stdout)
    written = {k: v for k, v in tensors(tmp).items()
               if Path(tmp / k.split(":")[0]) not in before}
    shutil.rmtree(tmp)
    return {"rc": proc.returncode, "out": out, "err": SECONDS.sub("N s", proc.stderr),
            "tensors": written, "cpu_s": round(t1.ru_utime - t0.ru_utime, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path)
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only", default="", help="comma-separated line names")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    cal = str(Path("benchmarks/data/excess_most_s75_h9s/cal_most3.json").resolve())
    only = set(filter(None, args.only.split(",")))
    with args.out.open("a") as fh:
        for name, what, argv in LINES:
            if only and name not in only:
                continue
            argv = [cal if a == "CAL_MOST3" else RANKED if a == "RANKED" else a for a in argv]
            a = run(str(Path(args.before).resolve()), args.work, argv, args.timeout)
            b = run(str(Path(args.after).resolve()), args.work, argv, args.timeout)
            parts = [k for k in ("rc", "out", "err", "tensors") if a[k] != b[k]]
            row = {"line": name, "reads": what, "argv": argv[:1] if argv[0] == "-c" else argv,
                   "rc": [a["rc"], b["rc"]], "tensors": len(b["tensors"]), "differ": parts,
                   "cpu_s": [a["cpu_s"], b["cpu_s"]]}
            if "err" in parts:
                row["err"] = [a["err"], b["err"]]
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            print(f"{name}: {'same' if not parts else 'differ in ' + ', '.join(parts)} "
                  f"(exit {a['rc']}/{b['rc']}, {len(b['tensors'])} tensors, CPU s "
                  f"{a['cpu_s']}/{b['cpu_s']})", flush=True)


if __name__ == "__main__":
    run_main(main)
