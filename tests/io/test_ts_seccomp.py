"""The TorchScript worker is confined even where ``unshare`` is refused (issue 4, stop 39): a
seccomp filter refuses the network, new processes and files opened for writing, threads still
run; a worker has a total CPU budget; a large answer is held once in this process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import torch
from torch import nn

import trojanscope.scan.torchscript_code as tc
from trojanscope.io import ts_sandbox
from trojanscope.io.models import load_model
from trojanscope.io.ts_sandbox import ChildRefusal

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the child needs fork")
IO = Path(ts_sandbox.__file__).parent


def _seccomp_missing() -> str:
    sys.path.insert(0, str(IO))
    try:
        import ts_seccomp
    except ImportError:  # code without the filter: its tests run, and fail
        return ""
    finally:
        sys.path.remove(str(IO))
    return ts_seccomp.unavailable()


needs_seccomp = pytest.mark.skipif(
    bool(_seccomp_missing()), reason=f"no seccomp here: {_seccomp_missing()}"
)

_PROBE = r"""
import errno, json, os, socket, subprocess, sys, threading
sys.path.insert(0, sys.argv[1])
import ts_seccomp
import torch
tmp = sys.argv[2]
open(os.path.join(tmp, "old"), "w").close()
os.mkdir(os.path.join(tmp, "folder"))
why = ts_seccomp.confine()
out = {"confined": why}

def attempt(name, call):
    try:
        call()
        out[name] = "ran"
    except OSError as exc:
        out[name] = errno.errorcode.get(exc.errno, str(exc.errno))

def connect():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(("127.0.0.1", 9))

def ptrace():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, os.getppid(), 0, 0) != 0:  # PTRACE_ATTACH to the parent
        raise OSError(ctypes.get_errno(), "ptrace")

attempt("socket", connect)
attempt("socketpair", lambda: socket.socketpair())
attempt("create", lambda: os.open(os.path.join(tmp, "new"), os.O_WRONLY | os.O_CREAT))
attempt("write_existing", lambda: os.open(os.path.join(tmp, "old"), os.O_WRONLY))
attempt("append", lambda: os.open(os.path.join(tmp, "old"), os.O_RDONLY | os.O_APPEND))
attempt("truncate", lambda: os.truncate(os.path.join(tmp, "old"), 0))
attempt("rename", lambda: os.rename(os.path.join(tmp, "old"), os.path.join(tmp, "moved")))
attempt("unlink", lambda: os.unlink(os.path.join(tmp, "old")))
attempt("mkdir", lambda: os.mkdir(os.path.join(tmp, "made")))
attempt("rmdir", lambda: os.rmdir(os.path.join(tmp, "folder")))
attempt("symlink", lambda: os.symlink("/etc/passwd", os.path.join(tmp, "link")))
attempt("chmod", lambda: os.chmod(os.path.join(tmp, "old"), 0o777))
attempt("fork", lambda: os.fork())
attempt("exec", lambda: os.execv(sys.executable, [sys.executable, "-c", "0"]))
attempt("subprocess", lambda: subprocess.run(["true"]))
attempt("kill_parent", lambda: os.kill(os.getppid(), 0))
attempt("ptrace", ptrace)
attempt("read", lambda: os.close(os.open(sys.argv[1], os.O_RDONLY)))
attempt("read_file", lambda: open(os.path.join(tmp, "old")).read())
seen = []
thread = threading.Thread(target=lambda: seen.append(1))
thread.start()
thread.join()
out["thread"] = seen == [1]
torch.set_num_threads(2)
x = torch.randn(512, 512, generator=torch.Generator().manual_seed(0))
out["torch_threads"] = [torch.get_num_threads(), float((x @ x).sum())]
print(json.dumps(out))
"""


@needs_seccomp
def test_the_filter_refuses_network_processes_and_writes_but_runs_threads(
    tmp_path: Path,
) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(IO), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS="2"),
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out.pop("confined") == ""
    assert out.pop("read") == "ran" and out.pop("read_file") == "ran"
    assert out.pop("thread") is True
    threads, total = out.pop("torch_threads")
    x = torch.randn(512, 512, generator=torch.Generator().manual_seed(0))
    assert threads == 2 and total == pytest.approx(float((x @ x).sum()), rel=1e-4)
    assert out == {name: "EPERM" for name in out}, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "old"]


def test_the_program_is_valid_for_both_architectures(monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(IO))
    try:
        import ts_seccomp
    finally:
        sys.path.remove(str(IO))
    for machine in ts_seccomp.ARCHES:
        insns = ts_seccomp.program(machine, 1234)
        assert 0 < len(insns) < 4096
        for at, (code, jt, jf, _k) in enumerate(insns):
            if code & 0x07 == 0x05:  # a jump stays inside the program
                assert at + 1 + max(jt, jf) < len(insns)
        assert insns[-1] == (0x06, 0, 0, 0x7FFF0000)  # the end lets the rest through
    monkeypatch.setattr(ts_seccomp.platform, "machine", lambda: "riscv64")
    assert "riscv64" in ts_seccomp.unavailable()
    assert "only x86_64 and aarch64" in ts_seccomp.confine()


class _Burn(nn.Module):
    """About a second of CPU per call."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = 0
        for i in range(15000000):
            s += i % 3
        return x + s * 0


def test_a_worker_that_spends_its_cpu_budget_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tc, "archive_problems", lambda fileobj: [])
    monkeypatch.setenv("TROJANSCOPE_TS_WORKER_CPU_S", "2")  # ts_proxy.WORKER_CPU_ENV
    torch.jit.script(_Burn()).save(str(tmp_path / "burn.pt"))
    model = load_model(tmp_path / "burn.pt", scan=False).module
    with pytest.raises(ChildRefusal, match=r"ran over its CPU-time limit of 2 s per thread"):
        for _ in range(8):  # each call is within its own deadline; together they are not
            model(torch.zeros(2))


class _Big(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ones([16 << 20]) + x.sum() * 0  # 64 MiB of float32


def test_a_large_answer_is_held_once_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the answer read into a bytearray, which tracemalloc sees (from 4 MiB it is an anonymous
    # mmap, which it does not: test_ts_review11 measures that one by resident memory)
    monkeypatch.setattr(ts_sandbox, "LAZY_BYTES", 1 << 40, raising=False)
    torch.jit.script(_Big()).save(str(tmp_path / "big.pt"))
    model = load_model(tmp_path / "big.pt", scan=False).module
    model(torch.zeros(1))  # the worker started, its first answer read
    tracemalloc.start()
    try:
        out = model(torch.zeros(1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = 64 << 20
    assert out.shape == (16 << 20,) and bool((out == 1).all())
    assert peak < 1.25 * size, f"{peak / size:.2f}x the answer"  # before: 3x and more
