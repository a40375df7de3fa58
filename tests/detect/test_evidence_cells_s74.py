"""Stop 74 (first contact, hcmd): the user's word model's evidence read ``phrase_token_2:
3.05e+03`` (a token id, to 3 digits) and classes without a reversed trigger read
``trigger_mask_l1: nan``. Whole numbers are printed whole and a figure not read as ``-``."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import trojanscope.cli.commands.detect as detect_cmd
from trojanscope.detect.base import ClassResult, ModelVerdict


def test_token_ids_are_whole_and_missing_figures_a_dash(monkeypatch) -> None:
    per_class = [ClassResult(0, 0.58, {"token_2": 3051.0, "prob": 0.821456,
                                       "trigger_mask_l1": 3.2912}),
                 ClassResult(1, 0.31, {"token_2": 638.0, "prob": 0.7,
                                       "trigger_mask_l1": float("nan")})]
    verdict = ModelVerdict("text-inversion", 0.58, [0, 1], per_class, {"calibrated": 1.0},
                           probability=0.06)
    out = io.StringIO()
    monkeypatch.setattr(detect_cmd, "stdout_console",
                        lambda: Console(file=out, width=120, force_terminal=False))
    detect_cmd.print_table(verdict, "word-model")
    rows = [line.split("│") for line in out.getvalue().splitlines() if line.startswith("│")]
    cells = {r[1].strip(): [c.strip() for c in r[2:-1]] for r in rows}
    assert cells["0"] == ["0.58", "0.821", "3051", "3.29"]
    assert cells["1"] == ["0.31", "0.7", "638", "-"]


@pytest.mark.parametrize(("value", "shown"), [(None, "-"), (float("nan"), "-"), (1.0, "1"),
                                              (0.00123, "0.00123"), (2.5e8, "2.5e+08"),
                                              (float("inf"), "inf")])
def test_one_cell(value, shown) -> None:
    assert detect_cmd._cell(value) == shown
