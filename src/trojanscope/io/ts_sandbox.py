"""Untrusted TorchScript is loaded and run only in a sandboxed child process, never in this
one; the static checks (:mod:`trojanscope.scan.torchscript_code`,
:mod:`trojanscope.scan.torchscript_types`) come first.

A crafted archive can make torch read or write past an object's memory while loading or on a
forward pass (eleven review rounds found archives the static checks missed). A child
(:mod:`trojanscope.io.ts_child`, one server per process that imports torch once and forks) has
a worker load the archive's bytes and keep the model, answering calls
(:mod:`trojanscope.io.ts_proxy`: this process holds only a proxy module and reads back plain
tensors). The child has no network (``unshare -rimnp`` where the OS allows it, every mount
read-only, its own SysV IPC), no controlling terminal (a session of its own),
``PR_SET_NO_NEW_PRIVS``, ``RLIMIT_FSIZE`` 0, capped memory (``RLIMIT_AS``) and CPU time (a
worker: a total budget per thread, and a wall-clock deadline per call), an empty working
folder, and a seccomp filter on every thread installed before the archive's code runs
(:mod:`trojanscope.io.ts_seccomp`: no socket, ``execve``, new process, ``ptrace``, signal or
resource change to another process, SysV IPC, ``TIOCSTI``, or file opened for writing,
created, renamed or removed, with or without ``unshare``; x86_64 and aarch64, elsewhere a note
says it is missing).
A crash, a timeout, a resource overrun, a write, a call the filter refused, or one of torch's
own errors that only wrong memory produces (``Invalid IValue tag``) refuses the model
(:class:`ChildRefusal`, exit 2). The ONNX export the editable lift needs runs in a loader in the
child too, which returns the ONNX bytes. The server runs in its own PID namespace where
``unshare -p`` works; its working folder is named by this process's pid and swept by a later
process when this one was killed.

What it does not stop: memory this process spends before the child (the static check inflates
the archive's members: its 64 MiB cap is the guard); a compromised worker reading what the
kernel lets any process of this user read (files, ``/proc`` of the server and other workers),
or writing to the pipes it holds; without ``unshare`` and without the filter (another
architecture, a kernel without seccomp), a child that reaches the network or creates, removes
or truncates files. Every answer is read with a deadline and must echo its request's ``seq``.
"""

from __future__ import annotations

import atexit
import itertools
import json
import mmap
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from trojanscope.errors import UserInputError

__all__ = ["ChildRefusal", "child_onnx", "sandbox_state"]

MEMORY_ENV = "TROJANSCOPE_TS_CHILD_MEMORY_GIB"  # a bigger memory budget for a big model
MEMORY_GIB = 4.0  # address space the loader may add to the server's, beyond 8x the archive
CPU_S = 120  # CPU seconds one loader may use
WALL_S = 300.0  # wall-clock seconds one loader may take (a shared, loaded machine)
MARGIN_S = 30.0  # what the parent waits for an answer beyond the child's own deadline

NOTE_ENV = "TROJANSCOPE_TS_CHILD_NOTE"
WORKDIR_PREFIX = "trojanscope-ts-"  # then the parent's pid

_WHAT = {
    "corrupt": "met memory that does not hold what it should ({detail})",
    "signal": "was killed by {detail} (a crash)",
    "timeout": "did not finish within {detail}",
    "cpu": "ran over its CPU-time limit of {cpu} ({detail}): a resource limit, not a verdict "
           "on the model{how}",
    "memory": "ran over its memory limit ({detail})",
    "size": "ran out of memory or read a corrupt size ({detail})",
    "wrote": "tried to write a file ({detail})",
    "overrun": "answered more than it may ({detail})",
    "denied": "tried what its sandbox refuses: the network, a new process, a file opened for "
              "writing or another process ({detail})",
    "unconfined": "could not install its seccomp filter on every thread, so the model was not "
                  "loaded ({detail})",
}


class ChildRefusal(UserInputError):
    """The sandboxed child crashed, timed out, overran a limit or wrote: not loaded here."""


_STARTS = itertools.count(1)
_SEQS = itertools.count(1)  # each request's number, echoed in its answer


