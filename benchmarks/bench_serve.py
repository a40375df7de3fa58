"""Load test of ``trojanscope serve`` on localhost: p50/p99 latency and requests/s for
single-input and 64-input requests, with the guard and without; every answer checked against
the same model and guard run in this process; incidents kept across a restart; ONNX Runtime
against torch per call.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_serve.py RUN --guard auto \
        --requests 2000 --out OUT.json

``RUN`` is a red-team run folder (its own attack makes the triggered inputs: one request in
ten carries them). Needs the ``serve`` extra and httpx. The server is a subprocess on one torch
thread; the client is one asyncio loop with ``--concurrency`` requests in flight. Per row it also
records the server process's CPU time per request (Linux ``/proc``: what the machine's load
changes least), the client's, the one-minute load average before and after, the server's mean
queue / model / guard time per request and whether the fused pass served (``/healthz``);
the incidents of the guarded rows are counted against their flags, across a restart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import torch

from trojanscope.audit.history import db_url
from trojanscope.audit.incidents import IncidentStore
from trojanscope.data import load_dataset
from trojanscope.data.dataset import stratified_split
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.params import parse_assignments
from trojanscope.serve.backends import OrtBackend, TorchBackend
from trojanscope.serve.service import ServeOptions, build_service


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``trojanscope serve`` in a subprocess, waited for until /healthz answers."""

    def __init__(self, model: Path, args: list[str]) -> None:
        self.port = free_port()
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        cmd = [sys.executable, "-m", "trojanscope", "-q", "serve", str(model), "--port",
               str(self.port), *args]
        self.proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{self.port}"
        start = time.perf_counter()
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"serve exited: {self.proc.stderr.read()}")
            try:
                httpx.get(f"{self.url}/healthz", timeout=1.0).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        self.startup_s = time.perf_counter() - start

    def cpu_s(self) -> float | None:
        """CPU seconds the server process has used so far (user + system; Linux /proc), the
        figure the machine's load changes least; None where /proc is not there."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Ctrl-C, as an operator would; killed if it has not ended within a minute."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def load(url: str, bodies: list[bytes], concurrency: int) -> tuple[list, list, float]:
    """Send every body once, ``concurrency`` at a time; (responses, latencies, wall seconds)."""
    answers: list = [None] * len(bodies)
    latencies: list = [None] * len(bodies)
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(len(bodies)):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300.0) as client:

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                t0 = time.perf_counter()
                r = await client.post("/v1/predict", content=bodies[i],
                                      headers={"content-type": "application/json"})
                latencies[i] = time.perf_counter() - t0
                answers[i] = (r.status_code, r.json())

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return answers, latencies, wall


def batches(clean: torch.Tensor, trig: torch.Tensor, n: int, size: int,
            rng: np.random.Generator) -> list[torch.Tensor]:
    """``n`` batches of ``size`` inputs; every tenth batch is triggered inputs."""
    out = []
    for i in range(n):
        pool = trig if i % 10 == 9 else clean
        out.append(pool[torch.from_numpy(rng.integers(0, len(pool), size))])
    return out


def run_case(model: Path, serve_args: list[str], xs: list[torch.Tensor], expected,
             concurrency: int) -> dict:
    """Serve, send ``xs``, check every answer against ``expected(x)``; figures."""
    load_before = os.getloadavg()[0]
    server = Server(model, serve_args)
    try:
        bodies = [json.dumps({"inputs": x.tolist()}).encode() for x in xs]
        cpu_before, client_before = server.cpu_s(), time.process_time()
        answers, lat, wall = asyncio.run(load(server.url, bodies, concurrency))
        cpu_after, client_cpu = server.cpu_s(), time.process_time() - client_before
        stages = stage_means_ms(httpx.get(f"{server.url}/metrics").text)
        fused = httpx.get(f"{server.url}/healthz").json().get("fused_pass")
    finally:
        server.stop()
    ok = sum(1 for a in answers if a is not None and a[0] == 200)
    wrong = 0
    for x, (_, body) in zip(xs, answers, strict=True):
        want = expected(x)
        if (body["predictions"] != want["predictions"] or body["flagged"] != want["flagged"]
                or not np.allclose([s or 0.0 for s in body["scores"]],
                                   [s or 0.0 for s in want["scores"]], atol=1e-4)):
            wrong += 1
    lat_ms = np.array(lat) * 1000
    return {"requests": len(xs), "inputs_per_request": len(xs[0]), "answered_200": ok,
            "wrong": wrong, "p50_ms": float(np.percentile(lat_ms, 50)),
            "p99_ms": float(np.percentile(lat_ms, 99)), "requests_per_s": len(xs) / wall,
            "flagged": sum(sum(a[1]["flagged"]) for a in answers),
            "server_mean_ms": stages,
            "fused_pass": fused,
            "server_cpu_ms_per_request": None if cpu_before is None or cpu_after is None
            else 1000 * (cpu_after - cpu_before) / len(xs),
            "client_cpu_ms_per_request": 1000 * client_cpu / len(xs),
            "load_average_1min": [load_before, os.getloadavg()[0]],
            "startup_s": server.startup_s}


def stage_means_ms(metrics: str) -> dict[str, float]:
    """Mean time per request in the model and in the guard, from the server's histograms."""
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for line in metrics.splitlines():
        if line.startswith("trojanscope_stage_latency_seconds_"):
            name, value = line.rsplit(" ", 1)
            stage = name.split('stage="')[1].split('"')[0]
            if name.startswith("trojanscope_stage_latency_seconds_sum"):
                sums[stage] = float(value)
            elif name.startswith("trojanscope_stage_latency_seconds_count"):
                counts[stage] = float(value)
    return {k: 1000 * sums[k] / counts[k] for k in sums if counts.get(k)}


