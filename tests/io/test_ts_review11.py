"""Round 11's findings on the TorchScript worker's seccomp filter (issue 4, stop 39): the filter
covers every thread, refuses typing into a terminal, signals and resource changes to other
processes, SysV IPC and later kernels' calls; the CPU budget is per thread; an answer's buffer
is neither pinned by a small output nor allocated before its bytes arrive."""

from __future__ import annotations

import errno
import json
import mmap
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import trojanscope.scan.torchscript_code as tc
from trojanscope.io import ts_frames, ts_sandbox
from trojanscope.io.models import load_model
from trojanscope.io.ts_sandbox import ChildRefusal

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the child needs fork")
IO = Path(ts_sandbox.__file__).parent


def _ts_seccomp():
    sys.path.insert(0, str(IO))
    try:
        import ts_seccomp
    finally:
        sys.path.remove(str(IO))
    return ts_seccomp


needs_seccomp = pytest.mark.skipif(
    bool(_ts_seccomp().unavailable()), reason=f"no seccomp here: {_ts_seccomp().unavailable()}"
)
EPERM, ENOSYS, ALLOW = 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS, 0x7FFF0000


def _run(insns: list, nr: int, args: tuple = (), arch: int | None = None, machine: str = "") -> int:
    """What a classic-BPF seccomp program answers for one call (a small interpreter: the
    instructions :mod:`ts_seccomp` uses)."""
    audit = _ts_seccomp().ARCHES[machine][0] if arch is None else arch
    raw = struct.pack("<iIQ", nr, audit, 0)
    raw += b"".join(struct.pack("<Q", a) for a in (*args, 0, 0, 0, 0, 0, 0)[:6])
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = insns[pc]
        pc += 1
        if code == 0x20:
            acc = struct.unpack_from("<I", raw, k)[0]
        elif code == 0x06:
            return k
        else:
            hit = {0x15: acc == k, 0x25: acc > k, 0x35: acc >= k, 0x45: bool(acc & k)}[code]
            pc += jt if hit else jf


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_program_refuses_what_round_11_found(machine: str) -> None:
    ts = _ts_seccomp()
    nrs = ts.ARCHES[machine][1]
    insns = ts.program(machine, 4321)
    run = lambda name, *args: _run(insns, nrs[name], args, machine=machine)  # noqa: E731
    assert run("ioctl", 0, 0x5412) == EPERM and run("ioctl", 0, 0x541C) == EPERM  # TIOCSTI
    assert run("ioctl", 3, 0x40086602) == EPERM and run("ioctl", 3, 0x401C5820) == EPERM
    assert run("ioctl", 0, 0x5401) == ALLOW  # TCGETS
    assert run("ioctl", 0, (1 << 32) | 0x5412) == EPERM  # the kernel reads the low 32 bits
    for cmd in (8, 10, 15):  # F_SETOWN, F_SETSIG, F_SETOWN_EX
        assert run("fcntl", 3, cmd) == EPERM
    assert run("fcntl", 3, 3) == ALLOW and run("fcntl", 3, 1030) == ALLOW  # F_GETFL, DUPFD_CLOEXEC
    assert run("prlimit64", 0, 7) == ALLOW and run("prlimit64", 4321, 7) == ALLOW
    assert run("prlimit64", 1, 7) == EPERM and run("prlimit64", 4322, 7) == EPERM
    for name in (
        "rt_sigqueueinfo",
        "rt_tgsigqueueinfo",
        "setpriority",
        "shmat",
        "shmctl",
        "semop",
        "semtimedop",
        "semctl",
        "msgsnd",
        "msgrcv",
        "msgctl",
        "fchmodat2",
        "setxattrat",
        "removexattrat",
        "file_setattr",
        "flock",
    ):
        assert run(name, 1, 2) == EPERM, name
    top = max(nrs.values())
    assert top >= 469
    assert _run(insns, top + 1, machine=machine) == ENOSYS  # a later kernel's call
    assert _run(insns, 1000, machine=machine) == ENOSYS
    assert run("clone", 0x00010000 | 0x00000100) == ALLOW  # a thread
    assert _run(insns, nrs["openat"], (0, 0, os.O_RDONLY), machine=machine) == ALLOW
    assert _run(insns, 0, arch=0x40000003, machine=machine) == 0x80000000  # i386: killed


