"""The HTTP layer: the endpoints, 4xx JSON errors for what clients get wrong (never a
traceback), bounded bodies and time, Prometheus metrics with the model's digest. Skipped when
the ``serve`` extra (FastAPI) is not installed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("fastapi")
pytest.importorskip("httpx")  # FastAPI's TestClient

from fastapi.testclient import TestClient
from test_serve_service import SHAPE, clean_and_triggered, service

from trojanscope.serve.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(service(tmp_path), max_batch=8, max_body=20_000,
                                 timeout_s=5.0), raise_server_exceptions=False)


def test_predict_health_and_metrics(client: TestClient) -> None:
    clean, trig = clean_and_triggered()
    r = client.post("/v1/predict", json={"inputs": torch.cat([clean[:1], trig[:1]]).tolist()})
    assert r.status_code == 200
    doc = r.json()
    assert doc["predictions"] == [0, 1] and doc["flagged"] == [False, True]
    assert len(doc["scores"]) == 2
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["guard"] == "corner"
    assert health["input_shape"] == list(SHAPE)
    text = client.get("/metrics").text
    model = 'model="' + "ab" * 32 + '"'
    assert f'trojanscope_requests_total{{{model},status="200"}} 1.0' in text
    assert f"trojanscope_inputs_total{{{model}}} 2.0" in text
    assert f"trojanscope_flagged_inputs_total{{{model}}} 1.0" in text
    assert "trojanscope_request_latency_seconds_bucket" in text
    assert 'stage="guard"' in text and 'stage="queue"' in text
    assert 'trojanscope_model_info{backend="torch"' in text


@pytest.mark.parametrize(("content", "status", "message"), [
    (b"nonsense", 400, "not valid JSON"),
    (json.dumps({"inputs": [[0.1, 0.2]]}).encode(), 422, "shape"),
    (json.dumps({"inputs": np.zeros((9, *SHAPE)).tolist()}).encode(), 413, "at most 8"),
    (b'{"inputs": [' + b"0," * 20_000 + b"0]}", 413, "bytes"),
    (json.dumps({"inputs": np.full((1, *SHAPE), np.nan).tolist()}).encode(), 422, "NaN"),
])
def test_client_mistakes_are_json_4xx(client: TestClient, content: bytes, status: int,
                                      message: str) -> None:
    r = client.post("/v1/predict", content=content)
    assert r.status_code == status and message in r.json()["error"]
    assert "Traceback" not in r.text
    assert f'status="{status}"' in client.get("/metrics").text


def test_unknown_routes_and_methods(client: TestClient) -> None:
    assert client.get("/nope").status_code == 404 and "error" in client.get("/nope").json()
    r = client.get("/v1/predict")
    assert r.status_code == 405 and "not allowed" in r.json()["error"]


def test_slow_requests_time_out_and_failures_stay_private(tmp_path: Path) -> None:
    svc = service(tmp_path)

    class Slow:
        name = "slow"

        def logits(self, x):
            time.sleep(0.5)
            return torch.zeros(len(x), 2)

    class Broken:
        name = "broken"

        def logits(self, x):
            raise RuntimeError("secret internals")

    x = {"inputs": clean_and_triggered()[0][:1].tolist()}
    svc.backend = Slow()
    client = TestClient(create_app(svc, timeout_s=0.1), raise_server_exceptions=False)
    r = client.post("/v1/predict", json=x)
    assert r.status_code == 503 and "took over" in r.json()["error"]
    svc.backend = Broken()
    time.sleep(0.5)  # let the timed-out call finish and release the model
    r = client.post("/v1/predict", json=x)
    assert r.status_code == 500 and "secret" not in r.text
