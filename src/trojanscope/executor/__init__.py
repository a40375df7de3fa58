"""Executors: one interface for running many independent tasks (registry kind ``executor``).

``serial`` runs them in the calling process, ``process`` (the default of the CLI) in a local
process pool, ``ray`` on Ray. See :mod:`trojanscope.executor.base`.
"""

from __future__ import annotations

import inspect

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


__all__ = ["DEFAULT_EXECUTOR", "DEFAULT_TRIES", "Executor", "Listener", "Outcome", "Task",
           "TaskResult", "TasksFailed", "call_task", "create_executor"]