_PROBE = r"""
import ctypes, errno, glob, json, os, platform, pty, struct, sys, threading
sys.path.insert(0, sys.argv[1])
import ts_seccomp
import torch
tmp = sys.argv[2]
torch.set_num_threads(4)  # the pool's threads start before the filter, as in the worker
x = torch.randn(256, 256, generator=torch.Generator().manual_seed(0))
float((x @ x).sum())
master, slave = pty.openpty()
target = os.path.join(tmp, "old")
open(target, "w").close()
go, out = threading.Event(), {}

def early():  # a thread started before confine(), acting after it
    go.wait()
    try:
        os.close(os.open(os.path.join(tmp, "by_old_thread"), os.O_WRONLY | os.O_CREAT))
        out["old_thread"] = "ran"
    except OSError as exc:
        out["old_thread"] = errno.errorcode[exc.errno]

thread = threading.Thread(target=early)
thread.start()
out["confined"] = ts_seccomp.confine()
go.set()
thread.join()
float((x @ x).sum())
out["tasks"] = [line.split()[1] for f in glob.glob("/proc/self/task/*/status")
                for line in open(f) if line.startswith("Seccomp:")]
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
x86 = platform.machine() == "x86_64"

def call(name, nr, *args):
    got = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    out[name] = "ran" if got >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")

fd = os.open(target, os.O_RDONLY)
char = ctypes.c_char(b"x")
out["tiocsti"] = ("ran" if libc.ioctl(slave, 0x5412, ctypes.byref(char)) == 0
                  else errno.errorcode.get(ctypes.get_errno()))
flags = ctypes.c_int(0)
out["setflags"] = ("ran" if libc.ioctl(fd, 0x40086602, ctypes.byref(flags)) == 0
                   else errno.errorcode.get(ctypes.get_errno()))
info = (ctypes.c_int * 32)(10, 0, -1)
call("rt_sigqueueinfo", 129 if x86 else 138, os.getppid(), 0, ctypes.addressof(info))
call("f_setown", 72 if x86 else 25, fd, 8, os.getppid())
call("prlimit_parent", 302 if x86 else 261, os.getppid(), 7, 0, 0)
call("setpriority", 141 if x86 else 140, 0, os.getppid(), 19)
call("semop", 65 if x86 else 193, 0, 0, 0)
call("fchmodat2", 452, -100, ctypes.addressof(ctypes.create_string_buffer(target.encode())),
     0o777, 0)
out["own_limits"] = list(__import__("resource").getrlimit(7))
out["mode"] = oct(os.stat(target).st_mode & 0o777)
print(json.dumps(out))
"""


@needs_seccomp
def test_every_thread_is_filtered_and_the_new_calls_are_refused(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(IO), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS="4"),
    )
    assert proc.returncode == 0, proc.stderr[-800:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out.pop("confined") == ""
    tasks = out.pop("tasks")
    assert len(tasks) >= 4 and set(tasks) == {"2"}, tasks  # before: only the main thread
    assert out.pop("mode") != oct(0o777)  # fchmodat2 changed nothing
    assert out.pop("own_limits")[0] >= 0  # its own limits still read (prlimit64 on pid 0)
    assert out == {name: "EPERM" for name in out}, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]


def test_the_server_has_no_controlling_terminal_and_its_own_ipc() -> None:
    state = ts_sandbox.sandbox_state()
    proc = ts_sandbox._SERVER.proc
    assert os.getsid(proc.pid) == proc.pid != os.getsid(0)  # a session of its own
    if state["isolated"]:
        with open(f"/proc/{proc.pid}/cmdline", "rb") as fh:
            assert b"-rim" in fh.read()


