"""The sandboxed child that loads TorchScript first (:mod:`trojanscope.io.ts_sandbox`): does it
stop the review rounds' crashing archives on its own, and what does it cost?

1. Ground truth: every ``.pt`` under the recipe folders is loaded with plain torch and called on
   ``torch.zeros(1)`` (the reviewers' harness), each in a forked process of its own (a scratch
   working folder, no file writes, 8 GiB of address space): which die by a signal, at load or
   at the call.
2. Second line of defence: each archive that died is handed to ``load_model`` and the loaded
   module called on ``torch.zeros(1)`` in a parent process with the static checks switched off
   by monkeypatching: ``types-off`` (the pickled-object type check, ``object_problems``),
   ``static-off`` (every TorchScript archive check, ``archive_problems``, and the scan gate), and
   ``on`` (shipped code). Counted: refused by the child (``ChildRefusal``), refused by a static
   check, run, or the parent killed.
3. Cost: ``load_model`` of ordinary TorchScript archives (best of ``--repeat``, the scan gate's
   memory cleared and the last proxy dropped before each: a fresh worker; stop 39 removed the
   load rehearsal and its switch), the first load of a process (starting the child's server),
   and the first call of the module.

    python benchmarks/ts_sandbox_check.py --scratch /tmp/sb --json /tmp/sb.json \
        /tmp/hR8s35 /tmp/hR1s36 /tmp/hR6s36 /tmp/hR7s36 /tmp/hR8s36
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch import nn

_SRC = str(Path(__file__).resolve().parents[1] / "src")

_PARENT = r'''
import json, sys, torch
mode, paths = sys.argv[1], sys.argv[2:]
import trojanscope.io.models as models
import trojanscope.scan.torchscript_code as tc
if mode == "types-off":
    tc.object_problems = lambda data, decls: []
if mode == "static-off":
    models_archive = lambda fileobj: []
    import trojanscope.scan.torchscript_code
    trojanscope.scan.torchscript_code.archive_problems = models_archive
from trojanscope.errors import UserInputError
from trojanscope.io.ts_sandbox import ChildRefusal
for p in paths:
    print(json.dumps({"path": p, "started": True}), flush=True)
    try:
        lm = models.load_model(p, scan=mode != "static-off")
        lm.module(torch.zeros(1))
        out = {"path": p, "outcome": "ran"}
    except ChildRefusal as e:
        out = {"path": p, "outcome": "child", "message": str(e)}
    except UserInputError as e:
        out = {"path": p, "outcome": "static", "message": str(e)}
    except Exception as e:
        out = {"path": p, "outcome": "error", "message": f"{type(e).__name__}: {e}"[:300]}
    print(json.dumps(out), flush=True)
print(json.dumps({"parent": "alive", "sandbox": __import__(
    "trojanscope.io.ts_sandbox").io.ts_sandbox.sandbox_state()}), flush=True)
'''


def ground_truth(path: Path, workdir: Path) -> dict:
    """Plain torch: load, then call on ``torch.zeros(1)``, in a forked process."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        os.dup2(os.open(os.devnull, os.O_RDWR), 1)
        os.dup2(os.open(os.devnull, os.O_RDWR), 2)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
        resource.setrlimit(resource.RLIMIT_CPU, (60, 61))
        os.chdir(workdir)
        stage = "load"
        try:
            os.write(write_fd, b"L")
            module = torch.jit.load(str(path), map_location="cpu")
            stage = "call"
            os.write(write_fd, b"C")
            module(torch.zeros(1))
            os.write(write_fd, b"R")
        except BaseException:
            os.write(write_fd, b"E")
        os._exit(0)
    os.close(write_fd)
    marks = b""
    while chunk := os.read(read_fd, 64):
        marks += chunk
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    stage = {b"L": "load", b"C": "call"}.get(marks[-1:], "")
    if os.WIFSIGNALED(status):
        return {"died": os.WTERMSIG(status), "signal": signal.Signals(os.WTERMSIG(status)).name,
                "stage": stage}
    return {"died": 0, "stage": "ran" if marks.endswith(b"R") else "python error"}


