"""An untrusted TorchScript model that runs only in the sandboxed child: this process talks to
it over a pipe and never loads the archive (issue 4, stop 38).

:class:`SandboxedModule` is the ``nn.Module`` :func:`trojanscope.io.models.load_model` returns
for a TorchScript file. Its ``forward`` (and any method the archive exports) sends the input
tensors to a worker the child's server forked for this archive (:mod:`trojanscope.io.ts_child`:
the loaders' limits, no network where ``unshare`` works) and returns what it sends back, read
as plain tensors only (:mod:`trojanscope.io.ts_frames`: dtypes from a list, shapes, bytes under
a cap). Train/eval mode and grad mode travel with each call; an input that requires grad goes
through :class:`_RemoteCall`, whose backward asks the worker for the vector-Jacobian product
(the detectors that optimise inputs: MM-BD, Neural Cleanse, the trigger searches). The proxy has
no parameters, submodules or state here: what needs a model's insides (hidden activations,
mitigations) uses the ONNX lift (:func:`trojanscope.io.script_lift.lift_torchscript`, exported in
the child and interpreted here); the traits and the parameter count are read in the child
when the worker starts. One worker per archive content per process.
"""

from __future__ import annotations

import itertools
import os
import sys
import weakref
from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.errors import UserInputError
from trojanscope.io import ts_frames, ts_sandbox
from trojanscope.io.ts_sandbox import _WHAT, WALL_S, ChildRefusal, _limits

__all__ = ["MAX_ANSWER_ENV", "WORKER_CPU_ENV", "SandboxedModule", "count_parameters",
           "is_torchscript"]

MAX_ANSWER_ENV = "TROJANSCOPE_TS_MAX_ANSWER_MIB"
MAX_ANSWER_MIB = 1024  # the most bytes one answer of the child may hold
# a worker's total CPU time, its load and every answer together (RLIMIT_CPU: the kernel
# stops it with SIGXCPU and the model is refused); each call has WALL_S too (issue 4, stop 39)
WORKER_CPU_ENV = "TROJANSCOPE_TS_WORKER_CPU_S"
WORKER_CPU_S = 4 * 3600
_NOTED: list[str] = []  # the note on a worker without its seccomp filter, once per process
_GRAPHS = itertools.count(1)
# the worker of each archive content (SHA-256) a live proxy holds: when the last proxy of a
# content goes, its worker in the child is closed (at the next request: no lock taken in GC)
_OPEN: weakref.WeakValueDictionary[str, _Worker] = weakref.WeakValueDictionary()
_CLOSING: list[list] = []  # (content, server generation) to close in the child
_REFUSED: dict[str, str] = {}  # content (SHA-256) the child refused -> the refusal, said again


def _worker_cpu() -> int:
    """The CPU seconds a worker may use in all (``TROJANSCOPE_TS_WORKER_CPU_S``, at least 1)."""
    return max(1, int(float(os.environ.get(WORKER_CPU_ENV, "") or WORKER_CPU_S)))


def _max_answer() -> int:
    return int(float(os.environ.get(MAX_ANSWER_ENV, "") or MAX_ANSWER_MIB) * 2**20)


