"""Prometheus metrics of the service, in a registry of its own (one per app, so tests and
several apps in one process never share counters). Every series carries the model's SHA-256 as
the ``model`` label, so dashboards tell a swapped model apart."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# Latency buckets from 0.5 ms to 5 s: single inputs on a CPU take well under 10 ms.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    """Requests by status, inputs, flagged inputs, latency histograms, the model's identity."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, model_sha256: str, backend: str, guard: str | None) -> None:
        self.registry = CollectorRegistry()
        self.model = model_sha256
        r = self.registry
        self.requests = Counter("trojanscope_requests", "Prediction requests by HTTP status.",
                                ["model", "status"], registry=r)
        self.inputs = Counter("trojanscope_inputs", "Inputs answered.", ["model"], registry=r)
        self.flagged = Counter("trojanscope_flagged_inputs", "Inputs the guard flagged.",
                               ["model"], registry=r)
        self.latency = Histogram("trojanscope_request_latency_seconds",
                                 "Time to answer a prediction request (parse, model, guard).",
                                 ["model"], buckets=BUCKETS, registry=r)
        self.stage = Histogram("trojanscope_stage_latency_seconds",
                               "Time spent per request waiting for the model (queue), in the "
                               "model and in the guard.",
                               ["model", "stage"], buckets=BUCKETS, registry=r)
        info = Gauge("trojanscope_model_info", "The model served (always 1).",
                     ["model", "backend", "guard"], registry=r)
        info.labels(model_sha256, backend, guard or "none").set(1)

    def answered(self, status: int, seconds: float, inputs: int = 0, flagged: int = 0,
                 model_s: float | None = None, guard_s: float | None = None,
                 queue_s: float | None = None) -> None:
        self.requests.labels(self.model, str(status)).inc()
        self.latency.labels(self.model).observe(seconds)
        if inputs:
            self.inputs.labels(self.model).inc(inputs)
            self.flagged.labels(self.model).inc(flagged)
        if model_s is not None:
            self.stage.labels(self.model, "model").observe(model_s)
        if guard_s is not None:
            self.stage.labels(self.model, "guard").observe(guard_s)
        if queue_s is not None:
            self.stage.labels(self.model, "queue").observe(queue_s)

    def render(self) -> bytes:
        return generate_latest(self.registry)
