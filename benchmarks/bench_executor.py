"""Scale-out figures (issue 18): executors on this machine and on an emulated two-node cluster.

- ``startup``: seconds for ``ray.init`` of a fresh local Ray (2 CPUs, no dashboard), median of 3;
- ``overhead``: per-task overhead of each executor on empty tasks (wall x workers / tasks);
- ``zoo``: ``make_zoo`` of N MNIST models (1 epoch) with ``serial`` and with ``ray`` (2
  workers): throughput in models per minute, start-up excluded and included;
- ``audit``: ``audit_registry`` of a zoo of >= 40 models (defaults: the manifest's MNIST data,
  method auto) with ``serial`` and with ``ray`` (2 workers);
- ``cluster``: a head (1 CPU) and a second node (1 CPU) started with ``ray start`` on this
  machine; ``audit_registry`` runs against it and the second node's raylet is killed (SIGKILL)
  after the first results: every model must still land in the history database;
- ``postgres``: ``audit_registry`` into a real PostgreSQL server started here (Debian's
  ``postgresql``, run as the ``postgres`` user, in a temp folder), through the pg8000 driver
  given with ``--pg-driver-path`` (installed with ``pip install --target``, never into the venv);
- ``dbsize``: the size per history row of the ``audit`` part's database;
- ``install`` (not in the default parts; needs the package index): seconds and megabytes to
  install ``ray`` and ``ray[default]`` into fresh virtual environments.

Every part records the load average before it starts: on a shared machine the ratios say less
than on a quiet one. Results go to ``benchmarks/out/executor.json``.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_executor.py [--parts startup,overhead,\
zoo,audit,cluster,postgres] [--models 40] [--pg-driver-path /tmp/pg8000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "executor.json"
RAY = str(Path(sys.executable).parent / "ray")
WORK = Path(tempfile.gettempdir()) / "ts-bench-executor"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


START_TRIES = 4  # Ray gives up after 30 s when the raylet is slow to register (a busy machine)


def retrying(what: str, start) -> float:
    """Call ``start()`` until it succeeds (at most :data:`START_TRIES` times); failed tries are
    logged and counted in ``FAILED_STARTS``."""
    for attempt in range(START_TRIES):
        t0 = time.perf_counter()
        try:
            start()
            return time.perf_counter() - t0
        except Exception as exc:
            FAILED_STARTS.append({"what": what, "after_s": time.perf_counter() - t0,
                                  "load": load(), "error": str(exc).splitlines()[0]})
            log(f"{what}: start failed (try {attempt + 1}): {FAILED_STARTS[-1]}")
            import ray

            ray.shutdown()
            # a start that timed out leaves its GCS running: end this run's own processes
            for proc in _cluster_pids([str(WORK), "/tmp/tsr"]):
                with contextlib.suppress(Exception):
                    proc.kill()
    raise SystemExit(f"{what}: could not start Ray in {START_TRIES} tries")


FAILED_STARTS: list[dict[str, Any]] = []


def local_ray(temp: Path) -> float:
    """Start a local Ray (2 CPUs) in ``temp``; returns the seconds it took."""
    import ray

    start = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             _temp_dir=str(temp), address="local")
    return time.perf_counter() - start


def part_startup() -> dict[str, Any]:
    import ray

    times, failures = [], []
    for i in range(3):
        temp = Path(tempfile.mkdtemp(prefix="tsr", dir="/tmp"))
        start = time.perf_counter()
        try:
            times.append(local_ray(temp))
            log(f"startup {i}: {times[-1]:.1f} s (load {load()})")
        except Exception as exc:  # Ray gives up when the machine is too busy to start it
            failures.append(f"after {time.perf_counter() - start:.0f} s: {exc}")
            log(f"startup {i}: failed {failures[-1]}")
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
    return {"ray_init_s": times, "failed": failures,
            "median_s": statistics.median(times) if times else None}


def part_overhead(n: int = 200) -> dict[str, Any]:
    import ray

    from trojanscope.executor import Task, create_executor
    from trojanscope.testing.tasks import echo

    out = {}
    temp = Path(tempfile.mkdtemp(prefix="tsr", dir="/tmp"))
    retrying("overhead", lambda: local_ray(temp))
    try:
        for name in ("serial", "process", "ray"):
            with create_executor(name, workers=2) as ex:
                list(ex.map([Task(f"w{i}", echo, (i,)) for i in range(4)]))  # workers up
                start = time.perf_counter()
                results = list(ex.map([Task(f"t{i}", echo, (i,)) for i in range(n)]))
                wall = time.perf_counter() - start
            assert all(r.ok for r in results)
            per_task = wall * ex.slots() / n
            out[name] = {"tasks": n, "wall_s": wall, "workers": ex.slots(),
                         "overhead_s_per_task": per_task}
            log(f"overhead {name}: {per_task * 1000:.1f} ms per task")
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
    return out


def _timed(name: str, run) -> dict[str, Any]:
    """Run ``run(executor)`` with executor ``name`` (2 workers); start-up timed apart."""
    from trojanscope.executor import create_executor

    ex = create_executor(name, workers=2)
    startup = retrying(name, ex.start)
    started = time.perf_counter()
    t0 = started - startup
    try:
        items = run(ex)
    finally:
        ex.close()
    end = time.perf_counter()
    return {"items": items, "startup_s": started - t0, "work_s": end - started,
            "wall_s": end - t0, "per_min": 60 * items / (end - started),
            "per_min_with_startup": 60 * items / (end - t0), "load_before": None}


def _compare(label: str, run, ray_temp: Path) -> dict[str, Any]:
    res: dict[str, Any] = {}
    for name in ("serial", "ray"):
        before = load()
        res[name] = _timed(name, run(name))
        res[name]["load_before"] = before
        log(f"{label} {name}: {res[name]['items']} in {res[name]['work_s']:.0f} s "
            f"({res[name]['per_min']:.2f}/min; start-up {res[name]['startup_s']:.1f} s; "
            f"load {before})")
    res["speedup"] = res["ray"]["per_min"] / res["serial"]["per_min"]
    res["speedup_with_startup"] = (res["ray"]["per_min_with_startup"]
                                   / res["serial"]["per_min_with_startup"])
    log(f"{label}: ray/serial {res['speedup']:.2f}x ({res['speedup_with_startup']:.2f}x with "
        "start-up)")
    return res


def part_zoo(models: int) -> dict[str, Any]:
    from trojanscope.zoo import make_zoo

    def run(name: str):
        def go(ex) -> int:
            out = WORK / f"zoo-{name}"
            shutil.rmtree(out, ignore_errors=True)
            return len(make_zoo("mnist", out, n_clean=models // 2,
                                n_backdoored=models - models // 2, seed=300, epochs=1,
                                attacks=["badnets", "blended"], executor=ex))
        return go

    return _compare("zoo", run, WORK)


REGISTRY_SIZE = [40]


def registry_zoo(models: int) -> Path:
    """A registry of ``models`` MNIST models (1 epoch): the first of one zoo of
    ``--models`` models, built once (process pool) and kept under the work folder."""
    from trojanscope.executor import create_executor
    from trojanscope.zoo import make_zoo

    size = max(models, REGISTRY_SIZE[0])
    full = WORK / f"registry-{size}"
    with create_executor("process", workers=2) as ex:
        make_zoo("mnist", full, n_clean=size // 2, n_backdoored=size - size // 2, seed=400,
                 epochs=1, executor=ex)
    if models == size:
        return full
    sub = WORK / f"registry-{size}-first-{models}"
    shutil.rmtree(sub, ignore_errors=True)
    sub.mkdir(parents=True)
    for entry in sorted(p for p in full.iterdir() if p.is_dir())[:models]:
        shutil.copytree(entry, sub / entry.name)
    return sub


def part_audit(models: int) -> dict[str, Any]:
    from trojanscope.audit.batch import audit_registry
    from trojanscope.audit.history import HistoryStore
    from trojanscope.audit.pipeline import AuditOptions

    registry = registry_zoo(models)

    def run(name: str):
        def go(ex) -> int:
            db = WORK / f"audit-{name}.sqlite"
            db.unlink(missing_ok=True)
            rows = list(audit_registry(registry, AuditOptions(seed=0), executor=ex,
                                       store=HistoryStore(f"sqlite:///{db}")))
            assert all(r.status == "audited" for r in rows), [r.error for r in rows]
            return len(rows)
        return go

    return _compare("audit", run, WORK)


def _cluster_pids(marks: list[str]) -> list[Any]:
    """Ray processes of our own cluster: their command line names its temp folder, its GCS
    address or the second node's resource."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if any(mark in cmd for mark in marks) and proc.pid != os.getpid():
            found.append(proc)
    return found