class _Worker:
    """This process's side of one archive's worker in the child (shared by a proxy's copies)."""

    def __init__(self, data: bytes, digest: str, source: str) -> None:
        self.data, self.digest, self.source = data, digest, source
        self.generation = -1
        self.cpu_s, self.threads = WORKER_CPU_S, 1
        self.tasks_seccomp: list[str] = []  # each worker thread's Seccomp mode (2: filtered)
        self.seccomp = False  # whether the worker runs under its seccomp filter
        self.methods: list[str] = []
        self.names: list[str] = []
        self.weighted: list[str] = []
        self.parameters = 0
        self.dense = False
        self.attributes: dict[str, int | bool | str] = {}
        self._alive = [digest, -1]  # what the finalizer closes (no reference to self)
        self.open()
        weakref.finalize(self, _CLOSING.append, self._alive)

    def open(self) -> None:
        """Start the worker (its load in the child); refuse what the child refuses."""
        self._refused()
        _close_dropped()
        self.cpu_s, self.threads = _worker_cpu(), max(1, torch.get_num_threads())
        # RLIMIT_CPU counts every thread's time: the budget is per thread (stop 39, round 11)
        header = {**_limits(self.data), "cpu_s": self.cpu_s * self.threads, "kind": "open",
                  "key": self.digest, "threads": self.threads}
        answer, _ = ts_sandbox._SERVER.exchange(header, self.data, 0)
        self._check(answer, "loading it")
        methods, names, weighted = (answer.get(k) for k in ("methods", "names", "weighted"))
        attributes = answer.get("attributes", {})
        if not (_strings(methods) and _strings(names) and _strings(weighted)
                and type(answer.get("parameters")) is int and answer["parameters"] >= 0
                and type(answer.get("dense")) is bool and _plain(attributes)):
            self._refuse(f"{self.source}: the sandboxed child described the TorchScript "
                         "model in a form it may not take; not used")
        self.methods, self.names, self.weighted = methods, names, weighted
        self.parameters, self.dense = answer["parameters"], answer["dense"]
        self.attributes = attributes
        self.generation = self._alive[1] = ts_sandbox._SERVER.generation
        self.seccomp = answer.get("seccomp") is True
        tasks = answer.get("tasks_seccomp")
        self.tasks_seccomp = tasks if _strings(tasks) else []
        unconfined = answer.get("unconfined")
        if isinstance(unconfined, str) and unconfined and not _NOTED and ts_sandbox._notes():
            _NOTED.append(unconfined)
            print(f"note: the sandboxed worker that runs {_printable(self.source)[:200]} has "
                  f"no seccomp filter ({_printable(unconfined)[:200]}): without `unshare` it "
                  "could reach the network and create files", file=sys.stderr)

    def _refused(self) -> None:
        """A content the child refused once stays refused (no fresh worker for it)."""
        if self.digest in _REFUSED:
            raise ChildRefusal(_REFUSED[self.digest])

    def _check(self, answer: dict[str, Any], step: str) -> None:
        status = answer.get("status")
        if not isinstance(status, str):
            self._refuse(f"{self.source}: the sandboxed child that runs the TorchScript model "
                         "answered without a status; not used")
        detail = _printable(answer.get("detail", ""))  # the child's words: no control bytes
        if status in _WHAT:
            what = _WHAT[status].format(
                detail=detail[:300], cpu=f"{self.cpu_s} s per thread x {self.threads} thread(s)",
                how=f"; `{WORKER_CPU_ENV}` raises it (now {self.cpu_s})")
            self._refuse(
                f"{self.source}: TorchScript refused: {step} in the sandboxed child process "
                f"{what}; nothing of it runs in this process (`trojanscope scan "
                f"{self.source}` shows what the scanner finds)")
        if status == "error":  # the model's own error (a wrong input shape): said as torch does
            detail = (detail or "the TorchScript model failed")[:500]
            raise RuntimeError(detail.removeprefix("RuntimeError: "))
        if status != "ok":
            self._refuse(f"{self.source}: the sandboxed child that runs the TorchScript "
                         f"model answered {_printable(status)[:40]!r}; not used")

    def _refuse(self, message: str) -> None:
        """Raise :class:`ChildRefusal`, remembered for this content: every later call or open
        raises it again (a crashed model is not served by a fresh worker)."""
        _REFUSED.setdefault(self.digest, message)
        raise ChildRefusal(_REFUSED[self.digest])

    def request(self, header: dict[str, Any], tensors: list[Tensor],
                step: str) -> tuple[dict[str, Any], list[Tensor]]:
        """One call in the worker: its answer head and the tensors it sent (checked)."""
        specs, data = ts_frames.encode(tensors)
        header = {**header, "kind": "call", "key": self.digest, "tensors": specs,
                  "wall_s": WALL_S, "max_bytes": _max_answer()}
        self._refused()
        _close_dropped()
        for _ in range(2):  # a server restarted since (killed from outside): open again
            if self.generation != ts_sandbox._SERVER.generation:
                self.open()
            answer, blob = ts_sandbox._SERVER.exchange(header, data, _max_answer())
            if answer.get("status") not in ("restarted", "closed"):
                break
            self.generation = -1
        self._check(answer, step)
        try:
            return answer, ts_frames.decode(answer.get("tensors"), blob, _max_answer())
        except ts_frames.FrameError as exc:
            self._refuse(f"{self.source}: the sandboxed child's answer to {step} is not "
                         f"plain tensors ({exc}); not used")


def _close_dropped() -> None:
    """Close in the child the workers no proxy holds any more (of the running server, and
    not opened again since)."""
    while _CLOSING:
        digest, generation = _CLOSING.pop()
        if generation == ts_sandbox._SERVER.generation and digest not in _OPEN:
            ts_sandbox._SERVER.exchange({"kind": "close", "key": digest, "wall_s": WALL_S},
                                        b"", 0)


def _printable(value: object) -> str:
    """``value`` as one line of printable text (an escape sequence from the child could rewrite
    the user's terminal)."""
    return "".join(c if c.isprintable() else " " for c in str(value))


