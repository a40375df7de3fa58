"""``ray``: tasks on Ray, a local one started here or a cluster (``--address`` / ``RAY_ADDRESS``).

Ray is an optional extra (``pip install 'trojanscope[ray]'``) and is imported only when this
executor starts, never when the registry loads. Ray's own task retries are off: the retry policy
is the one of :class:`~trojanscope.executor.base.Executor`, the same for every back-end, so a
task whose worker or node dies is retried (on whatever node is left) and counted the same way.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from trojanscope.errors import UserInputError
from trojanscope.executor.base import Executor, Outcome, Task, call_task
from trojanscope.registry import register

INSTALL_HINT = "pip install 'trojanscope[ray]'"
CONNECT_TIMEOUT_S = 5.0


def import_ray() -> Any:
    """The ``ray`` module, or one clear error saying how to install it."""
    # Ray's progress bars otherwise replace builtins.print in this process (for good), which
    # changes what the caller's own code prints and pickles.
    os.environ.setdefault("RAY_TQDM_PATCH_PRINT", "0")
    try:
        import ray
    except ImportError:
        raise UserInputError(f"--executor ray needs Ray, which is not installed: "
                             f"{INSTALL_HINT}") from None
    return ray


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail fast with one line when a cluster address does not answer (``ray.init`` would
    keep retrying for a minute). ``auto`` and ``local`` are left to Ray."""
    if address in ("auto", "local"):
        return
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise UserInputError(f"Ray address {address!r}: expected HOST:PORT or ray://HOST:PORT")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserInputError(f"Ray cluster at {address} is unreachable ({reason})") from None


def end_started_ray() -> None:
    """End the Ray processes this process started (a start that timed out leaves its GCS
    server running): only our own children, by pid."""
    try:
        import psutil
    except ImportError:
        return
    for child in psutil.Process().children(recursive=True):
        try:
            if "ray" in " ".join(child.cmdline()):
                child.kill()
        except psutil.Error:
            continue


@register("executor", "ray")
class RayExecutor(Executor):
    """Run the tasks on Ray: a local Ray with ``--workers`` CPUs, or the cluster at
    ``--address`` / ``$RAY_ADDRESS``."""

    name = "ray"

    def __init__(self, workers: int | None = None, tries: int = 3,
                 address: str | None = None) -> None:
        super().__init__(workers, tries)
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self._ray: Any = None
        self._remote: Any = None
        self._started_here = False
        self._refs: dict[Any, Task] = {}
        self._cpus = 1

    def start(self) -> None:
        if self._ray is not None:
            return
        ray = import_ray()
        if self.address:
            check_reachable(self.address)
        if not ray.is_initialized():
            if self.address:
                try:
                    ray.init(address=self.address, log_to_driver=False,
                             logging_level="ERROR")
                except Exception as exc:
                    raise UserInputError(f"Ray cluster at {self.address}: cannot connect "
                                         f"({str(exc).splitlines()[0]})") from None
            else:
                os.environ.setdefault("OMP_NUM_THREADS", "1")  # the workers inherit it
                try:
                    ray.init(num_cpus=self.workers or os.cpu_count() or 1,
                             include_dashboard=False, log_to_driver=False,
                             logging_level="ERROR", address="local")
                except Exception as exc:  # e.g. a start-up timeout on an overloaded machine
                    ray.shutdown()
                    end_started_ray()
                    raise UserInputError(f"could not start a local Ray "
                                         f"({str(exc).splitlines()[0]})") from None
            self._started_here = True
        self._ray = ray
        self._remote = ray.remote(num_cpus=1, max_retries=0)(call_task)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        # every CPU of the cluster busy (--workers caps it); tasks beyond wait in Ray's queue
        self._cpus = max(1, min(cpus, self.workers) if self.workers else cpus)

    def _slots(self) -> int:
        return self._cpus if self._ray is not None else (self.workers or 1)

    def describe(self) -> str:
        where = self.address or "local"
        return f"ray ({where}), {self.slots()} worker(s)"

    def _submit(self, task: Task) -> None:
        self._refs[self._remote.remote(task)] = task

    def _wait(self) -> tuple[Task, Outcome]:
        ray = self._ray
        ready, _ = ray.wait(list(self._refs), num_returns=1)
        task = self._refs.pop(ready[0])
        try:
            return task, ray.get(ready[0])
        except ray.exceptions.RayError as exc:  # worker or node died, object lost…
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return task, Outcome(False, error=f"{type(exc).__name__}: {reason}")

    def close(self) -> None:
        if self._ray is not None:
            for ref in list(self._refs):
                self._ray.cancel(ref, force=True)
            self._refs.clear()
            if self._started_here:
                self._ray.shutdown()
        self._ray = None
