"""The sandboxed side of :mod:`trojanscope.io.ts_sandbox`: a small server that imports torch
once and forks, for each archive, a worker that loads it and answers calls, and for an ONNX
export a loader that loads and exports it, then reports how it ended.

Run as a script (``python ts_child.py``), never imported by trojanscope: it needs only the
standard library, torch and four neighbours it imports by file (``ts_frames``, ``ts_seccomp``,
``onnx_bytes``, ``script_graph``), which need no more. Started under ``unshare -rimn`` where the
OS allows it (no network, its own SysV IPC; every mount read-only, best effort), in a session of
its own; ``PR_SET_NO_NEW_PRIVS`` always.
Each forked worker or loader gets ``RLIMIT_FSIZE`` 0 (a write to a file kills it with SIGXFSZ),
``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, no core file, an empty working folder, a wall-clock
deadline, and, before the archive's code runs, a seccomp filter on every thread (:mod:`ts_seccomp`:
no network, new process, file opened for writing or reach into another process, with or without
``unshare``; issue 4, stop 39; a machine that has one but cannot install it refuses the model).

Protocol on stdin/stdout: the server prints one JSON line when ready; each request is an
8-byte big-endian length and a JSON header (limits, the ONNX export's input shape), then an
8-byte length and the archive bytes; a loader's answer is one JSON line ``{"status": "ok" |
"error" | "signal" | "timeout" | "wrote" | "denied", ...}``. Requests whose header has ``kind``
``open``, ``call`` or ``close`` concern a worker that keeps one archive loaded
(:mod:`trojanscope.io.ts_proxy`); their answers are two length-prefixed blocks (a JSON head and
the tensors' bytes, :mod:`trojanscope.io.ts_frames`).
"""

from __future__ import annotations

import ctypes
import json
import os
import re
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
# how EPERM from the seccomp filter reads in an error: strerror with its number, as torch's
# C++ checks (``…: Operation not permitted (1)``) and Python's OSError (``[Errno 1] …``) say
# it; a model's own words that merely contain "Operation not permitted" are its own error
DENIED = re.compile(r"Operation not permitted \(1\)|\[Errno 1\] Operation not permitted")


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


def _confine(header: dict) -> None:
    """In a forked loader or worker: stdin/stdout away from the protocol, then the limits
    (no file writes, no core, CPU time, address space) and the empty working folder (the
    seccomp filter comes later, once what the load needs is imported: :func:`_seccomp`)."""
    os.dup2(_DEVNULL, 0)  # the server's stdin/stdout carry the protocol: what torch prints
    os.dup2(_DEVNULL, 1)  # goes nowhere
    vm = _vm_bytes() if sys.platform.startswith("linux") else 0
    limits = [(resource.RLIMIT_FSIZE, 0), (resource.RLIMIT_CORE, 0),
              (resource.RLIMIT_CPU, int(header["cpu_s"]))]
    if vm:
        limits.append((resource.RLIMIT_AS, vm + int(header["memory"])))
    for which, value in limits:
        hard = value + 1 if which == resource.RLIMIT_CPU else value
        resource.setrlimit(which, (value, hard))
    os.chdir(header["workdir"])


class _Unconfined(Exception):
    """The filter is written for this machine and its kernel has seccomp, yet installing it
    on every thread failed: the archive is not loaded unconfined."""


def _seccomp() -> str:
    """The seccomp filter (:mod:`trojanscope.io.ts_seccomp`: no network, new processes or
    files opened for writing) on every thread; '' when installed, the reason when this
    machine has none (another architecture, no seccomp: the worker says so), and
    :class:`_Unconfined` when it has one that could not be installed, or a thread runs
    without it."""
    from ts_seccomp import confine, unavailable  # neighbours, by file (standard library only)

    try:
        why = confine()
    except (OSError, AttributeError, ValueError) as exc:  # no libc, no prctl
        why = f"seccomp filter not installed ({type(exc).__name__}: {exc})"[:300]
    if why and unavailable():
        return why
    if not why and not all(mode == "2" for mode in _tasks_seccomp()):
        why = f"a thread runs without the filter (Seccomp: {_tasks_seccomp()})"
    if why:
        raise _Unconfined(why)
    return ""


def _tasks_seccomp() -> list[str]:
    """The ``Seccomp:`` mode of every thread of this process (2: a filter)."""
    modes = []
    for tid in sorted(os.listdir("/proc/self/task")):
        with open(f"/proc/self/task/{tid}/status", encoding="ascii", errors="replace") as fh:
            modes += [line.split()[1] for line in fh if line.startswith("Seccomp:")]
    return modes