def part_cluster(models: int) -> dict[str, Any]:
    import psutil

    from trojanscope.audit.batch import audit_registry
    from trojanscope.audit.history import HistoryStore
    from trojanscope.audit.pipeline import AuditOptions
    from trojanscope.executor import create_executor

    registry = registry_zoo(models)
    temp = Path(tempfile.mkdtemp(prefix="tsc", dir="/tmp"))
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    head = [RAY, "start", "--head", "--num-cpus", "1", "--port", str(port),
            "--include-dashboard", "false", f"--temp-dir={temp}", "--disable-usage-stats"]
    t0 = time.perf_counter()
    subprocess.run(head, check=True, capture_output=True, env=env)
    node2 = [RAY, "start", "--address", f"127.0.0.1:{port}", "--num-cpus", "1",
             "--resources", '{"second_node": 1}', "--disable-usage-stats"]
    subprocess.run(node2, check=True, capture_output=True, env=env)
    cluster_up = time.perf_counter() - t0
    log(f"cluster: two nodes up in {cluster_up:.1f} s (load {load()})")
    db = WORK / "cluster.sqlite"
    db.unlink(missing_ok=True)
    result: dict[str, Any] = {"models": models, "cluster_start_s": cluster_up,
                              "load_before": load()}
    killed = None
    try:
        ex = create_executor("ray", address=f"127.0.0.1:{port}", tries=3)
        rows = []
        start = time.perf_counter()
        with ex:
            result["slots"] = ex.slots()
            for row in audit_registry(registry, AuditOptions(seed=0), executor=ex,
                                      store=HistoryStore(f"sqlite:///{db}")):
                rows.append(row)
                if len(rows) == 2 and killed is None:
                    raylets = [p for p in psutil.process_iter(["pid", "name", "cmdline"])
                               if p.info["name"] == "raylet"
                               and "second_node" in " ".join(p.info["cmdline"] or [])]
                    assert len(raylets) == 1, raylets
                    killed = raylets[0].pid
                    raylets[0].kill()
                    log(f"cluster: killed the second node's raylet (pid {killed}) after 2 "
                        "results")
        result.update({
            "wall_s": time.perf_counter() - start, "killed_raylet_pid": killed,
            "audited": sum(r.status == "audited" for r in rows),
            "failed": [r.key for r in rows if r.status == "failed"],
            "retried": [r.key for r in rows if r.attempts > 1],
            "workers": sorted({r.worker.split(":")[0] for r in rows}),
        })
        with HistoryStore(f"sqlite:///{db}").engine.connect() as con:
            from sqlalchemy import text

            result["rows_in_db"] = con.execute(text("SELECT COUNT(*) FROM audits")).scalar()
        log(f"cluster: {result['audited']}/{models} audited, {result['rows_in_db']} rows in the "
            f"database, retried {result['retried']}, failed {result['failed']}")
    finally:
        for proc in _cluster_pids([str(temp), f"127.0.0.1:{port}", "second_node"]):
            with contextlib.suppress(psutil.Error):  # only this cluster's processes, by pid
                proc.kill()
        shutil.rmtree(temp, ignore_errors=True)
    return result