def per_call_ms(backend, x: torch.Tensor, repeats: int = 200) -> float:
    backend.logits(x)
    start = time.perf_counter()
    for _ in range(repeats):
        backend.logits(x)
    return 1000 * (time.perf_counter() - start) / repeats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--guard", default="auto")
    ap.add_argument("--guard-param", action="append", default=[],
                    help="detector parameter NAME=VALUE, as serve's --guard-param")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--batch-requests", type=int, default=None,
                    help="requests of 64 inputs (default: --requests)")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    test = load_dataset("mnist", "test")
    clean_file = work / "clean.npz"
    guard_idx, pool_idx = stratified_split(test.y.numpy(), 0.5, args.seed)
    np.savez(clean_file, x=test.x[guard_idx].numpy())  # the guard's clean inputs
    pool = test.subset(pool_idx)  # request inputs: never seen by the guard
    trig, _, _ = attack_from_spec(load_model(args.run).manifest.attack).test_inputs(pool)
    db = work / "incidents.sqlite"
    common = ["--data", str(clean_file), "--seed", str(args.seed), "--db", str(db)]
    guard_args = ["--guard", args.guard, *(a for p in args.guard_param
                                            for a in ("--guard-param", p))]
    guarded, _ = build_service(args.run, ServeOptions(
        data=str(clean_file), guard=args.guard, seed=args.seed, db=str(work / "x.db"),
        guard_params=parse_assignments(args.guard_param, "--guard-param")))
    bare, _ = build_service(args.run, ServeOptions(guard="none", db=str(work / "x.db")))
    rng = np.random.default_rng(args.seed)
    results: dict = {"run": str(args.run), "guard": args.guard,
                     "guard_params": args.guard_param, "cases": {}}
    for size in (1, 64):
        count = args.requests if size == 1 else (args.batch_requests or args.requests)
        xs = batches(pool.x, trig, count, size, rng)
        for name, svc, extra in (("bare", bare, ["--guard", "none"]),
                                 ("guarded", guarded, guard_args)):
            key = f"{name}-{size}"
            results["cases"][key] = run_case(args.run, [*common, *extra], xs,
                                             lambda x, s=svc: s.run(x).body(),
                                             args.concurrency)
            print(key, results["cases"][key], file=sys.stderr, flush=True)
    # restart: the incidents of the guarded runs are still there, and new ones are added
    store = IncidentStore(db_url(db))
    before = len(store.incidents())
    server = Server(args.run, [*common, *guard_args])
    try:
        kept = len(store.incidents())
        r = httpx.post(f"{server.url}/v1/predict", json={"inputs": trig[:8].tolist()})
    finally:
        server.stop()
    flagged = sum(c["flagged"] for k, c in results["cases"].items() if k.startswith("guarded"))
    results["restart"] = {"flagged_by_guarded_rows": flagged,
                          "incidents_before": before, "after_restart": kept,
                          "after_one_more_request": len(store.incidents()),
                          "flagged_in_that_request": sum(r.json()["flagged"])}
    # per-call model time: torch (run folder), torch import of the ONNX file, ONNX Runtime
    loaded = load_model(args.run)
    onnx = load_model(args.run / "model.onnx")
    results["backends_ms"] = {
        f"{name}-{size}": per_call_ms(b, pool.x[:size])
        for size in (1, 64)
        for name, b in (("torch", TorchBackend(loaded.module)),
                        ("torch-onnx-import", TorchBackend(onnx.module)),
                        ("onnxruntime", OrtBackend(args.run / "model.onnx")))}
    write_text_atomic(args.out, json.dumps(results, indent=2) + "\n")
    print(table(results))


