"""How many intra-op threads torch uses in a CLI command: one, unless the user asks for more.

Why (issue 17, stop 78): two torch threads on two cores that other jobs keep busy wait for each
other and spin, and ``trojanscope demo`` took 6 times as long as with one thread at load 3 (stop
77); and a thread count moves a run's last digits, so one thread everywhere gives a user the
numbers the tests and the docs were measured with, on any machine ("same seed, same numbers").

The count, first that applies: ``--threads N`` (before the command), ``TROJANSCOPE_THREADS=N``,
an ``OMP_NUM_THREADS`` the user set (left to torch, as before), else :data:`DEFAULT`. Starting
the CLI does not import torch, so the count goes into the variables torch reads when it is
imported (processes the command starts inherit them); where torch is already imported (a caller
of :func:`trojanscope.cli.main.run` in its own process) it is set on torch. numpy's BLAS, loaded
with the CLI, gets the same count through ``threadpoolctl``. :func:`restore` puts back what
:func:`apply` changed. :func:`idle_hint` (stop 79) is the one line a long command ends with
where the default's one thread left an idle machine's other cores unused. An executor's workers
still run one thread each, whatever the count (``executor.base.call_task``); the TorchScript
sandbox's child runs the count of the process that loads the model (``io.ts_proxy``).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable

from trojanscope.errors import UserInputError

ENV = "TROJANSCOPE_THREADS"
DEFAULT = 1
VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")  # what torch (OpenMP, MKL) reads at import
_UNDO: list[Callable[[], None]] = []
# idle_hint: a command shorter than this gains little from more threads (the demo, the case the
# hint is for, took 44 s on one thread and 29 s on two on an idle 2-core machine, stop 78)
HINT_AFTER_S = 20.0
_STARTED: dict[str, float | None] = {}  # apply()'s clock and 1-minute load, where it defaulted


def check_count(value: str, source: str) -> int:
    """``value`` as a thread count (a whole number, at least 1); another value is refused in one
    line naming ``source`` (the option or variable it came from)."""
    text = value.strip()
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise UserInputError(f"{source}={value!r}: want a whole number of threads, at least 1")
    return int(text)


def env_count() -> int | None:
    """The count ``TROJANSCOPE_THREADS`` asks for (None: unset), checked: the CLI refuses a bad
    value at command start, before any work."""
    value = os.environ.get(ENV)
    return None if value is None else check_count(value, ENV)


def chosen(option: int | None) -> int | None:
    """The count a command runs with: the option, the variable, or :data:`DEFAULT`; None where
    neither is given and the user set ``OMP_NUM_THREADS`` (torch reads it itself)."""
    if option is not None:
        return option
    env = env_count()
    if env is not None:
        return env
    return None if os.environ.get("OMP_NUM_THREADS") else DEFAULT


def apply(option: int | None) -> None:
    """Run this command's torch with :func:`chosen`'s count (nothing where it is None)."""
    count = chosen(option)
    _STARTED.clear()
    if option is None and os.environ.get(ENV) is None and not os.environ.get("OMP_NUM_THREADS"):
        _STARTED.update(clock=time.monotonic(), load=_load())  # the default: idle_hint may speak
    if count is None:
        logging.getLogger(__name__).debug("torch threads: OMP_NUM_THREADS=%s, as set",
                                          os.environ["OMP_NUM_THREADS"])
        return
    from threadpoolctl import threadpool_limits  # scikit-learn's dependency

    saved = {var: os.environ.get(var) for var in VARS}
    _UNDO.append(lambda: _put_back(saved))
    for var in VARS:
        os.environ[var] = str(count)
    # numpy's BLAS (OpenBLAS) was loaded with the CLI and read its threads then; its waiting
    # threads spin too, so they get the same count
    _UNDO.append(threadpool_limits(limits=count, user_api="blas").restore_original_limits)
    if "torch" in sys.modules:  # already read its variables: set it on torch
        import torch

        before = torch.get_num_threads()
        _UNDO.append(lambda: torch.set_num_threads(before))
        torch.set_num_threads(count)
    logging.getLogger(__name__).debug("torch threads: %d", count)


def looked_idle(load_start: float, load_end: float, cores: int) -> bool:
    """Whether the 1-minute load left at least half a core free beside the command's own thread
    at its start (before it ran: ``load_start + 1``) and at its end (``load_end`` holds it)."""
    return cores >= 2 and max(load_start + 1, load_end) <= cores - 0.5


def idle_hint() -> str | None:
    """The hint a command that ran on the default's one thread ends with where more would likely
    have been faster: it imported torch, ran :data:`HINT_AFTER_S` or longer, and the machine
    :func:`looked_idle` at both ends; else None. Nothing where the user chose a count
    (``--threads``, ``TROJANSCOPE_THREADS``, ``OMP_NUM_THREADS``): the default stays one thread,
    which gives the tests' numbers and is fastest on a busy machine."""
    if "clock" not in _STARTED or "torch" not in sys.modules:
        return None
    if time.monotonic() - (_STARTED["clock"] or 0.0) < HINT_AFTER_S:
        return None
    start, end, cores = _STARTED["load"], _load(), _cores()
    if start is None or end is None or not looked_idle(start, end, cores):
        return None
    return (f"this machine looked idle (load {end:.1f} on {cores} cores): `trojanscope --threads "
            f"{cores} ...` (or {ENV}={cores}) may be faster; one thread, the default, gives the "
            "tests' numbers and is fastest on a busy machine (docs/redteam.md, \"Threads\")")


def _load() -> float | None:
    """The 1-minute load average (None where the system has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def restore() -> None:
    """Undo what :func:`apply` changed, last change first (and forget its start)."""
    _STARTED.clear()
    while _UNDO:
        _UNDO.pop()()


def _put_back(saved: dict[str, str | None]) -> None:
    for var, value in saved.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value
