"""Stop 78's hthr: the CLI's torch thread count, timed and compared on the Quickstart's demo and
three tour lines (``attack``, ``detect``, ``mitigate``, small runs on the bundled MNIST data,
seed 1), one setting after another, on the machine as it is (its 1-minute load before and after
each run is written beside the times).

A setting is how the thread count is chosen: ``default`` (no variable: torch's default, the
machine's cores, or the CLI's own policy on a tree that has one), ``omp1`` / ``omp2``
(``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS``), ``passive2`` (two threads with
``OMP_WAIT_POLICY=PASSIVE``: waiting threads sleep instead of spinning), ``opt1`` / ``opt2``
(the CLI's ``--threads N``, on a tree that has it). Each run starts in a fresh copy of WORK
(WORK holds ``runs/badnets``, made by ``--make``) and keeps what it wrote; ``--compare A B``
then says line by line whether two settings' outputs are bitwise the same: stdout (its JSON, or
its table with the seconds blanked) and every JSON file written (timing keys and the bookkeeping
of :data:`STAMP` set aside), every ``.safetensors`` tensor written, and which numbers moved.

    PYTHONPATH=src:benchmarks python benchmarks/thread_policy_s78_hthr.py WORK --make
    PYTHONPATH=src:benchmarks python benchmarks/thread_policy_s78_hthr.py WORK \
        --settings omp1,omp2 --lines demo,attack,detect,mitigate --out ROWS.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/thread_policy_s78_hthr.py WORK \
        --compare omp1 omp2
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
import time
from pathlib import Path

from _common import fail, run_main
from same_outputs_s75_hfix2 import SECONDS, tensors, untimed

ATTACK = ["attack", "--attack", "badnets", "--dataset", "mnist", "--target", "0",
          "--poison-rate", "0.1", "--seed", "1", "--epochs", "2"]
LINES: dict[str, list[str]] = {
    "demo": ["demo", "--force", "--no-history", "--out", "demo"],
    "attack": [*ATTACK, "--out", "runs/attack", "--format", "json"],
    "detect": ["detect", "runs/badnets", "--dataset", "mnist", "--seed", "1", "--format", "json"],
    "mitigate": ["mitigate", "runs/badnets", "--data", "mnist", "--method", "finetune",
                 "--seed", "1", "--out", "runs/fixed", "--format", "json", "--no-export"],
}
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "TROJANSCOPE_THREADS")
SETTINGS: dict[str, tuple[dict[str, str], list[str]]] = {
    "default": ({}, []),
    "omp1": ({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}, []),
    "omp2": ({"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}, []),
    "passive2": ({"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2",
                  "OMP_WAIT_POLICY": "PASSIVE"}, []),
    "opt1": ({}, ["--threads", "1"]),
    "opt2": ({}, ["--threads", "2"]),
}


def cpu_s() -> float:
    """User + system CPU seconds of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_line(work: Path, src: str, line: str, setting: str, timeout: float) -> dict:
    """``line`` under ``setting`` in a fresh copy of ``work`` (kept in ``work``'s sibling
    folder ``LINE.SETTING``): exit code, wall and CPU seconds, the load around it."""
    env_add, head = SETTINGS[setting]
    dest = work.parent / f"{line}.{setting}"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(work, dest)
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env.update(env_add, PYTHONPATH=src)
    argv = [sys.executable, "-m", "trojanscope", *head, *LINES[line]]
    load0, cpu0, start = os.getloadavg()[0], cpu_s(), time.perf_counter()
    with (dest / "stdout.txt").open("w") as out, (dest / "stderr.txt").open("w") as err:
        try:
            rc: int | str = subprocess.run(argv, cwd=dest, env=env, stdout=out, stderr=err,
                                           timeout=timeout, check=False).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    return {"line": line, "setting": setting, "rc": rc,
            "wall_s": round(time.perf_counter() - start, 1), "cpu_s": round(cpu_s() - cpu0, 1),
            "load_before": round(load0, 2), "load_after": round(os.getloadavg()[0], 2),
            "argv": argv[3:], "env": env_add, "src": src,
            "at": time.strftime("%H:%M:%S", time.gmtime())}