class _Server:
    """One sandboxed server per process (started on first use, stopped at exit)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.hello: dict[str, Any] = {}
        self.isolated = False
        self.note_given = False
        self.workdir = ""
        self.generation = 0  # which start: a model opened in an earlier one is gone
        self.lock = threading.Lock()

    def start(self) -> None:
        _sweep()
        # the folder names this process: one left by a killed process is swept at a next start
        self.workdir = tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-")
        script = str(Path(__file__).with_name("ts_child.py"))
        unshare = shutil.which("unshare")
        # no network, read-only mounts and its own PID namespace (the loaders die with the
        # server); without the PID namespace; no network only; neither (a note says so)
        # (and its own SysV IPC namespace: no other program's shared memory or queues)
        attempts = [[unshare, "-rimnp", "--fork", "--kill-child"], [unshare, "-rimn"],
                    [unshare, "-rin"]] if unshare else []
        for prefix in [*attempts, []]:
            argv = [*prefix, sys.executable, script]
            env = dict(os.environ, OMP_NUM_THREADS="1",
                       TROJANSCOPE_TS_CHILD_NS="1" if any(
                           a.startswith("-rim") for a in prefix) else "0")
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, env=env, cwd=self.workdir,
                                    bufsize=0,  # read by fd, with a deadline: no buffer
                                    # no controlling terminal (no TIOCSTI into the user's
                                    # shell); Ctrl-C reaches this process, which stops it
                                    start_new_session=True)
            try:
                line = _read_line(proc.stdout.fileno(), 1 << 16, time.monotonic() + WALL_S)
            except (OSError, EOFError):
                line = b""
            try:
                hello = json.loads(line) if line else {}
            except ValueError:
                hello = {}
            if hello.get("ready"):
                self.proc, self.hello, self.isolated = proc, hello, bool(prefix)
                self.generation = next(_STARTS)  # unique across servers of this process
                atexit.register(self.stop)
                return
            proc.kill()
            proc.wait()
        raise UserInputError("cannot start the sandboxed child process that loads TorchScript "
                             "first (python could not run trojanscope/io/ts_child.py)")

    def stop(self) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
            self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _send(self, header: dict[str, Any], data: bytes, deadline: float) -> int:
        """One request: the JSON header (with the working folder and a fresh ``seq`` the
        answer must echo) and the bytes, each length-prefixed; its ``seq``."""
        seq = next(_SEQS)
        head = json.dumps({**header, "workdir": self.workdir, "seq": seq}).encode()
        _write_all(self.proc.stdin.fileno(), struct.pack(">Q", len(head)) + head
                   + struct.pack(">Q", len(data)), deadline)
        _write_all(self.proc.stdin.fileno(), data, deadline)
        return seq

    def _drop(self) -> None:
        """Kill and reap the server: it is out of step with the protocol (an answer may still
        wait in the pipe), so it is never read from again; a next request starts a new one."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def note(self) -> None:
        """One note per process when the child runs without its namespaces."""
        if not self.isolated and not self.note_given and _notes():
            self.note_given = True
            if self.hello.get("seccomp") is True:
                print("note: `unshare -rmn` is not available here: the sandboxed child that "
                      "loads and runs TorchScript has no namespaces of its own; its seccomp "
                      "filter still refuses the network, new processes and files opened for "
                      "writing", file=sys.stderr)
                return
            print("note: `unshare -rmn` is not available here, nor a seccomp filter "
                  f"({_clean(self.hello.get('unconfined'))}): the sandboxed child that loads "
                  "and runs TorchScript has network access and writable mounts (RLIMIT_FSIZE 0 "
                  "stops writing bytes to a file, not creating, removing, renaming or "
                  "truncating files)", file=sys.stderr)

    def exchange(self, header: dict[str, Any], data: bytes,
                 max_bytes: int) -> tuple[dict[str, Any], bytes | bytearray | mmap.mmap]:
        """One request to a model living in the child (``open``, ``call``, ``close``): the
        answer's JSON head (at most 1 MiB) and its bytes (at most ``max_bytes``), within the
        request's ``wall_s`` and a margin. A server that died is restarted (``generation``
        changes: its workers are gone) and the answer is ``{"status": "restarted"}``; an
        answer over a cap, late, unreadable or for another request stops the server, and so
        does an interruption (Ctrl-C, MemoryError) between request and answer."""
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = None
                self.start()
                if header.get("kind") != "open":
                    return {"status": "restarted"}, b""
            self.note()
            deadline = time.monotonic() + float(header.get("wall_s", WALL_S)) + MARGIN_S
            try:
                seq = self._send(header, data, deadline)
                fd = self.proc.stdout.fileno()
                blocks = [_read_capped(fd, cap, deadline) for cap in (1 << 20, max_bytes)]
                answer = json.loads(blocks[0])
                if isinstance(answer, dict) and answer.get("seq") == seq:
                    return answer, blocks[1]  # writable: the largest tensor is a view of it
            except (OSError, ValueError, EOFError, RecursionError):  # nested past the stack
                pass
            except BaseException:
                self._drop()
                raise
            self._drop()
            raise UserInputError("the sandboxed child process that runs TorchScript stopped "
                                 "answering in time or answered more than it may")

    def ask(self, header: dict[str, Any], data: bytes) -> dict[str, Any]:
        """One loader's answer (the ONNX export: one JSON line back), within ``wall_s`` and a
        margin; a late or foreign answer stops the server and refuses."""
        with self.lock:
            for attempt in range(2):  # a server that died (killed from outside) is restarted
                if self.proc is None or self.proc.poll() is not None:
                    self.proc = None
                    self.start()
                self.note()
                deadline = time.monotonic() + float(header.get("wall_s", WALL_S)) + MARGIN_S
                try:
                    seq = self._send(header, data, deadline)
                    line = _read_line(self.proc.stdout.fileno(), _line_cap(header, data),
                                      deadline)
                except TimeoutError:
                    self._drop()
                    raise UserInputError("the sandboxed child process that loads TorchScript "
                                         "first did not answer in time") from None
                except (OSError, EOFError):
                    line = b""
                except BaseException:
                    self._drop()
                    raise
                if line:
                    try:
                        verdict = json.loads(line)
                    except (ValueError, RecursionError):
                        verdict = None
                    if isinstance(verdict, dict) and verdict.get("seq") == seq:
                        return verdict
                    self._drop()
                    raise UserInputError("the sandboxed child process that loads TorchScript "
                                         "first answered out of step; not used")
                self._drop()
                if attempt:
                    raise UserInputError("the sandboxed child process that loads TorchScript "
                                         "first stopped answering")
        return {}


