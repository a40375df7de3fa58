"""The sandboxed side of :mod:`trojanscope.io.ts_sandbox`: a small server that imports torch
once and, for each request, forks a fresh process that loads one TorchScript archive (and runs
one forward pass on zeros when asked) under resource limits, then reports how it ended.

Run as a script (``python ts_child.py``), never imported by trojanscope: it needs only the
standard library and torch. Started under ``unshare -rmn`` where the OS allows it (no network;
every mount read-only, best effort); ``PR_SET_NO_NEW_PRIVS`` always. Each forked loader gets
``RLIMIT_FSIZE`` 0 (a write to a file kills it with SIGXFSZ), ``RLIMIT_AS`` (memory),
``RLIMIT_CPU``, no core file, an empty working folder, and a wall-clock deadline.

Protocol on stdin/stdout: the server prints one JSON line when ready; each request is an
8-byte big-endian length and a JSON header (limits, the heap layouts to rehearse in, how many
loaders at once, the call's input shapes), then an 8-byte length and the archive bytes; each
answer is one JSON line ``{"status": "ok" | "error" | "signal" | "timeout" | "wrote", ...}``.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import struct
import sys
import time

_PR_SET_NO_NEW_PRIVS = 38
_MS_RDONLY, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18
_DEVNULL = -1
# torch's own words when it met memory that does not hold what it should (an object's slots
# read past their end, a type table indexed out of range): never a model's ordinary error
CORRUPT = ("Invalid IValue tag", "IValue is not a", "Unsupported TypeMeta",
           "INTERNAL ASSERT FAILED")


def _read_exact(fh, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = fh.read(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_block(fh) -> bytes:
    (n,) = struct.unpack(">Q", _read_exact(fh, 8))
    return _read_exact(fh, n)


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _no_new_privs(libc) -> bool:
    return libc is not None and libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0


def _read_only_mounts(libc) -> int:
    """In a private mount namespace (``unshare -m``): every mount read-only; how many took."""
    if libc is None or os.environ.get("TROJANSCOPE_TS_CHILD_NS") != "1":
        return 0
    if libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return 0
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
        points = sorted({line.split()[4] for line in fh if len(line.split()) > 4}, key=len)
    done = 0
    for point in points:
        p = point.encode().decode("unicode_escape").encode("latin-1", "replace")
        if libc.mount(p, p, None, _MS_BIND | _MS_REC, None) != 0:
            continue
        if libc.mount(None, p, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY, None) == 0:
            done += 1
    return done


def _vm_bytes() -> int:
    with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _vary_heap(perturb: int, pad: int) -> None:
    """Another heap for this rehearsal: glibc fills what it hands out and takes back with a
    byte pattern (``M_PERTURB``), and ``pad`` blocks of assorted sizes, every other one freed,
    move what lies next to the objects torch builds. A read past an object's slots then meets
    other memory than in the last rehearsal (a crash that depends on the heap shows in one of
    several)."""
    libc = _libc()
    if libc is None or (not perturb and not pad):
        return
    if perturb:
        libc.mallopt(-6, perturb)  # M_PERTURB
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(16 * (1 + (i * 7) % 40)) for i in range(pad)]
    for block in blocks[::2]:
        libc.free(block)


def _zeros(torch, shape: list, dtype: str, requires_grad: bool = False,
           stride: list | None = None):
    """Zeros as the parent's input: its shape, dtype, strides and ``requires_grad`` (a forward
    may branch on any of them)."""
    kind = getattr(torch, dtype)
    if stride is not None and len(stride) == len(shape) and all(int(t) >= 0 for t in stride):
        reach = sum((n - 1) * int(t) for n, t in zip(shape, stride, strict=True))
        size = 0 if 0 in shape else 1 + reach
        x = torch.zeros([size], dtype=kind).as_strided(shape, [int(t) for t in stride])
    else:
        x = torch.zeros(shape, dtype=kind)
    return x.requires_grad_(True) if requires_grad else x


def _load_and_run(header: dict, data: bytes, out_fd: int) -> None:
    """In the forked loader: limits, then what the parent will run; never returns."""
    try:  # the server's stdin/stdout carry the protocol: what torch prints goes nowhere
        os.dup2(_DEVNULL, 0)
        os.dup2(_DEVNULL, 1)
        vm = _vm_bytes() if sys.platform.startswith("linux") else 0
        limits = [(resource.RLIMIT_FSIZE, 0), (resource.RLIMIT_CORE, 0),
                  (resource.RLIMIT_CPU, int(header["cpu_s"]))]
        if vm:
            limits.append((resource.RLIMIT_AS, vm + int(header["memory"])))
        for which, value in limits:
            hard = value + 1 if which == resource.RLIMIT_CPU else value
            resource.setrlimit(which, (value, hard))
        os.chdir(header["workdir"])
        _vary_heap(int(header.get("perturb", 0)), int(header.get("pad", 0)))
        import io

        import torch

        torch.set_num_threads(1)
        module = torch.jit.load(io.BytesIO(data), map_location="cpu")
        module.eval()
        if header.get("onnx") is not None:
            result = {"status": "ok", "onnx": _export(torch, module, header["onnx"])}
            _write_all(out_fd, json.dumps(result).encode())
            os._exit(0)
        if header.get("inputs") or header.get("method"):
            xs = [_zeros(torch, *item) for item in header.get("inputs") or []]
            call = getattr(module, header["method"]) if header.get("method") else module
            with torch.set_grad_enabled(bool(header.get("grad"))):
                call(*xs)
        result = {"status": "ok"}
    except _ExportError as exc:
        result = {"status": "error", "detail": str(exc), "export": True}
    except MemoryError:
        result = {"status": "memory", "detail": "MemoryError"}
    except BaseException as exc:  # reported to the parent, which decides
        text = [t.strip() for t in str(exc).strip().splitlines() if t.strip()]
        last = text[-1] if text else ""
        name = type(exc).__name__
        detail = (last if last.startswith(f"{name}:") else f"{name}: {last}")[:500]
        memory = "can't allocate memory" in str(exc)
        # bad_alloc: too big a request, the memory limit or a size read from wrong memory
        size = "std::bad_alloc" in str(exc)
        wrote = "Read-only file system" in str(exc) or "File too large" in str(exc)
        corrupt = any(m in str(exc) for m in CORRUPT)
        status = ("memory" if memory else "size" if size else "wrote" if wrote
                  else "corrupt" if corrupt else "error")
        result = {"status": status, "detail": detail}
    _write_all(out_fd, json.dumps(result).encode())
    os._exit(0)


def _write_all(fd: int, blob: bytes) -> None:
    view = memoryview(blob)
    while view:
        view = view[os.write(fd, view):]


def _export(torch, module, input_shape: list) -> str:
    """The loaded module's ONNX export (base64), as :mod:`trojanscope.io.script_lift` asks
    for it: the export freezes the graph and propagates its constants, running code the
    forward pass never reaches (a dead branch), so it runs here, not in the parent."""
    import base64
    import io
    import warnings

    example = torch.rand(4, *input_shape, generator=torch.Generator().manual_seed(0))
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, (example,), buf, dynamo=False, input_names=["input"],
                              output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    except Exception as exc:  # the exporter's own errors come in many types
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise _ExportError(reason[:500]) from None
    return base64.b64encode(buf.getvalue()).decode("ascii")


class _ExportError(Exception):
    """The exporter refused the module (an ordinary error, reported as such)."""


def _start(header: dict, data: bytes, perturb: int, pad: int) -> tuple[int, int]:
    """Fork a loader for one heap layout; its pid and the read end of its result pipe."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the loader
        os.close(read_fd)
        _load_and_run({**header, "perturb": perturb, "pad": pad}, data, write_fd)
    os.close(write_fd)
    return pid, read_fd


