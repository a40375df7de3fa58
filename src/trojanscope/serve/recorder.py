"""Incidents written by a background thread, so that a request is answered without waiting for
the database: one SQLite transaction waits for the disk (30 ms measured for one incident,
docs/benchmarks.md "issue 14, stop 31", against about 1 ms for the guard itself).

Nothing handed over is dropped: the writer takes everything queued, after waiting up to
``LINGER_S`` for more, into one transaction (each incident keeps the time it was flagged),
retries a failed write, and :meth:`close` — called when the service shuts down (Ctrl-C,
SIGTERM) — returns only after every queued incident is written or, where the database keeps
refusing, logged as lost with its count; a record after that is written at once.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence

from trojanscope.audit.incidents import Incident, IncidentStore

log = logging.getLogger(__name__)

RETRIES = 3  # writes of one batch before its incidents are logged as lost
RETRY_WAIT_S = 0.5
# The writer waits this long after the first queued incident for others to share its
# transaction: a transaction costs about 1.9 ms of CPU and each incident 0.07 ms more (measured,
# issue 14 stop 31), CPU the requests would otherwise lose.
LINGER_S = 0.2
# Bytes of flagged inputs waiting for the writer at most (a database refusing writes for long):
# beyond, an incident is counted and logged as lost rather than held in memory without bound.
# Bytes, not batches: a batch holds up to the service's --max-batch inputs of any size.
MAX_QUEUED_BYTES = 256 << 20


class IncidentRecorder:
    """Queues a service's incidents and writes them to ``store`` on one background thread.

    After :meth:`close` (the service shutting down) a late :meth:`record` — a request that
    timed out for its client but was still being answered — writes at once in the caller's
    thread, so nothing handed over is left in a queue no thread reads.
    """

    def __init__(
        self,
        store: IncidentStore,
        *,
        model_sha256: str,
        model: str,
        detector: str,
        threshold: float,
    ) -> None:
        self.store = store
        self._meta = {
            "model_sha256": model_sha256,
            "model": model,
            "detector": detector,
            "threshold": threshold,
        }
        # unbounded as a queue: ``_queued_bytes`` bounds it, and the closing sentinel never waits
        self._queue: queue.Queue[list[Incident] | None] = queue.Queue()
        self._queued_bytes = 0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # start, hand-over, close and the counts never interleave
        self._hurry = threading.Event()  # set by close: no lingering
        self._closed = False
        self._count_lock = threading.Lock()  # written/lost: the writer and late records
        self.written = 0
        self.lost = 0

    def record(self, incidents: Sequence[Incident]) -> None:
        """Hand ``incidents`` over to the writer (started on first use); returns at once,
        except after :meth:`close`, when it writes them itself."""
        batch = list(incidents)
        size = batch_bytes(batch)
        with self._lock:
            if not self._closed:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._loop, args=(self._queue,), name="incident-writer",
                        daemon=True,
                    )
                    self._thread.start()
                if self._queued_bytes and self._queued_bytes + size > MAX_QUEUED_BYTES:  # stalled
                    with self._count_lock:  # taking writes for a long time
                        self.lost += len(batch)
                    log.error("%d incident(s) lost: %d MiB of incidents already wait for the "
                              "database", len(batch), self._queued_bytes >> 20)
                    return
                self._queued_bytes += size
                self._queue.put_nowait(batch)
                return
        self._write(batch)

    def close(self) -> None:
        """Write everything queued, then stop the writer; later records write at once."""
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self._hurry.set()
            self._queue.put(None)  # after every batch handed over (the lock orders them)
        thread.join()

    def _loop(self, source: queue.Queue) -> None:
        while True:
            batch = [source.get()]
            if batch[0] is not None:
                self._hurry.wait(LINGER_S)
            while None not in batch:  # take what else is waiting: one transaction for all
                try:
                    batch.append(source.get_nowait())
                except queue.Empty:
                    break
            incidents = [i for group in batch if group for i in group]
            if incidents:
                self._write(incidents)
                with self._lock:
                    self._queued_bytes -= batch_bytes(incidents)
            if None in batch:
                return

    def _write(self, incidents: list[Incident]) -> None:
        for attempt in range(1, RETRIES + 1):
            try:
                self.store.record_incidents(incidents, **self._meta)
                with self._count_lock:  # late records write from request threads too
                    self.written += len(incidents)
                return
            except Exception as exc:  # a database error (explained by the store) or a bug
                log.error(
                    "writing %d incident(s) failed (attempt %d of %d): %s",
                    len(incidents),
                    attempt,
                    RETRIES,
                    exc,
                )
                if attempt < RETRIES:
                    time.sleep(RETRY_WAIT_S)
        with self._count_lock:
            self.lost += len(incidents)
        log.error("%d incident(s) could not be written and are lost", len(incidents))


def batch_bytes(incidents: Sequence[Incident]) -> int:
    """The memory the incidents' inputs hold while they wait for the writer."""
    return sum(int(i.input.nbytes) for i in incidents)