def part_postgres(driver_path: str | None, models: int) -> dict[str, Any]:
    from trojanscope.audit.batch import audit_registry
    from trojanscope.audit.history import HistoryStore
    from trojanscope.audit.pipeline import AuditOptions
    from trojanscope.executor import create_executor
    from trojanscope.testing.postgres import postgres_server, server_version

    if driver_path:
        sys.path.insert(0, driver_path)
    import pg8000  # noqa: F401  (the driver SQLAlchemy's postgresql+pg8000 URL loads)

    sub = registry_zoo(models)
    data = Path(tempfile.mkdtemp(prefix="tspg", dir="/tmp"))
    try:
        with postgres_server(data, "pg8000") as url:
            store = HistoryStore(url)
            start = time.perf_counter()
            with create_executor("process", workers=2) as ex:
                rows = list(audit_registry(sub, AuditOptions(seed=0), executor=ex, store=store))
            wall = time.perf_counter() - start
            with create_executor("serial") as ex:
                again = list(audit_registry(sub, AuditOptions(seed=0), executor=ex,
                                            store=store, resume=True))
            n = len(store.query())
    finally:
        shutil.rmtree(data, ignore_errors=True)
    resumed = sum(r.status == "resumed" for r in again)
    log(f"postgres: {len(rows)} audited in {wall:.0f} s, {n} rows; resume: {resumed} skipped")
    return {"models": len(rows), "rows_in_db": n, "wall_s": wall, "resumed": resumed,
            "server": server_version()}