class _PlainRound11(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2


@needs_seccomp
def test_the_worker_reports_every_thread_filtered(tmp_path: Path) -> None:
    torch.jit.script(_PlainRound11()).save(str(tmp_path / "plain.pt"))
    before = torch.get_num_threads()
    torch.set_num_threads(4)
    try:
        model = load_model(tmp_path / "plain.pt", scan=False).module
        assert torch.equal(model(torch.ones(3)), torch.full((3,), 2.0))
    finally:
        torch.set_num_threads(before)
    tasks = model._worker.tasks_seccomp
    assert len(tasks) >= 4 and set(tasks) == {"2"}, tasks


class _Burn(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = 0
        for i in range(15000000):
            s += i % 3
        return x + s * 0


def test_the_cpu_refusal_says_it_is_a_resource_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tc, "archive_problems", lambda fileobj: [])
    monkeypatch.setenv("TROJANSCOPE_TS_WORKER_CPU_S", "2")
    torch.jit.script(_Burn()).save(str(tmp_path / "burn.pt"))
    model = load_model(tmp_path / "burn.pt", scan=False).module
    assert model._worker.threads == max(1, torch.get_num_threads())
    with pytest.raises(
        ChildRefusal,
        match=r"a resource limit, not a verdict on the model; "
        r"`TROJANSCOPE_TS_WORKER_CPU_S` raises it",
    ):
        for _ in range(8):
            model(torch.zeros(2))


def test_a_small_output_does_not_pin_the_answer() -> None:
    big, small = torch.arange(1 << 16, dtype=torch.float32), torch.ones(4)
    specs, data = ts_frames.encode([small, big])
    buffer = bytearray(data)
    got = ts_frames.decode(specs, buffer, len(buffer))
    assert torch.equal(got[0], small) and torch.equal(got[1], big)
    base = torch.frombuffer(buffer, dtype=torch.uint8).data_ptr()
    assert got[1].data_ptr() == base + small.numel() * 4  # the largest: a view
    assert not base <= got[0].data_ptr() < base + len(buffer)  # before: a view too
    lazy = mmap.mmap(-1, len(data))  # the parent's buffer for an answer from 4 MiB
    lazy[:] = data
    got = ts_frames.decode(specs, lazy, len(lazy))
    assert torch.equal(got[0], small) and torch.equal(got[1], big)
    assert got[1].data_ptr() == torch.frombuffer(lazy, dtype=torch.uint8).data_ptr() + 16


_PREALLOC = r"""
import os, resource, struct, sys, time
sys.path.insert(0, sys.argv[1])
from trojanscope.io import ts_sandbox
read, write = os.pipe()
os.write(write, struct.pack(">Q", 768 << 20) + b"x" * 100)
os.close(write)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    ts_sandbox._read_capped(read, 1 << 30, time.monotonic() + 30)
except EOFError:
    pass
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_a_declared_length_is_not_allocated_before_its_bytes() -> None:
    src = str(IO.parent.parent)
    proc = subprocess.run(
        [sys.executable, "-c", _PREALLOC, src], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    grown_mib = int(proc.stdout.strip())
    assert grown_mib < 64, f"{grown_mib} MiB resident for 100 bytes"  # before: 768


def test_only_the_filters_own_refusal_reads_as_denied() -> None:
    sys.path.insert(0, str(IO))
    try:
        import ts_child
    finally:
        sys.path.remove(str(IO))
    own = RuntimeError(
        "The following operation failed in the TorchScript interpreter.\n"
        "RuntimeError: Operation not permitted: input must be positive"
    )
    assert ts_child._failure(own)["status"] == "error"
    refused = RuntimeError(
        "unable to open file </x> in read-write mode: Operation not permitted (1)"
    )
    assert ts_child._failure(refused)["status"] == "denied"
    assert ts_child._failure(PermissionError(1, "Operation not permitted"))["status"] == "denied"


def test_a_filter_that_cannot_be_installed_refuses_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sys.path.insert(0, str(IO))
    try:
        import ts_child
        import ts_seccomp
    finally:
        sys.path.remove(str(IO))
    monkeypatch.setattr(ts_seccomp, "unavailable", lambda: "")  # the machine has seccomp
    monkeypatch.setattr(
        ts_seccomp, "confine", lambda: "the filter could not be installed on thread 7"
    )
    with pytest.raises(Exception) as caught:  # before: the reason returned, the load went on
        ts_child._seccomp()
    answer = ts_child._failure(caught.value)
    assert answer["status"] == "unconfined" and "thread 7" in answer["detail"]
    assert "unconfined" in ts_sandbox._WHAT
    monkeypatch.setattr(ts_seccomp, "unavailable", lambda: "no seccomp filter for riscv64")
    monkeypatch.setattr(ts_seccomp, "confine", lambda: "no seccomp filter for riscv64")
    assert ts_child._seccomp() == "no seccomp filter for riscv64"  # none here: runs, with a note