def parent_runs(mode: str, paths: list[str], scratch: Path) -> dict[str, dict]:
    """Each archive through ``load_model`` + a call in one parent process per mode (restarted
    after an archive that killed it)."""
    results: dict[str, dict] = {}
    left = list(paths)
    env = dict(os.environ, PYTHONPATH=_SRC, OMP_NUM_THREADS="1")
    while left:
        proc = subprocess.run([sys.executable, "-c", _PARENT, mode, *left], cwd=scratch,
                              capture_output=True, text=True, env=env, timeout=3600)
        started = None
        for line in proc.stdout.splitlines():
            try:  # what a loaded archive printed is not ours
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("started"):
                started = rec["path"]
            elif "outcome" in rec:
                results[rec["path"]] = rec
                started = None
        if started is None:
            break
        results[started] = {"path": started, "outcome": "parent killed", "rc": proc.returncode}
        left = left[left.index(started) + 1:]
    return results


class _Cnn(nn.Module):
    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


_COST = r'''
import json, sys, time, torch
import trojanscope.io.models as models
from trojanscope.io import scan_gate, ts_sandbox
path, repeat, shape = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
t = time.perf_counter(); state = ts_sandbox.sandbox_state(); start = time.perf_counter() - t
t = time.perf_counter(); lm = models.load_model(path); first = time.perf_counter() - t
x = torch.zeros(2, *shape)
try:
    t = time.perf_counter(); lm.module(x); first_call = time.perf_counter() - t
    t = time.perf_counter(); lm.module(x); call = time.perf_counter() - t
except Exception:
    first_call = call = None
del lm
def best():
    out = []
    for i in range(repeat):  # the last proxy dropped each time: a fresh worker (no rehearsal)
        scan_gate._CLEAN.clear()
        t = time.perf_counter(); m = models.load_model(path); out.append(time.perf_counter() - t)
        del m
    return min(out)
with_child = best()
print(json.dumps({"server_start_s": start, "first_load_s": first, "first_call_s": first_call,
                  "next_call_s": call, "load_with_child_s": with_child, "state": state}))
'''


def cost(path: Path, repeat: int, scratch: Path, shape: list[int]) -> dict:
    env = dict(os.environ, PYTHONPATH=_SRC, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", _COST, str(path), str(repeat),
                           json.dumps(shape)], cwd=scratch,
                          capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode:
        return {"error": proc.stderr[-500:]}
    return {"size": path.stat().st_size, **json.loads(proc.stdout.splitlines()[-1])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, help="folders of recipe archives (.pt)")
    ap.add_argument("--scratch", type=Path, required=True)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--modes", default="types-off,static-off,on")
    ap.add_argument("--cost", nargs="*", default=[],
                    help="ordinary TorchScript archives to time, PATH=C,H,W (the input shape "
                    "of the first call); a width-8 CNN on 3x32x32 is built and timed too")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    work = args.scratch / "work"
    work.mkdir(exist_ok=True)
    torch.set_num_threads(1)
    out: dict = {"ground_truth": {}, "modes": {}, "cost": {}}
    archives = sorted(p for f in args.folders for p in f.glob("*.pt"))
    for p in archives:
        out["ground_truth"][str(p)] = ground_truth(p, work)
    died = [k for k, v in out["ground_truth"].items() if v["died"]]
    print(f"{len(archives)} archives, {len(died)} killed plain torch by a signal:")
    for k in died:
        g = out["ground_truth"][k]
        print(f"  {k}: {g['signal']} at {g['stage']}")
    for mode in [m for m in args.modes.split(",") if m]:
        res = parent_runs(mode, died, work)
        out["modes"][mode] = res
        counts: dict[str, int] = {}
        for r in res.values():
            counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
        print(f"{mode}: {counts}")
        for r in res.values():
            if r["outcome"] != "child":
                print(f"   {r['path']}: {r['outcome']} {r.get('message', '')[:160]}")
    if args.cost is not None and args.repeat:
        cnn = args.scratch / "cnn8.pt"
        torch.manual_seed(0)
        torch.jit.trace(_Cnn().eval(), torch.rand(2, 3, 32, 32)).save(str(cnn))
        todo = [(cnn, [3, 32, 32])] + [
            (Path(c.split("=")[0]), [int(v) for v in c.split("=")[1].split(",")])
            for c in args.cost]
        for p, shape in todo:
            t = time.perf_counter()
            out["cost"][str(p)] = cost(p, args.repeat, work, shape)
            print(f"cost {p}: {out['cost'][str(p)]} ({time.perf_counter() - t:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