def _plain(value: object) -> bool:
    """Whether the child's attributes are a short dict of names to ints, bools or short
    strings (nothing else reaches a reader here)."""
    return (isinstance(value, dict) and len(value) <= 64
            and all(isinstance(k, str) and len(k) <= 200 and (
                type(v) in (int, bool) or (type(v) is str and len(v) <= 200))
                for k, v in value.items()))


def _strings(value: object) -> bool:
    return (isinstance(value, list) and len(value) <= 4096
            and all(isinstance(v, str) and len(v) <= 200 for v in value))


def _arguments(source: str, name: str, args: tuple, kwargs: dict) -> tuple[list, list[Tensor]]:
    """The call's arguments as the worker takes them: tensors (by index) and plain numbers,
    strings or booleans; anything else is refused in one line naming the method."""
    if kwargs:
        raise UserInputError(f"{source}: TorchScript {name}() called with keyword arguments "
                             f"({', '.join(sorted(kwargs))}): the sandboxed model takes "
                             "positional arguments only")
    spec, tensors = [], []
    for a in args:
        if isinstance(a, Tensor):
            spec.append({"tensor": len(tensors)})
            tensors.append(a)
        elif a is None or isinstance(a, (bool, int, float, str)):
            spec.append({"value": a})
        else:
            raise UserInputError(f"{source}: TorchScript {name}() called with a "
                                 f"{type(a).__name__}: the sandboxed model takes tensors and "
                                 "plain numbers only")
    return spec, tensors


def _rebuild(answer: dict[str, Any], outs: list[Tensor], device: torch.device) -> Any:
    kind = answer.get("kind")
    if kind == "value":
        return answer.get("value")
    outs = [o.to(device) for o in outs]
    if kind == "tensor" and len(outs) == 1:
        return outs[0]
    if kind == "dict":  # a flat Dict[str, Tensor]
        keys = answer.get("keys")
        if not _strings(keys) or len(keys) != len(outs) or len(set(keys)) != len(keys):
            raise ChildRefusal("the sandboxed child's answer names its tensors in a form it "
                               "may not take; not used")
        return dict(zip(keys, outs, strict=True))
    return tuple(outs) if kind == "tuple" else outs


class _RemoteCall(torch.autograd.Function):
    """A call whose inputs require grad: backward asks the worker for the input gradient."""

    @staticmethod
    def forward(ctx, proxy: SandboxedModule, name: str, spec: list, box: list,
                *tensors: Tensor) -> tuple[Tensor, ...]:
        ctx.proxy, ctx.name, ctx.spec = proxy, name, spec
        ctx.wants = [t.requires_grad for t in tensors]
        ctx.graph = next(_GRAPHS)
        ctx.save_for_backward(*tensors)
        answer, outs = proxy._call(name, spec, list(tensors), grad=True, wants=ctx.wants,
                                   graph=ctx.graph)
        if answer.get("kind") == "value" or not outs:
            raise UserInputError(f"{proxy.source}: TorchScript {name}() returned no tensors "
                                 "to take a gradient through")
        box.append(answer)
        ctx.mark_non_differentiable(*[o for o in outs if not o.is_floating_point()])
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads: Tensor) -> tuple:
        tensors = list(ctx.saved_tensors)
        outs = [g if g is not None else torch.zeros(()) for g in grads]
        got = ctx.proxy._vjp(ctx.name, ctx.spec, tensors, ctx.wants, outs, ctx.graph)
        it = iter(got)
        back = [next(it).to(t.device) if w and t.is_floating_point() else None
                for t, w in zip(tensors, ctx.wants, strict=True)]
        return (None, None, None, None, *back)


def several_outputs(source: str, out: tuple | list) -> str:
    """A TorchScript model whose ``forward`` returns several values (stop 70: logits and
    features; three commands stopped on "unexpected AttributeError: 'tuple' object ...")."""
    shapes = ", ".join(" x ".join(["N", *map(str, o.shape[1:])]) if isinstance(o, Tensor)
                       else type(o).__name__ for o in out)
    return (f"{source}: {len(out)} outputs ({shapes}); save a forward returning the logits "
            "alone")  # short: some callers quote 120 characters


