"""Incidents are written by a background thread: a request never waits for the database, and
nothing handed over is lost — ``close`` (the service's shutdown) writes everything queued, a
failed write is retried, and an app stopped like ``serve`` on Ctrl-C keeps every incident."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
import torch
from test_serve_service import clean_and_triggered, service

from trojanscope.audit.history import db_url
from trojanscope.audit.incidents import Incident, IncidentStore
from trojanscope.errors import UserInputError
from trojanscope.serve import recorder as recorder_module
from trojanscope.serve.recorder import IncidentRecorder

WRITE_S = 0.3  # what one slow database write takes in these tests


class SlowStore(IncidentStore):
    """A database whose every transaction waits ``WRITE_S`` (a disk under load)."""

    def record_incidents(self, incidents, **meta):
        time.sleep(WRITE_S)
        return super().record_incidents(incidents, **meta)


def incident(i: int) -> Incident:
    return Incident(torch.full((1, 2, 2), float(i)).numpy(), 1.0, 1, False)


class GatedStore(IncidentStore):
    """A database that takes no write until ``opened`` is set (no clock in the test)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.opened = threading.Event()

    def record_incidents(self, incidents, **meta):
        assert self.opened.wait(30), "the test never opened the database"
        return super().record_incidents(incidents, **meta)


class FlakyStore(IncidentStore):
    """A database that refuses the first ``fails`` transactions."""

    fails = 1

    def record_incidents(self, incidents, **meta):
        if self.fails:
            self.fails -= 1
            raise UserInputError("history database: database is locked")
        return super().record_incidents(incidents, **meta)


def slow_service(tmp_path: Path, store_class: type[IncidentStore] = SlowStore):
    svc = service(tmp_path)
    svc.store = store_class(db_url(tmp_path / "db.sqlite"))
    svc.recorder.store = svc.store
    return svc


def test_a_request_does_not_wait_for_the_database(tmp_path: Path) -> None:
    _, trig = clean_and_triggered(8)
    svc = slow_service(tmp_path, GatedStore)
    for i in range(4):  # answered while the database takes nothing
        assert svc.run(trig[2 * i : 2 * i + 2]).flagged == [True, True]
    assert svc.recorder.written == 0
    svc.store.opened.set()
    svc.close()
    rows = svc.store.incidents()
    assert len(rows) == 8 and svc.recorder.written == 8 and svc.recorder.lost == 0


def test_incidents_keep_the_time_they_were_flagged(tmp_path: Path) -> None:
    store = IncidentStore(db_url(tmp_path / "db.sqlite"))
    rec = IncidentRecorder(store, model_sha256="ab" * 32, model="m", detector="d", threshold=0.5)
    x = torch.zeros(1, 2, 2).numpy()
    rec.record([Incident(x, 1.0, 1, False, "2026-01-01T00:00:00.000+00:00")])
    rec.close()
    [row] = store.incidents()
    assert row.recorded_at == "2026-01-01T00:00:00.000+00:00" and row.threshold == 0.5


def test_a_failed_write_is_retried(tmp_path: Path, monkeypatch, caplog) -> None:
    monkeypatch.setattr(recorder_module, "RETRY_WAIT_S", 0.0)
    _, trig = clean_and_triggered(3)
    svc = slow_service(tmp_path, FlakyStore)
    with caplog.at_level(logging.ERROR):
        svc.run(trig)
        svc.close()
    assert len(svc.store.incidents()) == 3 and svc.recorder.lost == 0
    assert "attempt 1 of 3" in caplog.text
    svc.store.fails = 99  # a database that never takes the write: counted and logged as lost
    svc.run(trig[:2])
    with caplog.at_level(logging.ERROR):
        svc.close()
    assert svc.recorder.lost == 2 and "2 incident(s) could not be written" in caplog.text