# bookkeeping a run writes that differs run to run whatever the threads: clock times, random
# serial numbers, the folder it ran in, and file digests (safetensors writes its header's
# metadata in a per-process order, so a file's bytes move where its tensors do not; the
# tensors themselves are compared)
STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT[\d:.]+([+-]\d\d:\d\d|Z)?|urn:uuid:[0-9a-f-]{36}"
                   r"|[0-9a-f]{64})$")


def unstamped(obj: object) -> object:
    """``obj`` with :data:`STAMP`'s strings and its ``workdir`` blanked."""
    if isinstance(obj, dict):
        return {k: "<dir>" if k == "workdir" else unstamped(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [unstamped(v) for v in obj]
    return "<stamp>" if isinstance(obj, str) and STAMP.match(obj) else obj


def outputs(folder: Path, work: Path) -> dict[str, object]:
    """What a run in ``folder`` gave (not what it found there, a copy of ``work``), timings
    and :data:`STAMP`'s bookkeeping set aside: stdout (JSON, or text with its seconds
    blanked), every JSON file it wrote, every tensor it wrote (bytes)."""
    text = (folder / "stdout.txt").read_text()
    try:
        got: dict[str, object] = {"stdout": unstamped(untimed(json.loads(text)))}
    except json.JSONDecodeError:
        got = {"stdout": SECONDS.sub("N s", text)}
    for path in sorted(folder.rglob("*.json")):
        name = str(path.relative_to(folder))
        if (work / name).exists():
            continue
        try:
            got[name] = unstamped(untimed(json.loads(path.read_text())))
        except json.JSONDecodeError:
            got[name] = path.read_bytes()
    got.update({k: v for k, v in tensors(folder).items()
                if not (work / k.split(":")[0]).exists()})
    return got


def compare(work: Path, a: str, b: str) -> list[dict]:
    """Per line run under both settings: which outputs differ (none: bitwise the same)."""
    rows = []
    for line in LINES:
        fa, fb = work.parent / f"{line}.{a}", work.parent / f"{line}.{b}"
        if not (fa.is_dir() and fb.is_dir()):
            continue
        oa, ob = outputs(fa, work), outputs(fb, work)
        differ = sorted(k for k in set(oa) | set(ob) if oa.get(k) != ob.get(k))
        numbers = [n for k in differ for n in moved(oa.get(k), ob.get(k), k)]
        rows.append({"line": line, "settings": [a, b], "compared": len(set(oa) | set(ob)),
                     "differ": differ, "numbers_moved": len(numbers), "first": numbers[:6]})
    return rows


def moved(a: object, b: object, path: str) -> list[list]:
    """The JSON numbers that differ between ``a`` and ``b`` (same shape), with their paths."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [n for k in sorted(set(a) & set(b), key=str)
                for n in moved(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [n for i, (x, y) in enumerate(zip(a, b, strict=True))
                for n in moved(x, y, f"{path}[{i}]")]
    if isinstance(a, int | float) and isinstance(b, int | float) and a != b:
        return [[path, a, b]]
    return []


def make(work: Path, src: str, timeout: float) -> None:
    """WORK/runs/badnets: the tour's BadNets run (2 epochs, seed 1), one thread."""
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": src}
    subprocess.run([sys.executable, "-m", "trojanscope", *ATTACK, "--out", "runs/badnets",
                    "--force"], cwd=work, env=env, check=True, timeout=timeout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path)
    ap.add_argument("--make", action="store_true", help="make WORK/runs/badnets and stop")
    ap.add_argument("--settings", default="omp1,omp2")
    ap.add_argument("--lines", default=",".join(LINES))
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"))
    ap.add_argument("--src", default="src", help="the source tree the runs import")
    ap.add_argument("--out", type=Path, help="JSON lines: one row per run")
    ap.add_argument("--timeout", type=float, default=1200)
    args = ap.parse_args()
    work, src = args.work.resolve(), str(Path(args.src).resolve())
    if args.make:
        make(work, src, args.timeout)
        return
    if args.compare:
        for row in compare(work, *args.compare):
            print(json.dumps(row), flush=True)
        return
    settings, lines = args.settings.split(","), args.lines.split(",")
    bad = [s for s in settings if s not in SETTINGS] + [n for n in lines if n not in LINES]
    if bad or not args.out:
        fail(f"unknown setting or line {bad}" if bad else "--out ROWS.jsonl is needed")
    with args.out.open("a") as fh:
        for line in lines:
            for setting in settings:
                row = run_line(work, src, line, setting, args.timeout)
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    run_main(main)
