"""``benchmarks/check_first_epochs.py`` (h12, stop 61): importing it patches nothing, a bad
argument is one error line and exit 2 before any model is read, and the detector's verdict is
reused only on the same weights, its first time added back to the second run's."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

import trojanscope.mitigate.gated as gm
from script_run import run_script


def test_importing_patches_nothing(load_benchmark) -> None:
    real = gm.detector_verdict
    assert callable(load_benchmark("check_first_epochs").main)
    assert gm.detector_verdict is real


@pytest.mark.parametrize("value,word", [("0", "N must be above 0"),
                                        pytest.param("1001", "dense_epochs",  # 10 s: Gated
                                                     marks=pytest.mark.slow),
                                        ("abc", "invalid int value")])
def test_a_bad_argument_is_one_error_line(tmp_path: Path, value: str, word: str) -> None:
    (tmp_path / "truth.json").write_text('{"dataset": "mnist", "models": []}')
    done = run_script("check_first_epochs.py", tmp_path, tmp_path / "out.json", value)
    assert done.returncode == 2
    assert word in done.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "out.json").exists()


def test_the_verdict_is_reused_on_the_same_weights_only(load_benchmark, monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(gm, "detector_verdict",
                        lambda name, model, clean, seed: calls.append(seed) or {"p": [seed]})
    script = load_benchmark("check_first_epochs")
    cache: dict = {}
    _, memo = script.cached_detector(cache)
    torch.manual_seed(0)
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    clean = [0] * 5
    first = memo("x", a, clean, 0)
    (took,) = [seconds for key, (_, seconds) in cache.items() if key != "saved"]
    cache["saved"] = 0.0
    again = memo("x", a, clean, 0)
    assert calls == [0] and again == first and again is not first  # a copy
    assert cache["saved"] == took  # the first run's seconds, added back once
    memo("x", b, clean, 0)  # other weights: the detector runs
    memo("x", a, clean, 1)  # another seed too
    assert calls == [0, 0, 1]
