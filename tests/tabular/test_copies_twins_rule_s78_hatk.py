"""The stop-78 copies rule's judge (benchmarks/tabular_s78_hatk_twins.py, issue 16, hatk): the
fraud-recall bound reads several clean twins, and each condition fails on its own figure in
made-up grid rows."""

from __future__ import annotations

from tabular_s78_hatk_twins import derive, judge, recall_floor


def test_the_recall_floor_is_the_lower_of_a_fifth_under_the_median_and_the_twins_range() -> None:
    # steady twins: 0.8 of the median (0.30) is the floor
    assert abs(recall_floor(0.30, [0.30, 0.31, 0.29, 0.30, 0.30]) - 0.24) < 1e-9
    # a table whose own twins fall further: the lowest twin is the floor
    assert recall_floor(0.30, [0.30, 0.10, 0.32, 0.30, 0.28]) == 0.10


def twin(seed: int, full: float = 0.30, twins: tuple = (0.30,) * 5, ca: float = 0.95,
         eligible: int = 40) -> dict:
    return {"seed": seed, "arch": "lightgbm", "full": full, "twins": list(twins),
            "full_ca": ca, "twin_cas": [ca] * 5, "eligible": eligible}


def row(seed: int, variant: str, took: bool, recall: float = 0.3, ca: float = 0.95,
        added: int = 10, **extra) -> dict:
    return {"seed": seed, "arch": "lightgbm", "variant": variant, "took": took, "asr": 1.0,
            "recall": recall, "twin_recall": 0.3, "ca": ca, "twin_ca": 0.95, "cpu_s": 0.1,
            "added": 0 if variant == "today" else added, **extra}


def conditions(rows: list[dict], twins: list[dict] | None = None) -> dict[str, bool]:
    ok, lines = judge(rows, twins or [twin(1), twin(2)], "today", "auto10")
    return {line[1]: line.split(")")[1].strip().startswith("met")
            for line in lines if line.startswith("(")} | {"all": ok}


def test_each_condition_fails_on_its_own_figure() -> None:
    base = [row(1, "today", True), row(2, "today", False)]
    good = conditions([*base, row(1, "auto10", True), row(2, "auto10", True, recall=0.25)])
    assert good == {str(i): True for i in range(1, 7)} | {"all": True}
    lost = conditions([*base, row(1, "auto10", False), row(2, "auto10", True)])
    assert not lost["2"] and not lost["1"]
    low = conditions([*base, row(1, "auto10", True), row(2, "auto10", True, recall=0.2)])
    assert not low["4"] and low["1"] and low["2"] and low["3"]
    # the same recall is within a table whose own twins reach as low
    wide = [twin(1), twin(2, twins=(0.3, 0.15, 0.3, 0.3, 0.3))]
    assert conditions([*base, row(1, "auto10", True), row(2, "auto10", True, recall=0.2)],
                      wide)["4"]
    # where the candidate added nothing its run is today's: not the candidate's cost
    assert conditions([*base, row(1, "auto10", True, recall=0.1, added=0),
                       row(2, "auto10", True)])["4"]
    ca = conditions([*base, row(1, "auto10", True), row(2, "auto10", True, ca=0.92)])
    assert not ca["3"] and ca["4"]
    refused = conditions([*base, row(1, "auto10", True),
                          row(2, "auto10", False, exit=1, error="boom", error_lines=3)])
    assert not refused["5"]
    slow = conditions([*base, row(1, "auto10", True), row(2, "auto10", True, cpu_s=11.0)])
    assert not slow["6"] and not slow["all"]


def test_derive_takes_the_forced_run_only_where_the_gate_fires() -> None:
    rows = [row(1, "today", False), row(1, "pairs10x2", True),
            row(2, "today", False), row(2, "pairs10x2", True)]
    got = derive(rows, [twin(1, eligible=100), twin(2, eligible=400)], 10, 0, "pairs10x2", "c")
    fires = {r["seed"]: (r["fires"], r["took"]) for r in got}
    assert fires == {1: (True, True), 2: (False, False)}  # 5 % of 400 is 20: no copies
    gated = derive(rows, [twin(1, eligible=15), twin(2, eligible=100)], 10, 20, "pairs10x2", "c")
    assert {r["seed"]: r["fires"] for r in gated} == {1: False, 2: True}
