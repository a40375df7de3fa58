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
with the CLI, gets the same count through ``threadpoolctl``. :func:`restore` puts
back what :func:`apply` changed. An executor's workers still run one thread each, whatever the
count (``executor.base.call_task``); the TorchScript sandbox's child runs the count of the process
that loads the model (``io.ts_proxy``).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from trojanscope.errors import UserInputError

ENV = "TROJANSCOPE_THREADS"
DEFAULT = 1
VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")  # what torch (OpenMP, MKL) reads at import
_UNDO: list[Callable[[], None]] = []


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


def restore() -> None:
    """Undo what :func:`apply` changed, last change first."""
    while _UNDO:
        _UNDO.pop()()


def _put_back(saved: dict[str, str | None]) -> None:
    for var, value in saved.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value
