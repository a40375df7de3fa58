"""The stop-80 keep/mend/revert rule's judge (benchmarks/tabular_s80_hatk_mend.py, issue 16,
hatk): runs under the twins' bound are counted where the candidate adds copies and compared with
stop 77's attack on the same tables (not "none under"); a mend must also take on as many as
today's default and fall under the bound no more often; below the floor nothing is met."""

from __future__ import annotations

from tabular.test_copies_pair_rule_s79_hatk import row, twin
from tabular_s80_hatk_mend import FLOOR_RUNS, copies_of, derive, judge

N = FLOOR_RUNS  # pairs, each adding copies: the floor exactly


def conditions(rows: list[dict], cand: str = "asis", n: int = N) -> dict[str, bool]:
    ok, lines = judge(rows, [twin(s) for s in range(n)], cand)
    return {line[1]: line.split(")")[1].strip().startswith("met")
            for line in lines if line.startswith("(")} | {"all": ok}


def population(n: int = N, old_under: tuple = (0,), asis_under: tuple = (1,)) -> list[dict]:
    """``n`` pairs: stop 77's attack took on pair 0 only, today's on every pair; each under the
    bound (0.8 of 0.30) on the pairs named."""
    rows = [row(s, "old", s == 0, recall=0.2 if s in old_under else 0.3, added=0)
            for s in range(n)]
    return rows + [row(s, "asis", True, recall=0.2 if s in asis_under else 0.3)
                   for s in range(n)]


def test_the_pair_is_kept_where_it_falls_under_the_bound_no_more_often_than_stop_77() -> None:
    assert conditions(population(old_under=(0,), asis_under=(1,)))["all"]  # 1 against 1
    assert conditions(population(old_under=(0, 2), asis_under=(1,)))["all"]
    worse = conditions(population(old_under=(0,), asis_under=(1, 2)))  # 2 against 1
    assert not worse["4"] and not worse["all"]
    assert {k for k, v in worse.items() if not v} == {"4", "all"}


def test_below_the_floor_nothing_is_met() -> None:
    got = conditions(population(n=N - 1), n=N - 1)
    assert not got["F"] and not got["all"]


def test_a_mend_must_take_as_often_as_today_and_fall_under_no_more_often() -> None:
    base = population(old_under=(0, 2, 3), asis_under=(1,))
    mend = [row(s, "share3", True, recall=0.2 if s in (1, 2) else 0.3) for s in range(N)]
    got = conditions(base + mend, "share3")  # 2 under: not above stop 77's 3, above today's 1
    assert not got["4"]
    fewer = [row(s, "share3", s != 5) for s in range(N)]
    got = conditions(base + fewer, "share3")  # none under, but one take fewer than today's
    assert got["4"] and not got["1"]
    assert conditions(base + [row(s, "share3", True) for s in range(N)], "share3")["all"]


def test_share_caps_the_copies_by_the_fraud_rows() -> None:
    assert [copies_of(e, "asis") for e in (19, 20, 29, 30, 189, 190)] == [0, 10, 10, 10, 10, 0]
    assert [copies_of(e, "share3") for e in (19, 20, 29, 30, 31)] == [0, 6, 9, 10, 10]
    twins = [twin(1, eligible=24), twin(2, eligible=45)]
    rows = [row(1, "asis", True), row(2, "asis", True), row(1, "share3", False, added=8)]
    got = {r["seed"]: r["took"] for r in derive(rows, twins, "share3")}
    assert got == {2: True}  # 45 rows: the pair's own 10 copies; 24 rows: its own run