def _finish(pid: int, read_fd: int, deadline: float, header: dict) -> dict:
    """Wait for one loader (killed at the deadline) and say how it ended."""
    chunks, timed_out = [], False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([read_fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_fd)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    created = sorted(os.listdir(header["workdir"]))
    if timed_out:
        return {"status": "timeout", "detail": f"{header['wall_s']:g} s"}
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        kind = {signal.SIGXFSZ: "wrote", signal.SIGXCPU: "cpu"}.get(sig, "signal")
        return {"status": kind, "detail": signal.Signals(sig).name}
    if created:
        return {"status": "wrote", "detail": f"created {created[0]!r} in its working folder"}
    try:
        return json.loads(b"".join(chunks).decode() or "{}") or {
            "status": "signal", "detail": f"exit {os.WEXITSTATUS(status)} without a result"}
    except ValueError:
        return {"status": "error", "detail": "an unreadable result"}


def _serve(header: dict, data: bytes) -> dict:
    """One loader per heap layout (``parallel`` at a time, each batch with its own deadline):
    the first that went wrong (in heap order), else the first Python error, else ok."""
    heaps = header.get("heaps") or [[0, 0]]
    width = max(1, int(header.get("parallel", 1)))
    results: list[dict] = []
    for at in range(0, len(heaps), width):
        deadline = time.monotonic() + float(header["wall_s"])
        running = [_start(header, data, int(p), int(q)) for p, q in heaps[at:at + width]]
        results += [_finish(pid, fd, deadline, header) for pid, fd in running]
        wrong = [r for r in results if r.get("status") not in ("ok", "error")]
        if wrong:
            return wrong[0]
    errors = [r for r in results if r.get("status") == "error"]
    return errors[0] if errors else next(iter(results), {"status": "ok"})


def main() -> None:
    global _DEVNULL
    _DEVNULL = os.open(os.devnull, os.O_RDWR)  # before the mounts turn read-only
    stdin = os.fdopen(os.dup(0), "rb")
    stdout = os.fdopen(os.dup(1), "wb")
    libc = _libc()
    hello = {"ready": True, "no_new_privs": _no_new_privs(libc), "pid_namespace": os.getpid() == 1,
             "read_only_mounts": _read_only_mounts(libc)}
    import torch  # noqa: F401 - imported once, before any fork

    stdout.write(json.dumps(hello).encode() + b"\n")
    stdout.flush()
    while True:
        try:
            header = json.loads(_read_block(stdin))
            data = _read_block(stdin)
        except (EOFError, ValueError):
            return
        stdout.write(json.dumps(_serve(header, data)).encode() + b"\n")
        stdout.flush()


if __name__ == "__main__":
    main()
