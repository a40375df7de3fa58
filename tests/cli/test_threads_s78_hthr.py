"""The CLI's torch thread count (issue 17, stop 78: hthr): one thread unless ``--threads N``,
``TROJANSCOPE_THREADS=N`` or a user's ``OMP_NUM_THREADS`` asks otherwise; bad values are one
``error:`` line and exit 2; executor workers keep one thread, the TorchScript sandbox's child
the command's count."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from trojanscope.cli import threads
from trojanscope.cli.main import run
from trojanscope.errors import UserInputError
from trojanscope.executor.base import Task, call_task

ROOT = Path(__file__).resolve().parents[2]
# run() in a fresh process (torch not yet imported), then torch's count as the command left it
PROBE = ("import sys; from trojanscope.cli.main import run; code = run(sys.argv[1:]); "
         "import torch; print(code, torch.get_num_threads())")


def _fresh(args: list[str], **env: str) -> str:
    """``PROBE`` with ``args`` in a fresh process whose thread variables are only ``env``."""
    base = {k: v for k, v in os.environ.items()
            if k not in (*threads.VARS, threads.ENV, "OPENBLAS_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env={**base, **env, "PYTHONPATH": str(ROOT / "src")}, timeout=300,
                          check=True)
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """No thread variable set (the tests' conftest sets OMP_NUM_THREADS=1)."""
    for var in (*threads.VARS, threads.ENV):
        monkeypatch.delenv(var, raising=False)


def test_a_fresh_command_runs_one_thread_unless_asked() -> None:
    """``list arch`` imports torch: with no variable set it ran one thread (torch's own default
    on a machine of two cores or more is two or more), with ``TROJANSCOPE_THREADS=2`` two (the
    option takes the same road: :func:`threads.apply`)."""
    assert _fresh(["list", "arch"]) == "0 1"
    assert _fresh(["list", "arch"], TROJANSCOPE_THREADS="2") == "0 2"


def test_the_choice_in_order(unset: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert threads.chosen(None) == threads.DEFAULT == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # the user's own: left to torch
    assert threads.chosen(None) is None
    monkeypatch.setenv(threads.ENV, "3")
    assert threads.chosen(None) == 3
    assert threads.chosen(4) == 4  # the option first


def test_in_process_the_count_is_set_and_put_back(
    unset: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A caller of run() whose torch is imported: set on torch for the command, then put back
    with the variables as they were."""
    seen: list[int] = []
    real = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (seen.append(n), real(n))[1])
    before = torch.get_num_threads()
    assert run(["--threads", "2", "list", "arch"]) == 0
    assert seen == [2, before] and torch.get_num_threads() == before
    assert not any(var in os.environ for var in threads.VARS)
    seen.clear()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert run(["list", "arch"]) == 0 and seen == []  # the user's variable: nothing set
    capsys.readouterr()


@pytest.mark.parametrize("value", ["0", "-3", "abc", "2.5"])
def test_a_bad_option_is_one_error_line(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--threads", value, "list", "arch"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("error: invalid value for '--threads'"), err
    assert len(err) == 2 and err[1].startswith("hint: "), err


@pytest.mark.parametrize("value", ["0", "-3", "abc", "", "2.5"])
def test_a_bad_variable_is_one_error_line_before_any_work(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(threads.ENV, value)
    monkeypatch.chdir(tmp_path)
    assert run(["attack", "--out", "runs/x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: TROJANSCOPE_THREADS={value!r}: want a whole number of threads, "
                   "at least 1"]
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UserInputError):
        threads.env_count()


def _threads_in_task() -> int:
    return torch.get_num_threads()


def test_an_executor_task_still_runs_one_thread() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # as --threads 2 leaves the parent
    try:
        outcome = call_task(Task("t", _threads_in_task))
    finally:
        torch.set_num_threads(before)
    assert outcome.ok and outcome.value == 1


class _Double(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2


def test_the_sandbox_child_runs_the_commands_count(unset: None, tmp_path: Path) -> None:
    """Loaded under the default policy from a process torch gave two threads, a TorchScript
    model's sandboxed child runs one (it follows the loading process, ``io.ts_proxy``)."""
    from trojanscope.io.models import load_model

    torch.jit.script(_Double()).save(str(tmp_path / "m.pt"))
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # torch's default on a 2-core machine
    try:
        threads.apply(None)
        model = load_model(tmp_path / "m.pt", scan=False).module
        assert torch.equal(model(torch.ones(2)), torch.full((2,), 2.0))
    finally:
        threads.restore()
        after = torch.get_num_threads()
        torch.set_num_threads(before)
    assert model._worker.threads == 1 and after == 2


def test_the_option_after_the_command_says_where_it_goes(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["list", "arch", "--threads", "2"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: no such option: --threads",
        "hint: --threads is an option of trojanscope itself: write it before the command "
        "(trojanscope --threads N list ...)"]
