"""The stop-77 copies rule's judge (benchmarks/tabular_s77_hatk_copies.py, issue 16, hatk):
each condition fails where its figure says so, on made-up grid rows."""

from __future__ import annotations

from tabular_s77_hatk_copies import judge


def row(seed: int, variant: str, took: bool, recall: float = 0.3, ca: float = 0.95,
        **extra) -> dict:
    return {"seed": seed, "arch": "lightgbm", "variant": variant, "took": took, "asr": 1.0,
            "recall": recall, "twin_recall": 0.3, "ca": ca, "twin_ca": 0.95, "cpu_s": 0.1,
            **extra}


def conditions(rows: list[dict]) -> dict[str, bool]:
    ok, lines = judge(rows, "today", "auto10")
    return {line[1]: line.split(")")[1].strip().startswith("met")
            for line in lines if line.startswith("(")} | {"all": ok}


def test_a_candidate_that_takes_more_and_keeps_everything_meets_1_to_6() -> None:
    rows = [row(1, "today", True), row(1, "auto10", True),
            row(2, "today", False), row(2, "auto10", True, recall=0.25, ca=0.94)]
    assert conditions(rows) == {str(i): True for i in range(1, 7)} | {"all": True}


def test_each_condition_fails_on_its_own_figure() -> None:
    base = [row(1, "today", True), row(2, "today", False)]
    lost = conditions([*base, row(1, "auto10", False), row(2, "auto10", True)])
    assert not lost["2"] and lost["1"] is False  # 1 against 1: not more
    recall = conditions([*base, row(1, "auto10", True), row(2, "auto10", True, recall=0.2)])
    assert not recall["4"] and recall["1"] and recall["2"] and recall["3"]
    ca = conditions([*base, row(1, "auto10", True), row(2, "auto10", True, ca=0.92)])
    assert not ca["3"] and ca["4"]
    refused = conditions([*base, row(1, "auto10", True),
                          row(2, "auto10", False, exit=1, error="boom", error_lines=3)])
    assert not refused["5"]
    slow = conditions([*base, row(1, "auto10", True), row(2, "auto10", True, cpu_s=11.0)])
    assert not slow["6"] and not slow["all"]