def _keep_only(*fds: int) -> None:
    """In a forked loader or worker: close every inherited descriptor but stdin/stdout/stderr
    (devnull by then), devnull and ``fds`` (its own pipe ends): the server's protocol pipes
    to the parent and other workers' pipes are not a model's to read or write."""
    keep = sorted({0, 1, 2, _DEVNULL, *fds} - {-1})
    low = 0
    for fd in keep:
        if fd > low:  # closerange(n, n) closes every fd above n on some Pythons (close_range)
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, max(low + 1, os.sysconf("SC_OPEN_MAX")))


def _failure(exc: BaseException) -> dict:
    """How an exception in a loader or worker is reported (the parent decides what it means)."""
    if isinstance(exc, _ExportError):
        return {"status": "error", "detail": str(exc), "export": True}
    if isinstance(exc, MemoryError):
        return {"status": "memory", "detail": "MemoryError"}
    if isinstance(exc, _Unconfined):
        return {"status": "unconfined", "detail": str(exc)[:300]}
    text = [t.strip() for t in str(exc).strip().splitlines() if t.strip()]
    last = text[-1] if text else ""
    name = type(exc).__name__
    detail = (last if last.startswith(f"{name}:") else f"{name}: {last}")[:500]
    memory = "can't allocate memory" in str(exc)
    # bad_alloc: too big a request, the memory limit or a size read from wrong memory
    size = "std::bad_alloc" in str(exc)
    wrote = "Read-only file system" in str(exc) or "File too large" in str(exc)
    denied = DENIED.search(str(exc)) is not None  # EPERM: the seccomp filter said no
    corrupt = any(m in str(exc) for m in CORRUPT)
    status = ("memory" if memory else "size" if size else "wrote" if wrote
              else "denied" if denied else "corrupt" if corrupt else "error")
    return {"status": status, "detail": detail}


def _load_and_run(header: dict, data: bytes, out_fd: int) -> None:
    """In the forked loader: limits, the filter, the load and (asked for ``onnx``) the ONNX
    export; never returns."""
    try:
        _confine(header)
        import io

        import torch

        torch.set_num_threads(1)
        if header.get("onnx") is not None:
            import onnx_bytes  # noqa: F401 - the exporter imported before the filter
            import torch.onnx
        _seccomp()  # before the archive's code runs; failed where it exists: refused
        module = torch.jit.load(io.BytesIO(data), map_location="cpu")
        module.eval()
        result = {"status": "ok"}
        if header.get("onnx") is not None:
            result["onnx"] = _export(module, header["onnx"], header.get("onnx_norm") is True)
    except BaseException as exc:  # reported to the parent, which decides
        result = _failure(exc)
    _write_all(out_fd, json.dumps(result).encode())
    os._exit(0)


def _write_all(fd: int, blob: bytes) -> None:
    view = memoryview(blob)
    while view:
        view = view[os.write(fd, view):]


def _export(module, input_shape: list, keep_norm: bool = False) -> str:
    """The loaded module's ONNX export (base64), as :mod:`trojanscope.io.script_lift` asks
    for it: the export freezes the graph and propagates its constants, running code the
    forward pass never reaches (a dead branch), so it runs here, not in the parent."""
    import base64

    from onnx_bytes import OnnxExportError, export_onnx_bytes

    try:
        return base64.b64encode(export_onnx_bytes(module, input_shape, keep_norm)
                                ).decode("ascii")
    except OnnxExportError as exc:
        raise _ExportError(str(exc)) from None


class _ExportError(Exception):
    """The exporter refused the module (an ordinary error, reported as such)."""


