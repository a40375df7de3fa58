"""The FastAPI app: ``POST /v1/predict``, ``GET /healthz``, ``GET /metrics``.

Bodies are read with a byte limit before parsing, the work runs in a worker thread under a
time limit, and every client mistake is a 4xx with ``{"error": ...}`` — never a traceback. On
shutdown the service writes the incidents still queued before the app ends.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from trojanscope.serve.metrics import ServiceMetrics
from trojanscope.serve.requests import RequestError, parse_inputs
from trojanscope.serve.service import Busy, GuardedModel

log = logging.getLogger(__name__)


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes ``limit`` bytes (declared or sent)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestError(413, f"the body is {declared} bytes; at most {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, f"the body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(service: GuardedModel, *, max_batch: int = 256, max_body: int = 16 << 20,
               timeout_s: float = 10.0) -> FastAPI:
    """The HTTP service around ``service``."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(service.close)  # every queued incident written

    app = FastAPI(title="trojanscope guarded inference", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan)
    metrics = ServiceMetrics(service.model_sha256, service.backend.name, service.guard_name)
    app.state.metrics = metrics

    @app.post("/v1/predict")
    async def predict(request: Request) -> Response:
        start = time.perf_counter()
        try:
            body = await read_limited(request, max_body)
            x = parse_inputs(body, service.input_shape, max_batch)
            deadline = start + timeout_s  # a request still queued by then does not run
            answer = await asyncio.wait_for(run_in_threadpool(service.run, x, deadline),
                                            timeout_s)
        except RequestError as exc:
            metrics.answered(exc.status, time.perf_counter() - start)
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        except (TimeoutError, Busy):
            metrics.answered(503, time.perf_counter() - start)
            return JSONResponse({"error": f"the request took over {timeout_s:g} s"},
                                status_code=503)
        except Exception:  # a bug or a broken database: logged here, never sent to the client
            log.exception("prediction failed")
            metrics.answered(500, time.perf_counter() - start)
            return JSONResponse({"error": "internal error (see the service log)"},
                                status_code=500)
        metrics.answered(200, time.perf_counter() - start, len(answer.flagged),
                         sum(answer.flagged), answer.model_s,
                         answer.guard_s if service.guard is not None else None, answer.queue_s)
        return JSONResponse(answer.body())

    @app.get("/healthz")
    async def healthz() -> dict:
        return service.health()

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": f"no such endpoint: {request.method} {request.url.path}"},
                            status_code=404)

    @app.exception_handler(405)
    async def wrong_method(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": f"{request.method} is not allowed on {request.url.path}"},
                            status_code=405)

    return app