def _line_cap(header: dict[str, Any], data: bytes) -> int:
    """The most bytes a load check's answer may hold: 1 MiB, or for an ONNX export its bytes
    in base64 (the weights, about the archive's size; 4x and 64 MiB to spare)."""
    return (4 * len(data) + (64 << 20)) if header.get("onnx") is not None else 1 << 20


def _wait(fd: int, deadline: float, write: bool = False) -> None:
    """Until ``fd`` is ready to read (or write); TimeoutError at the deadline."""
    left = deadline - time.monotonic()
    ready = select.select([], [fd], [], max(0.0, left))[1] if write else select.select(
        [fd], [], [], max(0.0, left))[0]
    if not ready:
        raise TimeoutError("the sandboxed child did not answer in time")


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    while view:
        _wait(fd, deadline, write=True)
        view = view[os.write(fd, view[:1 << 16]):]


LAZY_BYTES = 4 << 20  # from this size (over the 1 MiB head cap) an anonymous mapping


def _read_exact(fd: int, n: int, deadline: float) -> bytearray | mmap.mmap:
    """Exactly ``n`` bytes, read into one buffer (a large answer is held once: no chunks
    joined into a second copy; issue 4, stop 39). From :data:`LAZY_BYTES` it is an anonymous
    ``mmap``, whose pages take memory only as bytes arrive: a declared length costs nothing
    before its bytes come (round 11)."""
    out = mmap.mmap(-1, n) if n >= LAZY_BYTES else bytearray(n)
    view, at = memoryview(out), 0
    try:
        while at < n:
            _wait(fd, deadline)
            got = os.readv(fd, [view[at:at + (1 << 20)]])
            if not got:
                raise EOFError
            at += got
    finally:
        view.release()
    return out


