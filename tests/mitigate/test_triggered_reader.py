"""The triggered-inputs file: :func:`load_triggered` checks and reads it,
:func:`read_triggered` reads a file a command checked already (hfc, stop 55: one function with
a ``checked=True`` flag did both, so its call sites did not say which)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import trojanscope.mitigate.triggers as triggers
from trojanscope.errors import UserInputError


def _file(tmp_path):
    path = tmp_path / "triggered.npz"
    np.savez(path, x=np.zeros((3, 1, 4, 4), np.float32), y=np.array([0, 1, 2]),
             target=np.int64(2))
    return path


def test_load_checks_and_read_only_reads(monkeypatch, tmp_path) -> None:
    calls: list[str] = []
    check = triggers.check_triggered_file
    monkeypatch.setattr(triggers, "check_triggered_file",
                        lambda path, option="--eval-triggered": calls.append(option)
                        or check(path, option))
    path = _file(tmp_path)
    loaded = triggers.load_triggered(path, 3, "--triggered")
    assert calls == ["--triggered"]
    read = triggers.read_triggered(path, 3, "--triggered")
    assert calls == ["--triggered"]  # not checked again
    assert read.target.tolist() == loaded.target.tolist() == [2, 2, 2]
    assert "checked" not in inspect.signature(triggers.load_triggered).parameters


def test_the_loader_alone_still_refuses_a_file_that_is_no_archive(tmp_path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"hello")
    with pytest.raises(UserInputError, match=r"--eval-triggered .*not a zip archive"):
        triggers.load_triggered(bad, 3)
