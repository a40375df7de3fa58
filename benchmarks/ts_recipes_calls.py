"""The review rounds' TorchScript recipes called the way the detectors call a model, with every
static TorchScript check switched off (only the sandboxed child stands in the way), under this
source tree and a baseline one (issue 4, stop 38).

Each archive runs in a process of its own: ``load_model`` (static checks and scan gate off by
monkeypatching), four calls on the same batch (a counter-gated gadget arms on the third), one
call on an input that requires grad and a backward pass (what MM-BD does), ``special_ids()``
where the archive exports it, and the ONNX lift. Outcome: ``child`` (refused by the sandboxed
child), ``error`` (another clear error), ``ran`` (every step finished), or ``killed`` (the
process died by a signal: the untrusted code crashed it). Archives whose members declare more
than the static inflate cap (zip bombs) are skipped: only the static check stops them.

    PYTHONPATH=src python benchmarks/ts_recipes_calls.py --baseline /work/main/src \\
        --data clean.npz --json out.json /tmp/hR1s37
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

_SRC = str(Path(__file__).resolve().parents[1] / "src")
INFLATE_CAP = 64 << 20

_HARNESS = r'''
import json, sys
import numpy as np, torch
import trojanscope.scan.torchscript_code as tc
tc.archive_problems = lambda fileobj: []
from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model
from trojanscope.io.ts_sandbox import ChildRefusal
path, data = sys.argv[1], sys.argv[2]
step = "load"
def say(outcome, detail=""):
    print(json.dumps({"outcome": outcome, "step": step, "detail": detail[:240]}), flush=True)
try:
    model = load_model(path, scan=False).module
    x = torch.from_numpy(np.load(data)["x"][:80]).float()
    for candidate in (x, torch.zeros(1), torch.zeros(2, 3)):
        try:
            step = "first call"
            with torch.no_grad():
                model(candidate)
            x = candidate
            break
        except ChildRefusal:
            raise
        except Exception:
            continue
    for i in range(2, 5):
        step = f"call {i}"
        with torch.no_grad():
            model(x)
    step = "requires_grad call and backward"
    xg = x.clone().requires_grad_(True)
    out = model(xg)
    out.float().sum().backward()
    step = "special_ids()"
    try:
        model.special_ids()
    except AttributeError:
        pass
    step = "ONNX lift"
    from trojanscope.io.script_lift import lift_torchscript
    try:
        lift_torchscript(model, tuple(x.shape[1:]))
    except ChildRefusal:
        raise
    except UserInputError:
        pass
    say("ran")
except ChildRefusal as exc:
    say("child", str(exc))
except Exception as exc:
    say("error", f"{type(exc).__name__}: {exc}")
'''


def _inflated(path: Path) -> int:
    try:
        with zipfile.ZipFile(path) as zf:
            return sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError):
        return 0


def _run(src: str, path: Path, data: str, timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=src, OMP_NUM_THREADS="1")
    try:
        proc = subprocess.run([sys.executable, "-c", _HARNESS, str(path), data],
                              capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode < 0:
        return {"outcome": "killed", "signal": -proc.returncode}
    return json.loads(lines[-1]) if lines else {"outcome": f"exit {proc.returncode}",
                                                "detail": proc.stderr[-240:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--data", required=True, help=".npz whose x is the call's input")
    ap.add_argument("--baseline", help="the old code's src (omitted: this tree only)")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = []
    for path in sorted(p for f in args.folders for p in f.glob("*.pt")):
        row: dict = {"archive": str(path)}
        if _inflated(path) > INFLATE_CAP:
            row["skipped"] = "members declare over 64 MiB inflated (the static cap stops it)"
        else:
            row["now"] = _run(_SRC, path, args.data, args.timeout)
            if args.baseline:
                row["before"] = _run(args.baseline, path, args.data, args.timeout)
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
