"""The idle-machine hint (stop 79, hcmd): a command that ran on the default's one torch thread
for :data:`threads.HINT_AFTER_S` or longer, on a machine whose load left a core free, ends with
one ``hint:`` line naming ``--threads``; nothing where the user chose a count, the machine was
busy, the command was short, failed, or ran with ``--quiet``. The default stays one thread."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch  # noqa: F401  (the hint speaks only where a command imported torch)

from trojanscope.cli import threads
from trojanscope.cli.main import run

HINT = "hint: this machine looked idle"


@pytest.fixture
def idle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No thread variable set, every command long enough, an idle two-core machine; a small
    file to ``scan``."""
    for var in (*threads.VARS, threads.ENV):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(threads, "HINT_AFTER_S", 0.0)
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    path = tmp_path / "weights.npz"
    path.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip archive
    return path


def _stderr(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run(list(args))
    return code, capsys.readouterr().err


def test_the_default_on_an_idle_machine_gets_one_hint(idle: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _stderr(capsys, "scan", str(idle))
    assert code == 0
    assert err.count(HINT) == 1
    assert "`trojanscope --threads 2 ...`" in err and "TROJANSCOPE_THREADS=2" in err
    assert threads.DEFAULT == 1  # the default itself is unchanged


@pytest.mark.parametrize("args", [["--threads", "1"], ["--threads", "2"], ["-q"]])
def test_a_count_asked_for_or_quiet_gets_none(idle: Path, capsys: pytest.CaptureFixture[str],
                                              args: list[str]) -> None:
    code, err = _stderr(capsys, *args, "scan", str(idle))
    assert code == 0 and HINT not in err


@pytest.mark.parametrize("var", [threads.ENV, "OMP_NUM_THREADS"])
def test_a_variable_set_gets_none(idle: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch, var: str) -> None:
    monkeypatch.setenv(var, "1")
    code, err = _stderr(capsys, "scan", str(idle))
    assert code == 0 and HINT not in err


def test_a_busy_short_or_failed_command_gets_none(idle: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert HINT not in _stderr(capsys, "scan", str(idle.parent / "missing.pt"))[1]  # exit 2
    monkeypatch.setattr(threads, "HINT_AFTER_S", 3600.0)
    assert HINT not in _stderr(capsys, "scan", str(idle))[1]
    monkeypatch.setattr(threads, "HINT_AFTER_S", 0.0)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.6, 1.0, 1.0))
    assert HINT not in _stderr(capsys, "scan", str(idle))[1]


def test_looked_idle_leaves_half_a_core_beside_the_command() -> None:
    assert threads.looked_idle(0.3, 1.2, 2)
    assert not threads.looked_idle(0.6, 1.2, 2)  # another job at the start
    assert not threads.looked_idle(0.3, 1.6, 2)  # at the end
    assert not threads.looked_idle(0.0, 0.0, 1)  # one core: nothing to gain
    assert threads.looked_idle(10.0, 12.0, 16)
