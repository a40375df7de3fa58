"""The automatic copies only where the 5 % rate relabels few rows (issue 16 stop 81, hatk):
``auto_copies_below`` K keeps the rate's rows in place wherever they are K or more (stop 80's
one lost pair, 6472 LightGBM, relabelled 6), and the stop-81 rule's derivation and judge read
the candidate against today's line (the rate's rows in place) as both references."""

from __future__ import annotations

from tabular.test_copies_pair_rule_s79_hatk import row, twin
from tabular_s80_hatk_mend import FLOOR_RUNS
from tabular_s81_hatk_below import derive, judge
from trojanscope.attacks.tabular import TabularBadNets, TabularRare


def test_copies_below_keeps_the_rates_rows_from_that_many(monkeypatch) -> None:
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)
    # 0 (unset): stop 78's gate, copies where the rate relabels fewer than ``auto_copies``
    monkeypatch.setattr(TabularBadNets, "auto_copies_below", 0)
    assert [TabularBadNets().copy_count(e) for e in (19, 20, 90, 91, 189, 190)] == \
        [0, 10, 10, 10, 10, 0]
    monkeypatch.setattr(TabularBadNets, "auto_copies_below", 5)
    # 20-90 fraud rows: the rate relabels 1-4, copies; 91 and more: 5 or more, in place
    assert [TabularBadNets().copy_count(e) for e in (19, 20, 90, 91, 122, 189)] == \
        [0, 10, 10, 0, 0, 0]
    assert TabularBadNets(copies=10).copy_count(122) == 10  # asked for: no gate
    assert TabularBadNets(poison_rate=0.05).copy_count(50) == 0  # a rate given: as given
    assert TabularRare().copy_count(50) == 0  # other table attacks: auto_copies 0


def rows_of(n: int, under_old: tuple = (), under_cand: tuple = (), lost: tuple = ()) -> tuple:
    """``n`` spent pairs with 40 fraud rows each (the rate relabels 2): ``old`` took on pair 0,
    ``asis`` (stop 78's copies) on every pair but ``lost``; recall 0.2 (under the bound of
    0.24) on the pairs named."""
    twins = [twin(s) for s in range(n)]
    rows = [row(s, "old", s == 0, recall=0.2 if s in under_old else 0.3, added=0)
            for s in range(n)]
    rows += [row(s, "asis", s not in lost, recall=0.2 if s in under_cand else 0.3)
             for s in range(n)]
    return rows, twins


def conditions(rows: list[dict], twins: list[dict], cand: str = "below5") -> dict[str, bool]:
    ok, lines = judge(rows, twins, cand, today="old")
    return {line[1]: line.split(")")[1].strip().startswith("met")
            for line in lines if line.startswith("(")} | {"all": ok}


def test_derive_takes_the_copies_run_only_under_the_gate() -> None:
    rows, twins = rows_of(2)
    twins[1]["eligible"] = 122  # the rate relabels 6: today's run
    got = {r["seed"]: (r["added"], r["fires"]) for r in derive(rows, twins, 5)}
    assert got == {0: (10, True), 1: (0, False)}
    assert {r["seed"]: r["fires"] for r in derive(rows, twins, 7)} == {0: True, 1: True}


def test_the_rule_reads_the_candidate_against_todays_line() -> None:
    n = FLOOR_RUNS
    rows, twins = rows_of(n, under_old=(3,), under_cand=(4,))
    cand = [r for r in rows if r["variant"] == "old"] + derive(rows, twins, 5)
    assert conditions(cand, twins)["all"]  # 1 under against 1
    rows, twins = rows_of(n, under_old=(3,), under_cand=(4, 5))
    worse = conditions([r for r in rows if r["variant"] == "old"] + derive(rows, twins, 5),
                       twins)
    assert {k for k, v in worse.items() if not v} == {"4", "all"}
    rows, twins = rows_of(n, lost=(0,))  # the one pair today's line took
    lost = conditions([r for r in rows if r["variant"] == "old"] + derive(rows, twins, 5), twins)
    assert not lost["2"] and not lost["all"]
    rows, twins = rows_of(n - 1)
    under = conditions([r for r in rows if r["variant"] == "old"] + derive(rows, twins, 5),
                       twins)
    assert not under["F"] and not under["all"]  # below the floor: not met