def table(results: dict) -> str:
    lines = ["| request | guard | p50 | p99 | requests/s | answered | wrong | flagged | "
             "server: queue / model / guard per request | server CPU per request | load average |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, c in results["cases"].items():
        name, size = key.split("-")
        guard = (" ".join([results["guard"], *results["guard_params"]]) if name == "guarded"
                 else "none")
        lines.append(f"| {size} input{'s' if size != '1' else ''} | {guard} | "
                     f"{c['p50_ms']:.1f} ms | {c['p99_ms']:.1f} ms | {c['requests_per_s']:.0f} "
                     f"| {c['answered_200']}/{c['requests']} | {c['wrong']} | {c['flagged']} "
                     f"| {c['server_mean_ms'].get('queue', 0):.2f} / "
                     f"{c['server_mean_ms'].get('model', 0):.2f} / "
                     f"{c['server_mean_ms'].get('guard', 0):.2f} ms | "
                     f"{c['server_cpu_ms_per_request'] or float('nan'):.2f} ms | "
                     f"{c['load_average_1min'][0]:.1f}–{c['load_average_1min'][1]:.1f} |")
    cases = results["cases"]
    lines.append("")
    ratio = {f"{size}-{q}": (cases[f"guarded-{size}"][q] or float("nan"))
             / (cases[f"bare-{size}"][q] or float("nan"))
             for size in (1, 64) for q in ("p50_ms", "p99_ms", "server_cpu_ms_per_request")}
    lines.append("guarded / bare: " + ", ".join(
        f"{size} input(s) p50 {ratio[f'{size}-p50_ms']:.2f}×, p99 {ratio[f'{size}-p99_ms']:.2f}×"
        f", server CPU {ratio[f'{size}-server_cpu_ms_per_request']:.2f}×" for size in (1, 64)))
    r = results["restart"]
    lines.append("")
    lines.append(f"restart: the guarded rows flagged {r['flagged_by_guarded_rows']} inputs; "
                 f"{r['incidents_before']} incidents before, {r['after_restart']} "
                 f"after the restart, {r['after_one_more_request']} after one more request "
                 f"({r['flagged_in_that_request']} of 8 triggered inputs flagged)")
    lines.append("")
    lines.append("model time per call: " + ", ".join(
        f"{k} {v:.3f} ms" for k, v in results["backends_ms"].items()))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