def part_dbsize() -> dict[str, Any]:
    """Size of the history rows the ``audit`` part wrote (SQLite file and JSON columns), for
    sizing a large registry's database."""
    import sqlite3

    db = WORK / "audit-serial.sqlite"
    with sqlite3.connect(db) as con:
        rows, doc, findings = con.execute(
            "SELECT COUNT(*), AVG(LENGTH(document)), AVG(LENGTH(findings)) FROM audits").fetchone()
    size = db.stat().st_size
    log(f"dbsize: {rows} rows, {size / rows / 1000:.1f} kB per row in the file")
    return {"rows": rows, "file_bytes": size, "bytes_per_row": size / rows,
            "document_chars_mean": doc, "findings_chars_mean": findings}


def part_install() -> dict[str, Any]:
    """Seconds and megabytes to install ``ray`` and ``ray[default]`` (this venv's version)
    into fresh virtual environments (no torch in them; pip's cache off)."""
    import ray

    out = {}
    for spec in (f"ray=={ray.__version__}", f"ray[default]=={ray.__version__}"):
        venv = Path(tempfile.mkdtemp(prefix="tsvenv", dir="/tmp"))
        try:
            subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
            base = _size_mb(venv)
            start = time.perf_counter()
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-cache-dir", spec],
                           check=True)
            out[spec] = {"install_s": time.perf_counter() - start,
                         "added_mb": _size_mb(venv) - base}
            log(f"install {spec}: {out[spec]['install_s']:.0f} s, "
                f"{out[spec]['added_mb']:.0f} MB")
        finally:
            shutil.rmtree(venv, ignore_errors=True)
    return out


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()
               and not p.is_symlink()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="startup,overhead,zoo,audit,cluster,postgres")
    parser.add_argument("--models", type=int, default=40, help="Registry size (audit).")
    parser.add_argument("--zoo-models", type=int, default=8)
    parser.add_argument("--cluster-models", type=int, default=12)
    parser.add_argument("--pg-models", type=int, default=10)
    parser.add_argument("--pg-driver-path", default=None)
    args = parser.parse_args()
    REGISTRY_SIZE[0] = args.models
    import torch

    torch.set_num_threads(1)
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ["RAY_TMPDIR"] = str(WORK)  # every local Ray of this run lives under WORK
    home_ray = Path.home() / ".ray"  # Ray writes its auth token here: remove it if we made it
    home_ray_existed = home_ray.exists()
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    results["machine"] = {"cpus": os.cpu_count(), "note": "shared with other engineers"}
    parts = {
        "startup": part_startup,
        "overhead": part_overhead,
        "zoo": lambda: part_zoo(args.zoo_models),
        "audit": lambda: part_audit(args.models),
        "cluster": lambda: part_cluster(args.cluster_models),
        "postgres": lambda: part_postgres(args.pg_driver_path, args.pg_models),
        "install": part_install,
        "dbsize": part_dbsize,
    }
    for name in args.parts.split(","):
        log(f"--- {name} (load {load()})")
        FAILED_STARTS.clear()
        results[name] = {**parts[name](), "load_before": load(),
                         "failed_ray_starts": list(FAILED_STARTS),
                         "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(results, indent=2) + "\n")
    if not home_ray_existed:
        shutil.rmtree(home_ray, ignore_errors=True)
    log(f"wrote {OUT}")


if __name__ == "__main__":
    main()