def test_an_app_shut_down_writes_every_queued_incident(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from trojanscope.serve.app import create_app

    _, trig = clean_and_triggered(6)
    svc = slow_service(tmp_path)
    with TestClient(create_app(svc)) as client:  # leaving it runs the app's shutdown
        for i in range(6):
            assert client.post("/v1/predict", json={"inputs": trig[i : i + 1].tolist()}).json()[
                "flagged"
            ] == [True]
        queued = svc.recorder.written
    assert queued < 6  # still queued when the requests were answered
    assert len(IncidentStore(db_url(tmp_path / "db.sqlite")).incidents()) == 6


@pytest.mark.slow
def test_serve_stopped_by_ctrl_c_keeps_every_flagged_input(
    tmp_path: Path, backdoored_run, tiny_test
) -> None:
    """The real ``trojanscope serve`` in a subprocess: flagged requests, then Ctrl-C (SIGINT) at
    once; the database holds one incident per flagged input."""
    pytest.importorskip("uvicorn")
    import json
    import os
    import signal
    import socket
    import subprocess
    import sys

    import httpx
    import numpy as np

    from trojanscope.experiment import save_experiment

    save_experiment(backdoored_run, tmp_path / "bad")
    np.savez(tmp_path / "clean.npz", x=tiny_test.x.numpy())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "incidents.sqlite"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trojanscope",
            "-q",
            "serve",
            str(tmp_path / "bad"),
            "--data",
            str(tmp_path / "clean.npz"),
            "--db",
            str(db),
            "--port",
            str(port),
        ],
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            assert proc.poll() is None, proc.stderr.read()
            try:
                httpx.get(f"{url}/healthz", timeout=1.0).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        triggered = backdoored_run.attack.trigger.apply(tiny_test.x[tiny_test.y != 2][:40])
        flagged = 0
        for i in range(0, 40, 4):
            r = httpx.post(
                f"{url}/v1/predict",
                content=json.dumps({"inputs": triggered[i : i + 4].tolist()}),
                timeout=30.0,
            )
            flagged += sum(r.json()["flagged"])
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert proc.returncode == 0 and flagged > 20
    assert len(IncidentStore(db_url(db)).incidents()) == flagged


def test_incidents_queued_together_share_one_transaction(tmp_path: Path, monkeypatch) -> None:
    """A transaction costs far more CPU than an incident: the writer lingers for more."""
    monkeypatch.setattr(recorder_module, "LINGER_S", 5.0)  # close() cuts it short
    calls = []

    class CountingStore(IncidentStore):
        def record_incidents(self, incidents, **meta):
            calls.append(len(incidents))
            return super().record_incidents(incidents, **meta)

    store = CountingStore(db_url(tmp_path / "db.sqlite"))
    rec = IncidentRecorder(store, model_sha256="ab" * 32, model="m", detector="d", threshold=0.5)
    x = torch.zeros(1, 2, 2).numpy()
    rec.record([Incident(x, 1.0, 1, False)])
    time.sleep(0.05)  # the writer has taken the first one
    for _ in range(9):
        rec.record([Incident(x, 1.0, 1, False)])
    start = time.perf_counter()
    rec.close()
    assert calls == [10] and time.perf_counter() - start < 2.0


def test_a_record_during_close_is_written_and_close_returns(tmp_path: Path) -> None:
    """A request still being answered while the service shuts down (its client timed out)
    hands incidents over during ``close``: close still returns, and they are written."""
    svc = slow_service(tmp_path, GatedStore)
    rec = svc.recorder
    rec.record([incident(0)])
    closing = threading.Thread(target=rec.close)
    closing.start()
    while not rec._closed:  # close has marked the recorder (it waits on the writer now)
        time.sleep(0.01)
    late = threading.Thread(target=rec.record, args=([incident(1)],))
    late.start()
    svc.store.opened.set()
    closing.join(10)
    late.join(10)
    assert not closing.is_alive() and not late.is_alive()
    assert len(svc.store.incidents()) == 2 and rec.written == 2 and rec.lost == 0


def test_a_record_after_close_is_written_at_once(tmp_path: Path) -> None:
    svc = slow_service(tmp_path)
    svc.close()
    svc.recorder.record([incident(0)])
    assert len(svc.store.incidents()) == 1
    assert svc.recorder._thread is None  # no writer started that nothing would close


def test_the_queue_is_bounded_by_the_bytes_it_holds(tmp_path: Path, monkeypatch, caplog) -> None:
    """A database that stops taking writes: the queue holds at most ``MAX_QUEUED_BYTES`` of
    inputs (not a number of batches, whose size a request chooses); beyond, incidents are
    counted and logged as lost; once it is written, the room is free again."""
    one = incident(0).input.nbytes  # 16 bytes: a 1×2×2 float32 input
    monkeypatch.setattr(recorder_module, "MAX_QUEUED_BYTES", 3 * one)
    store = GatedStore(db_url(tmp_path / "db.sqlite"))
    rec = IncidentRecorder(store, model_sha256="ab" * 32, model="m", detector="d", threshold=0.5)
    with caplog.at_level(logging.ERROR):
        rec.record([incident(0), incident(1)])  # 2 of 3 inputs' room
        rec.record([incident(2), incident(3)])  # would be 4: lost
        rec.record([incident(4)])  # 3: fits
    assert rec.lost == 2 and "2 incident(s) lost" in caplog.text
    store.opened.set()
    rec.close()
    assert rec.written == 3 and rec._queued_bytes == 0
    assert len(store.incidents()) == 3
