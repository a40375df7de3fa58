"""Executors: one interface for running many independent tasks (registry kind ``executor``).

``serial`` runs them in the calling process, ``process`` (the default of the CLI) in a local
process pool, ``ray`` on Ray. See :mod:`trojanscope.executor.base`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from trojanscope.errors import UserInputError
from trojanscope.executor.base import (
    DEFAULT_TRIES,
    Executor,
    Listener,
    Outcome,
    Task,
    TaskResult,
    TasksFailed,
    call_task,
)

DEFAULT_EXECUTOR = "process"


def create_executor(name: str = DEFAULT_EXECUTOR, *, workers: int | None = None,
                    tries: int = DEFAULT_TRIES, address: str | None = None) -> Executor:
    """The executor ``name`` (``serial``, ``process``, ``ray`` or a plug-in's); ``address``
    is only for back-ends that connect somewhere (Ray)."""
    from trojanscope import registry

    cls = registry.get("executor", name)
    params = {"workers": workers, "tries": tries}
    if address is not None:
        if "address" not in inspect.signature(cls).parameters:
            raise UserInputError(f"--address is for --executor ray, not {name!r}")
        params["address"] = address
    return registry.create("executor", name, **params)


def run_all(tasks: list[Task], executor: Executor | None = None,
            listener: Listener | None = None,
            on_value: Callable[[Any, int, int], None] | None = None,
            what: str = "tasks") -> list[Any]:
    """Run ``tasks`` on ``executor`` (default: serial) and return their values in the tasks'
    order; ``on_value(value, done, total)`` is called as each one finishes. Tasks that still
    fail after every try raise :class:`TasksFailed` once the others are done."""
    done: dict[str, Any] = {}
    failed = []
    for result in (executor or create_executor("serial")).map(tasks, listener):
        if not result.ok:
            failed.append(result)
            continue
        done[result.key] = result.value
        if on_value is not None:
            on_value(result.value, len(done), len(tasks))
    if failed:
        raise TasksFailed(failed, len(tasks), what)
    return [done[t.key] for t in tasks]


__all__ = ["DEFAULT_EXECUTOR", "DEFAULT_TRIES", "Executor", "Listener", "Outcome", "Task",
           "TaskResult", "TasksFailed", "call_task", "create_executor", "run_all"]
