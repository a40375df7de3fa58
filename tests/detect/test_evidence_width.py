"""Stop 73 (first contact, seed 104): at 80 columns (a pipe, a CI log) ``detect``'s per-class
evidence cropped its column names and figures (``anoma…``, ``0.001…`` on the README's
``detect runs/badnets``; ``cla… sco…`` on a text model's 12 columns). A table that does not
fit the console is printed as one record per class instead; one that fits stays a table."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import trojanscope.cli.commands.detect as detect_cmd
from trojanscope.detect.base import ClassResult, ModelVerdict

WIDE_KEYS = ("anomaly", "early_margin", "empty_share", "margin", "mean_margin", "pixel_share",
             "trigger_norm")


def _verdict(keys: tuple[str, ...]) -> ModelVerdict:
    per_class = [ClassResult(c, 80.0 - c, {k: 0.00123 * (c + 1) for k in keys})
                 for c in range(4)]
    return ModelVerdict(method="auto", statistic=2.0, target_classes=[0, 1, 2, 3],
                        per_class=per_class, features={"calibrated": 1.0}, probability=0.9)


def _printed(monkeypatch: pytest.MonkeyPatch, verdict: ModelVerdict, width: int) -> str:
    out = io.StringIO()
    monkeypatch.setattr(detect_cmd, "stdout_console",
                        lambda: Console(file=out, width=width, force_terminal=False))
    detect_cmd.print_table(verdict, "runs/badnets")
    return out.getvalue()


def test_a_table_too_wide_for_80_columns_is_printed_as_records(monkeypatch) -> None:
    text = _printed(monkeypatch, _verdict(WIDE_KEYS), 80)
    assert "…" not in text
    assert all(f"{key}:" in text for key in WIDE_KEYS)
    assert "• class 0" in text and "0.00123" in text and "┏" not in text


def test_a_table_that_fits_stays_a_table(monkeypatch) -> None:
    text = _printed(monkeypatch, _verdict(("anomaly", "margin")), 80)
    assert "┃ class ┃ score ┃ anomaly ┃" in text and "•" not in text
    wide = _printed(monkeypatch, _verdict(WIDE_KEYS), 160)  # a wide terminal: the table
    assert "┏" in wide and "…" not in wide
