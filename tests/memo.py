"""Test-only memos: a costly result made once per worker for the same inputs, options and seed,
and handed to every caller as its own deep copy (stop 61-62, hfc: the default suite's time).

The key of every memo is a digest of everything the result is made from (tensors by their
values, a model by its type, layout and weights, options by their ``repr``, the functions and
constants a caller could patch), so a memo can never hand one test another's result: a test
that changes any input gets a result of its own (``tests/test_memo.py`` shows it)."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import uuid
from collections.abc import Callable
from typing import Any


def tensor_digest(t: Any) -> str:
    """SHA-256 of a tensor's dtype, shape and values."""
    t = t.detach().cpu().contiguous()
    return hashlib.sha256(f"{t.dtype}{tuple(t.shape)}".encode() + t.numpy().tobytes()).hexdigest()


def module_digest(module: Any) -> str:
    """SHA-256 of a model: its class, its printed layout (a TorchScript archive's code too),
    every parameter's and buffer's name and values, and for an archive run in the sandboxed
    child (no weights here) the archive's own SHA-256. A model with neither weights nor an
    archive gets a digest of its own each time: it is never shared."""
    h = hashlib.sha256(f"{type(module).__module__}.{type(module).__qualname__}".encode())
    h.update(repr(module).encode())
    code = getattr(module, "code", None)  # a scripted or traced module: what it runs
    if isinstance(code, str):
        h.update(code.encode())
    state = module.state_dict()
    for name, value in state.items():
        h.update(name.encode() + tensor_digest(value).encode())
    archive = getattr(type(module), "archive", None)  # a SandboxedModule: (bytes, sha256, path)
    if archive is not None:
        h.update(module.archive[1].encode())
    elif not state:
        h.update(uuid.uuid4().bytes)
    return h.hexdigest()


def dataset_digest(data: Any) -> str:
    """SHA-256 of a data set (``None``: none given): its class, its tensors ``x`` and ``y``
    by value, and every other attribute by ``repr``."""
    if data is None:
        return "none"
    h = hashlib.sha256(f"{type(data).__module__}.{type(data).__qualname__}".encode())
    names = ([f.name for f in dataclasses.fields(data)] if dataclasses.is_dataclass(data)
             else sorted(vars(data)))
    for name in names:
        value = getattr(data, name)
        h.update(name.encode())
        h.update(tensor_digest(value).encode() if hasattr(value, "detach") else
                 repr(value).encode())
    return h.hexdigest()


class Memo:
    """``memo.get(key, make)``: ``make()``'s result, made once for ``key`` and handed out as a
    deep copy each time (what a caller changes reaches no other); ``made`` counts the calls of
    ``make``."""

    def __init__(self) -> None:
        self.results: dict[Any, Any] = {}
        self.made = 0

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self.results:
            self.results[key] = make()
            self.made += 1
        return copy.deepcopy(self.results[key])


def share_inspections(monkeypatch: Any, memo: Memo) -> None:
    """From here on (until ``monkeypatch`` undoes it), every detector that
    ``trojanscope.registry.create`` makes inspects through ``memo``: the same detector (class,
    registered name, parameters as given and as held, its ``run`` and ``inspect``) on the same
    model (:func:`module_digest`), data (:func:`dataset_digest`), shape, class count and seed is
    inspected once per worker. What the caller does with its verdict (calibrate, threshold)
    happens after, on its own copy."""
    from trojanscope import registry

    create = registry.create

    def shared_create(kind: str, name: str, **params: Any) -> Any:
        made = create(kind, name, **params)
        if kind == "detector":
            made.inspect = _shared_inspect(made, name, params, memo)
        return made

    monkeypatch.setattr(registry, "create", shared_create)


def _shared_inspect(detector: Any, name: str, params: dict, memo: Memo) -> Callable[..., Any]:
    real = detector.inspect
    cls = type(detector)

    def inspect(model: Any, clean: Any = None, *, input_shape: Any = None,
                num_classes: Any = None, seed: int = 0) -> Any:
        held = repr(sorted((k, v) for k, v in vars(detector).items() if k != "inspect"))
        key = (cls.__module__, cls.__qualname__, cls.run, cls.inspect, name,
               repr(sorted(params.items())), held, module_digest(model), dataset_digest(clean),
               input_shape, num_classes, seed)
        return memo.get(key, lambda: real(model, clean, input_shape=input_shape,
                                          num_classes=num_classes, seed=seed))

    return inspect