class SandboxedModule(nn.Module):
    """A TorchScript archive's model, run in the sandboxed child: calls cross a pipe as plain
    tensors. No parameters, buffers or submodules live here (hooks, ``state_dict`` and
    weight edits need :func:`trojanscope.io.script_lift.lift_torchscript`); methods the archive
    exports are called the same way as ``forward``."""

    def __init__(self, data: bytes, digest: str, source: str) -> None:
        super().__init__()
        if digest in _REFUSED:  # refused once (a crash on a call): refused for good
            raise ChildRefusal(_REFUSED[digest])
        worker = _OPEN.get(digest)
        if worker is None or worker.generation != ts_sandbox._SERVER.generation:
            worker = _OPEN[digest] = _Worker(data, digest, source)
        self._worker = worker  # one per content per process: loaded again, the same model

    @property
    def source(self) -> str:
        return self._worker.source

    @property
    def archive(self) -> tuple[bytes, str, str]:
        """(bytes, SHA-256, source) of the archive, for the child's ONNX export."""
        return self._worker.data, self._worker.digest, self._worker.source

    @property
    def structure_names(self) -> list[str]:
        """Submodule class names and operator kinds, read in the child (coverage traits)."""
        return list(self._worker.names)

    @property
    def weighted_layers(self) -> list[str]:
        """Class names of the submodules holding weights of their own, read in the child."""
        return list(self._worker.weighted)

    @property
    def graph_dense(self) -> bool:
        """Whether the model reads as dense from its graph (no convolution, first weighted op
        a dense one), read in the child: ``auto``'s dense scope."""
        return self._worker.dense

    @property
    def parameter_count(self) -> int:
        """How many parameters the model has (counted in the child)."""
        return self._worker.parameters

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        out = self._invoke("forward", args, kwargs)
        if isinstance(out, tuple | list):
            raise UserInputError(several_outputs(self.source, out))
        return out

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            worker = self.__dict__.get("_worker")
            if worker is not None and not name.startswith("_") and name in worker.attributes:
                return worker.attributes[name]  # a plain attribute, read in the child at load
            if worker is None or name.startswith("_") or name not in worker.methods:
                raise
        return lambda *args, **kwargs: self._invoke(name, args, kwargs)

    def __deepcopy__(self, memo: dict) -> SandboxedModule:
        """A copy shares the worker (state the model keeps lives there, once)."""
        copy = SandboxedModule.__new__(SandboxedModule)
        nn.Module.__init__(copy)
        copy._worker = self._worker
        copy.training = self.training
        return copy

    def _invoke(self, name: str, args: tuple, kwargs: dict) -> Any:
        spec, tensors = _arguments(self.source, name, args, kwargs)
        device = tensors[0].device if tensors else torch.device("cpu")
        if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
            box: list = []
            outs = _RemoteCall.apply(self, name, spec, box, *tensors)
            return _rebuild(box[0], list(outs), device)
        answer, outs = self._call(name, spec, tensors, grad=torch.is_grad_enabled(),
                                  wants=[t.requires_grad for t in tensors])
        return _rebuild(answer, outs, device)

    def _call(self, name: str, spec: list, tensors: list[Tensor], *, grad: bool,
              wants: list[bool], graph: int | None = None) -> tuple[dict, list[Tensor]]:
        header = {"method": None if name == "forward" else name, "args": spec,
                  "train": self.training, "grad": grad, "requires_grad": wants,
                  "n_inputs": len(tensors)}
        if graph is not None:
            header["graph"] = graph
        step = (f"calling its method {name}()" if name != "forward" else
                f"calling it on inputs of shape {', '.join(str(tuple(t.shape)) for t in tensors)}"
                + (" (requires_grad)" if any(wants) else ""))
        return self._worker.request(header, tensors, step)

    def _vjp(self, name: str, spec: list, tensors: list[Tensor], wants: list[bool],
             grads: list[Tensor], graph: int) -> list[Tensor]:
        header = {"method": None if name == "forward" else name, "args": spec,
                  "train": self.training, "grad": True, "requires_grad": wants, "vjp": True,
                  "graph": graph, "n_inputs": len(tensors)}
        _, got = self._worker.request(header, [*tensors, *grads],
                                      f"the backward pass of {name}()")
        expected = [t for t, w in zip(tensors, wants, strict=True) if w and t.is_floating_point()]
        if len(got) != len(expected) or any(g.shape != t.shape for g, t in
                                            zip(got, expected, strict=True)):
            raise ChildRefusal(f"{self.source}: the sandboxed child's input gradient does not "
                               "match the inputs' shapes; not used")
        return [g.to(t.dtype) for g, t in zip(got, expected, strict=True)]


def is_torchscript(model: nn.Module) -> bool:
    """Whether ``model`` is TorchScript: an archive run in the child, or a module scripted in
    this process."""
    return isinstance(model, (SandboxedModule, torch.jit.ScriptModule))


def count_parameters(model: nn.Module) -> int:
    """The number of parameters of ``model`` (a sandboxed one's as counted in the child)."""
    if isinstance(model, SandboxedModule):
        return model.parameter_count
    return sum(p.numel() for p in model.parameters())