def _start(header: dict, data: bytes) -> tuple[int, int]:
    """Fork a loader; its pid and the read end of its result pipe."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the loader
        os.dup2(_DEVNULL, 0)
        os.dup2(_DEVNULL, 1)
        _keep_only(write_fd)
        _load_and_run(header, data, write_fd)
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
        return _signalled(status)
    if created:
        return {"status": "wrote", "detail": f"created {created[0]!r} in its working folder"}
    try:
        return json.loads(b"".join(chunks).decode() or "{}") or {
            "status": "signal", "detail": f"exit {os.WEXITSTATUS(status)} without a result"}
    except ValueError:
        return {"status": "error", "detail": "an unreadable result"}


def _serve(header: dict, data: bytes) -> dict:
    """One loader (the ONNX export), within the deadline: how it ended."""
    deadline = time.monotonic() + float(header["wall_s"])
    pid, fd = _start(header, data)
    return _finish(pid, fd, deadline, header)


# -- a model that lives in the child: inference over a pipe ----------------------------------
# The parent's proxy (:mod:`trojanscope.io.ts_proxy`) never loads the archive: a worker forked
# here loads it once, under the loaders' limits, and answers calls (tensors in, tensors out;
# :mod:`trojanscope.io.ts_frames`); the server relays each request and answer, with a deadline.
_WORKERS: dict[str, tuple[int, int, int]] = {}  # key -> (pid, request fd, answer fd)
_KEPT = 4  # graphs a worker keeps for a backward pass that may follow
HEAD_MAX = 1 << 20  # the most bytes of an answer's JSON head


class _Overrun(Exception):
    """A worker sent a block over its cap (the server stops it and says so)."""


def _send(fd: int, head: dict, blob: bytes, deadline: float | None = None) -> bool:
    """Write one message (two length-prefixed blocks) to ``fd``; False when the reader is gone
    or the deadline passed."""
    data = json.dumps(head).encode()
    message = memoryview(struct.pack(">Q", len(data)) + data + struct.pack(">Q", len(blob))
                         + blob)
    try:
        while message:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([], [fd], [], left)[1]:
                    return False
            message = message[os.write(fd, message[:1 << 20]):]
    except OSError:
        return False
    return True


def _recv_exact(fd: int, n: int, deadline: float) -> bytes | None:
    chunks, left = [], n
    while left:
        wait = deadline - time.monotonic()
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            return None
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _recv(fd: int, deadline: float, max_bytes: int) -> tuple[dict, bytes] | None:
    """One message from a worker, or None (it ended, overran the deadline or sent something
    unreadable); :class:`_Overrun` when it declared a block over its cap."""
    parts = []
    for cap in (HEAD_MAX, max_bytes):
        size = _recv_exact(fd, 8, deadline)
        if size is None:
            return None
        if struct.unpack(">Q", size)[0] > cap:
            raise _Overrun(f"a block of {struct.unpack('>Q', size)[0]:,} bytes, over {cap:,}")
        block = _recv_exact(fd, struct.unpack(">Q", size)[0], deadline)
        if block is None:
            return None
        parts.append(block)
    try:
        head = json.loads(parts[0])
    except (ValueError, RecursionError):
        return None
    return (head, parts[1]) if isinstance(head, dict) else None


def _ended(pid: int, timed_out: bool, header: dict) -> dict:
    """Kill and reap a worker that stopped answering; how it ended."""
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return {"status": "timeout", "detail": f"{header['wall_s']:g} s"}
    if os.WIFSIGNALED(status):
        return _signalled(status)
    return {"status": "signal", "detail": f"exit {os.WEXITSTATUS(status)} without an answer"}


def _signalled(status: int) -> dict:
    """A process killed by a signal: a write past RLIMIT_FSIZE, the CPU limit, or a crash."""
    sig = os.WTERMSIG(status)
    kind = {signal.SIGXFSZ: "wrote", signal.SIGXCPU: "cpu"}.get(sig, "signal")
    return {"status": kind, "detail": signal.Signals(sig).name}


def _open(header: dict, data: bytes) -> tuple[dict, bytes]:
    """Fork a worker that loads ``data`` and stays, waiting for calls; its first answer."""
    key = str(header["key"])
    _close(key)
    ask_r, ask_w = os.pipe()
    answer_r, answer_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # other models' pipes and the parent's are not this one's
        os.dup2(_DEVNULL, 0)
        os.dup2(_DEVNULL, 1)
        _keep_only(ask_r, answer_w)
        _work(header, data, ask_r, answer_w)
    os.close(ask_r)
    os.close(answer_w)
    deadline = time.monotonic() + float(header["wall_s"])
    try:
        reply = _recv(answer_r, deadline, 1 << 20)
    except _Overrun as exc:
        reply = {"status": "overrun", "detail": str(exc)}, b""
    if reply is None or reply[0].get("status") != "ok":
        os.close(ask_w)
        os.close(answer_r)
        if reply is None:
            return _ended(pid, time.monotonic() >= deadline, header), b""
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return reply
    _WORKERS[key] = (pid, ask_w, answer_r)
    return reply


def _relay(header: dict, data: bytes) -> tuple[dict, bytes]:
    """Pass one call to its worker and its answer back (the worker killed at the deadline)."""
    key = str(header["key"])
    if key not in _WORKERS:
        return {"status": "closed", "detail": "no worker holds this model"}, b""
    pid, ask_w, answer_r = _WORKERS[key]
    deadline = time.monotonic() + float(header["wall_s"])
    reply = None
    if _send(ask_w, header, data, deadline):
        try:
            reply = _recv(answer_r, deadline, int(header["max_bytes"]))
        except _Overrun as exc:  # the worker is stopped: its pipe is out of step
            reply = {"status": "overrun", "detail": str(exc)}, b""
    if reply is not None and reply[0].get("status") in ("ok", "error"):
        return reply
    del _WORKERS[key]
    os.close(ask_w)
    os.close(answer_r)
    if reply is not None:  # a limit overrun it noticed itself: no further calls
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return reply
    return _ended(pid, time.monotonic() >= deadline, header), b""


def _close(key: str) -> None:
    found = _WORKERS.pop(key, None)
    if found is not None:
        pid, ask_w, answer_r = found
        os.close(ask_w)
        os.close(answer_r)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _structure_names(module) -> list[str]:
    """What :func:`trojanscope.detect.coverage.architecture_traits` reads off a TorchScript
    module: its submodules' original class names and its forward graph's operator kinds."""
    names = {getattr(m, "original_name", None) or type(m).__name__ for m in module.modules()}
    graph = getattr(module, "inlined_graph", None)
    if graph is not None:
        names.update(node.kind() for node in graph.nodes())
    return sorted(n for n in names if isinstance(n, str))[:4096]


def _graph_dense(module) -> bool:
    """Whether the module reads as dense from its graph (``auto``'s dense scope, stop 38)."""
    from script_graph import dense_script  # a neighbour, by file (standard library only)

    graph = getattr(module, "inlined_graph", None)
    if graph is None:
        return False
    names = [getattr(m, "original_name", None) or type(m).__name__ for m in module.modules()]
    return dense_script(names, graph)


ATTRIBUTES_MAX = 64  # plain attributes of the top module the first answer carries


def _plain_attributes(torch, module) -> dict:
    """The top module's int, bool and short str attributes (a text model's ``pad_id``,
    ``insert_at``), at most :data:`ATTRIBUTES_MAX`: the parent's proxy answers them."""
    try:
        named = torch._C._jit_debug_module_iterators(module._c)["named_attributes"]
    except (AttributeError, KeyError, RuntimeError, TypeError):
        return {}
    out = {}
    for name, value in named:
        if (isinstance(name, str) and not name.startswith("_") and name != "training"
                and len(name) <= 200 and (type(value) in (int, bool) or (
                    type(value) is str and len(value) <= 200))):
            out[name] = value
            if len(out) >= ATTRIBUTES_MAX:
                break
    return out


def _work(header: dict, data: bytes, ask_fd: int, answer_fd: int) -> None:
    """The worker: limits, load, describe, then answer calls until the server goes; never
    returns."""
    try:
        _confine(header)
        import io

        import script_graph  # noqa: F401 - neighbours imported before the filter
        import torch
        import ts_frames  # noqa: F401

        torch.set_num_threads(max(1, int(header.get("threads", 1))))
        unconfined = _seccomp()  # before the archive's code runs: torch.jit.load
        module = torch.jit.load(io.BytesIO(data), map_location="cpu")
        module.eval()
        methods = sorted(n for n in module._c._method_names() if n != "forward")
        hello = {"status": "ok", "methods": methods, "names": _structure_names(module),
                 "dense": _graph_dense(module), "attributes": _plain_attributes(torch, module),
                 "parameters": int(sum(p.numel() for p in module.parameters())),
                 "seccomp": not unconfined, "unconfined": unconfined,
                 "tasks_seccomp": _tasks_seccomp() if not unconfined else [],
                 "weighted": sorted({getattr(m, "original_name", type(m).__name__)
                                     for m in module.modules()
                                     if next(m.parameters(recurse=False), None) is not None})}
    except BaseException as exc:
        _send(answer_fd, _failure(exc), b"")
        os._exit(0)
    _send(answer_fd, hello, b"")
    requests = os.fdopen(ask_fd, "rb")
    kept: dict[int, tuple] = {}
    while True:
        try:
            head = json.loads(_read_block(requests))
            blob = _read_block(requests)
        except (EOFError, ValueError, OSError):
            os._exit(0)
        try:
            answer = _call(torch, module, head, blob, kept)
            size = len(json.dumps(answer[0]).encode())
            if size > HEAD_MAX:  # an ordinary error, not an overrun the server stops it for
                answer = ({"status": "error", "detail": f"answer over 1 MiB ({size:,} bytes "
                           "of JSON): a method returning that much should return a tensor"}, b"")
        except BaseException as exc:
            answer = (_failure(exc), b"")
        if not _send(answer_fd, *answer):
            os._exit(0)


def _flat(out) -> tuple[str, list]:
    import torch

    if isinstance(out, torch.Tensor):
        return "tensor", [out]
    if isinstance(out, (tuple, list)) and out and all(isinstance(o, torch.Tensor) for o in out):
        return type(out).__name__, list(out)
    if (isinstance(out, dict) and out and all(isinstance(k, str) for k in out)
            and all(isinstance(v, torch.Tensor) for v in out.values())):
        return "dict", list(out.values())  # a flat Dict[str, Tensor]: keys in the head
    return "value", []


def _call(torch, module, head: dict, blob: bytes, kept: dict) -> tuple[dict, bytes]:
    """One call: the method (``forward`` by default) on the tensors sent, in the parent's
    train/eval mode and grad mode; with ``vjp``, the input gradient for the gradients of the
    outputs sent after the inputs (from the graph kept by the call ``graph`` names, else a
    call made again)."""
    from ts_frames import decode, encode

    tensors = decode(head.get("tensors"), blob, len(blob))
    count = int(head.get("n_inputs", len(tensors)))
    wants = [bool(w) for w in head.get("requires_grad", [])]
    inputs = [t.requires_grad_(True) if w and t.is_floating_point() else t
              for t, w in zip(tensors[:count], wants, strict=False)]
    inputs += tensors[len(inputs):count]
    args = [inputs[int(a["tensor"])] if "tensor" in a else a.get("value")
            for a in head.get("args", [])]
    module.train(bool(head.get("train")))
    method = head.get("method")
    call = getattr(module, method) if method else module
    if head.get("vjp"):
        kept_graph = kept.pop(int(head.get("graph", -1)), None)
        if kept_graph is None:  # the forward's graph is gone: the call made again
            with torch.enable_grad():
                kept_graph = (inputs, _flat(call(*args))[1])
        xs, ys = kept_graph
        pairs = [(y, g) for y, g in zip(ys, tensors[count:], strict=False) if y.requires_grad]
        wrt = [x for x in xs if x.requires_grad]
        got = (torch.autograd.grad([y for y, _ in pairs], wrt, [g for _, g in pairs],
                                   allow_unused=True) if pairs and wrt else [None] * len(wrt))
        grads = [g if g is not None else torch.zeros_like(x)
                 for g, x in zip(got, wrt, strict=True)]
        specs, data = encode(grads)
        return {"status": "ok", "tensors": specs}, data
    with torch.set_grad_enabled(bool(head.get("grad"))):
        out = call(*args)
    kind, ys = _flat(out)
    if "graph" in head and any(y.requires_grad for y in ys):
        kept[int(head["graph"])] = (inputs, ys)
        while len(kept) > _KEPT:
            kept.pop(next(iter(kept)))
    if kind == "value":
        try:
            value = json.loads(json.dumps(out))
        except (TypeError, ValueError):
            raise TypeError(f"returned a {type(out).__name__}, not a tensor, a tuple, list or "
                            "flat Dict[str, Tensor] of tensors, or plain values") from None
        return {"status": "ok", "kind": kind, "value": value, "tensors": []}, b""
    specs, data = encode(ys)
    head = {"status": "ok", "kind": kind, "tensors": specs}
    if kind == "dict":
        head["keys"] = list(out)
    return head, data


def main() -> None:
    global _DEVNULL
    _DEVNULL = os.open(os.devnull, os.O_RDWR)  # before the mounts turn read-only
    stdin = os.fdopen(os.dup(0), "rb")
    stdout = os.fdopen(os.dup(1), "wb")
    libc = _libc()
    from ts_seccomp import unavailable  # a neighbour, by file

    hello = {"ready": True, "no_new_privs": _no_new_privs(libc), "pid_namespace": os.getpid() == 1,
             "read_only_mounts": _read_only_mounts(libc), "seccomp": not unavailable(),
             "unconfined": unavailable()}
    import torch  # noqa: F401 - imported once, before any fork

    stdout.write(json.dumps(hello).encode() + b"\n")
    stdout.flush()
    while True:
        try:
            header = json.loads(_read_block(stdin))
            data = _read_block(stdin)
        except (EOFError, ValueError):
            return
        kind = header.get("kind")
        if kind in ("open", "call", "close"):  # two length-prefixed blocks back
            if kind == "close":
                _close(str(header["key"]))
                answer = ({"status": "ok"}, b"")
            else:
                answer = (_open if kind == "open" else _relay)(header, data)
            answer = ({**answer[0], "seq": header.get("seq")}, answer[1])  # which request
            if not _send(stdout.fileno(), *answer):
                return
            continue
        verdict = {**_serve(header, data), "seq": header.get("seq")}
        stdout.write(json.dumps(verdict).encode() + b"\n")
        stdout.flush()


if __name__ == "__main__":
    main()