def _read_line(fd: int, cap: int, deadline: float) -> bytes:
    """One line from the child, at most ``cap`` bytes (EOFError past it, or when bytes follow
    the line: the child writes nothing after an answer until the next request)."""
    out = bytearray()
    while not out.endswith(b"\n"):
        if len(out) > cap:
            raise EOFError
        _wait(fd, deadline)
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b""
        out += chunk
        if b"\n" in out[:-1]:
            raise EOFError
    return bytes(out)


def _read_capped(fd: int, cap: int, deadline: float) -> bytearray | mmap.mmap:
    """One length-prefixed block from the child; ValueError when it declares over ``cap``,
    TimeoutError (an OSError) at the deadline."""
    (n,) = struct.unpack(">Q", _read_exact(fd, 8, deadline))
    if n > cap:
        raise ValueError(f"a block of {n:,} bytes, over {cap:,}")
    return _read_exact(fd, n, deadline)


def _sweep() -> None:
    """Remove the working folders of processes that no longer run (one killed by a signal runs
    no exit handler)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        pid = folder.name[len(WORKDIR_PREFIX):].split("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def _clean(value: object) -> str:
    """The child's words in a note: one short line of printable text."""
    return "".join(c if c.isprintable() else " " for c in str(value or "unknown"))[:200]


def _notes() -> bool:
    """Whether the one-line note on a weaker sandbox is printed (``NOTE_ENV=0``: not; the test
    suite, whose tests count stderr lines, on machines without ``unshare``)."""
    return os.environ.get(NOTE_ENV, "1") != "0"


_SERVER = _Server()


def sandbox_state() -> dict[str, Any]:
    """How the child is confined (starts it): network and mounts isolated, no_new_privs."""
    if _SERVER.proc is None:
        with _SERVER.lock:
            if _SERVER.proc is None:
                _SERVER.start()
    return {"isolated": _SERVER.isolated, **_SERVER.hello}


def _limits(data: bytes) -> dict[str, Any]:
    """A loader's or worker's limits: address space (``TROJANSCOPE_TS_CHILD_MEMORY_GIB`` and
    8x the archive), CPU seconds and the wall-clock deadline."""
    gib = float(os.environ.get(MEMORY_ENV, "") or MEMORY_GIB)
    return {"memory": int(gib * 2**30) + 8 * len(data), "cpu_s": CPU_S, "wall_s": WALL_S}


def child_onnx(module: Any, input_shape: tuple[int, ...],
               keep_norm: bool = False) -> bytes | None:
    """The ONNX export of an archive's :class:`~trojanscope.io.ts_proxy.SandboxedModule`, made
    in the sandboxed child (the
    export freezes the graph and propagates its constants, which runs code no forward pass
    reaches: a dead branch's crash); None for a module that does not come from an archive
    (one scripted in this process). Raises :class:`UserInputError` when the export failed, and
    :class:`ChildRefusal` when the child crashed, timed out or overran a limit while exporting
    (the model is refused, not quietly used without its hidden layers)."""
    archive = getattr(module, "archive", None)
    if archive is None or not hasattr(os, "fork"):
        return None
    import base64

    data, _digest, source = archive
    header = {**_limits(data), "onnx": list(input_shape)}
    if keep_norm:  # BatchNorm kept as its own node (onnx_bytes.export_onnx_bytes)
        header["onnx_norm"] = True
    verdict = _SERVER.ask(header, data)
    status = verdict.get("status")
    if status == "ok" and verdict.get("onnx"):
        return base64.b64decode(verdict["onnx"])
    crashed = isinstance(status, str) and status in _WHAT
    what = (_WHAT[status].format(detail=verdict.get("detail", ""), cpu=f"{CPU_S} s", how="")
            if crashed else f"failed ({verdict.get('detail', status)})")
    # a crash, timeout or overrun refuses the model (ChildRefusal); an exporter's error does not
    raise (ChildRefusal if crashed else UserInputError)(
        f"{source}: the TorchScript model cannot be exported to ONNX for editing: the export in "
        f"a sandboxed child process {what}")
