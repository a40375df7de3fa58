"""Executors: results as they finish, per-task seeds, retries, a killed worker costs only its
task, bad input fails without retry. Every back-end meets the same contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.executor import Listener, Task, create_executor
from trojanscope.testing import tasks as t


def run_all(executor, tasks, listener=None):
    return {r.key: r for r in executor.map(tasks, listener)}


@pytest.fixture(scope="module")
def pools():
    """One executor per back-end for the module (workers start once), closed at the end."""
    made: dict[str, object] = {}
    yield made
    for executor in made.values():
        executor.close()


def backend(name: str, request) -> object:
    if name == "ray":
        request.getfixturevalue("local_ray")
    pools = request.getfixturevalue("pools")
    if name not in pools:
        pools[name] = create_executor(name, workers=2, tries=3)
    return pools[name]


def _marked(name: str):
    """Ray's cases are in the slow set (stop 41): starting a local Ray costs ~12 s of a quiet
    default suite and times out on a loaded machine; ``pytest -m slow`` runs them."""
    return pytest.param(name, marks=pytest.mark.slow) if name == "ray" else name


# the contract runs over every registered executor (a plug-in's too)
BACKENDS = registry.names("executor")
CASES = [_marked(n) for n in BACKENDS]


def test_the_builtin_backends_are_registered() -> None:
    assert {"serial", "process", "ray"} <= set(BACKENDS)


@pytest.mark.parametrize("name", CASES)
def test_results_and_per_task_seeds(name: str, request) -> None:
    tasks = [Task(f"echo-{i}", t.echo, (i,)) for i in range(5)]
    tasks += [Task(f"draw-{s}", t.draw, seed=s) for s in (1, 2)]
    results = run_all(backend(name, request), tasks)
    assert {k: r.value for k, r in results.items() if k.startswith("echo")} == {
        f"echo-{i}": i for i in range(5)}
    assert all(r.ok and r.attempts == 1 for r in results.values())
    serial = run_all(create_executor("serial"), [Task("d", t.draw, seed=1)])
    assert results["draw-1"].value == serial["d"].value  # the seed, not the worker, decides
    assert results["draw-1"].value != results["draw-2"].value


@pytest.mark.parametrize("name", CASES)
def test_retries_then_reports_the_reason(name: str, request, tmp_path: Path) -> None:
    tasks = [Task("flaky", t.fail_times, (str(tmp_path / "n"), 2, "ok")),
             Task("broken", t.fail, ("always broken",)),
             Task("fine", t.echo, (7,))]
    results = run_all(backend(name, request), tasks)
    assert results["flaky"].ok and results["flaky"].value == "ok"
    assert results["flaky"].attempts == 3
    assert not results["broken"].ok and results["broken"].attempts == 3
    assert results["broken"].error == "RuntimeError: always broken"
    assert results["fine"].value == 7


@pytest.mark.parametrize("name", [_marked(n) for n in BACKENDS if n != "serial"])
def test_a_killed_worker_costs_only_its_task(name: str, request, tmp_path: Path) -> None:
    tasks = [Task("victim", t.die_once, (str(tmp_path / "died"), "survived"))]
    tasks += [Task(f"other-{i}", t.echo, (i, 0.2)) for i in range(4)]
    results = run_all(backend(name, request), tasks)
    assert (tmp_path / "died").exists()  # the worker really was killed once
    assert results["victim"].ok and results["victim"].value == "survived"
    assert results["victim"].attempts == 2
    assert all(results[f"other-{i}"].attempts == 1 for i in range(4))


def test_bad_input_is_not_retried(request, tmp_path: Path) -> None:
    from trojanscope.zoo import read_truth

    results = run_all(backend("process", request),
                      [Task("bad", read_truth, (str(tmp_path),))])
    assert not results["bad"].ok and results["bad"].attempts == 1
    assert "not a zoo" in results["bad"].error


def test_listener_sees_every_step(tmp_path: Path) -> None:
    class Record(Listener):
        def __init__(self) -> None:
            self.events: list[str] = []

        def on_start(self, total: int) -> None:
            self.events.append(f"start {total}")

        def on_submit(self, task: Task, attempt: int) -> None:
            self.events.append(f"submit {task.key} {attempt}")

        def on_retry(self, task: Task, reason: str) -> None:
            self.events.append(f"retry {task.key}")

        def on_result(self, result) -> None:
            self.events.append(f"result {result.key} {result.ok}")

    rec = Record()
    run_all(create_executor("serial", tries=2),
            [Task("a", t.fail_times, (str(tmp_path / "n"), 1, 1))], rec)
    assert rec.events == ["start 1", "submit a 1", "retry a", "submit a 2", "result a True"]


def test_bad_settings_are_user_errors() -> None:
    with pytest.raises(UserInputError, match="--workers"):
        create_executor("process", workers=0)
    with pytest.raises(UserInputError, match="--address is for --executor ray"):
        create_executor("process", address="127.0.0.1:1")
    with pytest.raises(UserInputError, match="unknown executor"):
        create_executor("slurm")


def test_ray_missing_is_one_clear_error(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` does when absent
    with pytest.raises(UserInputError, match=r"pip install 'trojanscope\[ray\]'"):
        create_executor("ray").start()


def test_unreachable_ray_address_fails_fast(no_ray_address) -> None:
    pytest.importorskip("ray")
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UserInputError, match="unreachable"):
        create_executor("ray", address=f"127.0.0.1:{port}").start()


def test_ray_is_not_imported_at_start_up() -> None:
    import subprocess
    import sys

    code = ("import sys, trojanscope.cli.main\n"
            "from trojanscope import registry\n"
            "assert 'ray' in registry.names('executor')\n"
            "assert 'ray' not in sys.modules, 'ray imported at start-up'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
