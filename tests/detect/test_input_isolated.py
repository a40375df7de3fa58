"""The isolated-bright-pixel column (``mahalanobis`` ``isolated``, stop 34b; the default since
stop 35): a crossed patch of one-pixel diagonals or scattered sparse pixels leaves bright
pixels with no bright 4-neighbour, which a digit's strokes rarely do; read from the input alone."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from test_input_edges import Pixels, _digits

from trojanscope import registry
from trojanscope.cli.main import run
from trojanscope.detect.input_level import auto
from trojanscope.detect.input_level.edges import data_span
from trojanscope.detect.input_level.isolated import data_floor, isolated_share
from trojanscope.errors import UserInputError


def _sparse(x: torch.Tensor, n: int = 20, seed: int = 5) -> torch.Tensor:
    """``x`` with the same ``n`` scattered pixels set to the maximum (a sparse-pixel trigger)."""
    g = torch.Generator().manual_seed(seed)
    at = torch.randperm(x[0].numel(), generator=g)[:n]
    out = x.clone().flatten(1)
    out[:, at] = 1.0
    return out.view_as(x)


def test_lone_pixels_and_diagonals_are_isolated_strokes_are_not() -> None:
    img = torch.zeros(3, 1, 9, 9)
    img[0, 0, 2:7, 3:5] = 1.0  # a 2-pixel-wide stroke: no bright pixel is alone
    for i in range(4):  # a one-pixel diagonal: every pixel is 4-isolated
        img[1, 0, 2 + i, 2 + i] = 1.0
    img[2, 0, 0, 0] = img[2, 0, 8, 8] = 1.0  # two lone pixels at the corners
    share = isolated_share(img, torch.tensor(0.0), torch.tensor(1.0))
    assert share[0] == 0 and share[1] == pytest.approx(4 / 5) and share[2] == pytest.approx(2 / 3)
    # read in the data's own unit: the same images on a 0-255 scale give the same values
    assert torch.equal(isolated_share(img * 255, data_floor(img), data_span(img * 255)), share)
    x = _digits()
    span = data_span(x)
    raised = isolated_share(_sparse(x), data_floor(x), span) > isolated_share(
        x, data_floor(x), span
    )
    assert float(raised.float().mean()) > 0.95


def test_isolated_is_on_by_default_and_adds_one_column_and_no_pass() -> None:
    """Stop 35: stop 34b's rule was met on fresh seeds, so the column is the default."""
    x, model = _digits(), Pixels()
    assert registry.create("input-detector", "mahalanobis").isolated is True
    assert auto.create("auto").isolated is True  # detect-inputs' default method
    plain = registry.create(
        "input-detector", "mahalanobis", transforms=[], isolated=False, rare=False
    )
    lone = registry.create(
        "input-detector", "mahalanobis", transforms=[], isolated=True, rare=False
    )
    for det in (plain, lone):
        det.fit(model, x, generator=torch.Generator().manual_seed(0))
    assert lone.forward_passes_per_input == 1
    with torch.no_grad():
        a, b = plain._raw(x[:50]), lone._raw(x[:50])
    assert b.shape[1] == a.shape[1] + 1 and torch.allclose(b[:, :-1].float(), a.float())
    assert lone.resolved_params()["isolated"] is True  # the fold copies keep the column


def test_isolated_flags_sparse_pixels_the_model_hardly_tells() -> None:
    """Without the column few sparse-pixel inputs pass the threshold set on clean inputs; with it
    most do."""
    caught = caught_with_and_without("isolated", lambda held: _sparse(held, n=6))
    assert caught[True] > 0.7 and caught[True] > caught[False] + 0.3, caught


def caught_with_and_without(
    column: str, trigger: Callable[[torch.Tensor], torch.Tensor]
) -> dict[bool, float]:
    """Share of triggered digits above the one-pass guard's clean 99th percentile, without the
    input column ``column`` and with it (fitted on 300 digits, read on 300 others); the
    rare-position column (the default since stop 38) is off unless it is ``column``."""
    x, model = _digits(600), Pixels()
    fit_x, held = x[:300], x[300:]
    triggered = trigger(held)
    caught = {}
    for flag in (False, True):
        params = {"rare": False, column: flag}
        det = registry.create("input-detector", "mahalanobis", transforms=[], **params)
        det.fit(model, fit_x, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            cut = torch.quantile(det.score(held).double(), 0.99)
            caught[flag] = float((det.score(triggered).double() > cut).float().mean())
    return caught


def test_isolated_must_be_a_boolean() -> None:
    with pytest.raises(UserInputError, match="isolated"):
        registry.create("input-detector", "mahalanobis", isolated="yes")
    for flag, want in ((1, True), (0, False)):  # 1/0, as every other on/off option
        assert registry.create("input-detector", "mahalanobis", isolated=flag).isolated is want
        assert registry.create("input-detector", "mahalanobis", edges=flag).edges is want


@pytest.mark.parametrize(("column", "value"),
                         [("isolated", "maybe"), ("rare", "maybe"), ("pixel_cap", "-1"),
                          ("occlusion", "maybe")])
def test_the_cli_refuses_a_bad_input_column_value_in_one_line(
    tmp_path: Path, backdoored_run, tiny_test, capsys, column: str, value: str
) -> None:
    """``-p isolated=maybe`` (stop 34b), ``-p rare=maybe`` (stop 37), ``-p pixel_cap=-1``
    (stop 40) and ``-p occlusion=maybe`` (stop 42): one line, exit 2."""
    from trojanscope.experiment import save_experiment

    save_experiment(backdoored_run, tmp_path / "bad")
    np.savez(tmp_path / "x.npz", x=tiny_test.x[:50].numpy())
    code = run(
        [
            "detect-inputs",
            str(tmp_path / "bad"),
            str(tmp_path / "x.npz"),
            "--data",
            str(tmp_path / "x.npz"),
            "-p",
            f"{column}={value}",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and column in err and len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_the_column_costs_well_under_a_millisecond_per_input() -> None:
    x = _digits(1000)
    floor, span = data_floor(x), data_span(x)
    isolated_share(x[:10], floor, span)
    best = float("inf")
    for _ in range(3):  # the best of three: a loaded machine's pauses are not the column's cost
        start = time.perf_counter()
        isolated_share(x, floor, span)
        best = min(best, time.perf_counter() - start)
    assert best / len(x) < 1e-3
