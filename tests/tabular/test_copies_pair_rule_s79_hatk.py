"""The stop-79 pair rule's judge (benchmarks/tabular_s79_hatk_pair.py, issue 16, hatk): the
fraud recall is read on every run that adds copies (stop 78 read it only where the attack
took), part (ii) reads only the runs its candidate changes, and a gate is derived from forced
copies as the code would choose them."""

from __future__ import annotations

from tabular_s79_hatk_pair import derive, judge


def twin(seed: int, eligible: int = 40, full: float = 0.30, ca: float = 0.95) -> dict:
    return {"seed": seed, "arch": "lightgbm", "full": full, "twins": [0.30] * 5,
            "full_ca": ca, "twin_cas": [ca] * 5, "eligible": eligible}


def row(seed: int, variant: str, took: bool, recall: float = 0.3, ca: float = 0.95,
        added: int = 10, **extra) -> dict:
    return {"seed": seed, "arch": "lightgbm", "variant": variant, "took": took, "asr": 1.0,
            "recall": recall, "ca": ca, "cpu_s": 0.1, "added": added, **extra}


def conditions(rows: list[dict], today: str = "old", cand: str = "asis",
               changed_only: bool = False, twins: list[dict] | None = None) -> dict[str, bool]:
    ok, lines = judge(rows, twins or [twin(1), twin(2)], today, cand, changed_only)
    return {line[1]: line.split(")")[1].strip().startswith("met")
            for line in lines if line.startswith("(")} | {"all": ok}


def test_the_recall_is_read_on_every_run_that_adds_copies() -> None:
    base = [row(1, "old", True, added=0), row(2, "old", False, added=0)]
    good = conditions([*base, row(1, "asis", True), row(2, "asis", True, recall=0.24)])
    assert good == {str(i): True for i in range(1, 7)} | {"all": True}
    # a run that added copies and did not take still counts (stop 78's 6364 LightGBM)
    untaken = conditions([*base, row(1, "asis", True), row(2, "asis", False, recall=0.2)])
    assert not untaken["4"] and not untaken["1"]
    # at the bound exactly (0.8 of 0.30) is met, though 0.24 / (0.8 * 0.3) is under 1 in floats
    assert conditions([*base, row(1, "asis", True), row(2, "asis", True, recall=0.8 * 0.3)])["4"]
    # the CA is read where the candidate added copies even where nothing took
    ca = conditions([*base, row(1, "asis", True), row(2, "asis", False, ca=0.92)])
    assert not ca["3"]


def test_part_two_reads_only_the_runs_its_candidate_changes() -> None:
    # pair 1: both add copies and cost recall (part i's failure, not part ii's); pair 2: the
    # candidate adds copies where today was refused, and takes
    rows = [row(1, "asis", True, recall=0.1), row(2, "asis", False, added=0, exit=2,
                                                   error="poisons none", error_lines=1),
            row(1, "none5", True, recall=0.1), row(2, "none5", True)]
    got = conditions(rows, "asis", "none5", changed_only=True)
    assert got["all"]
    assert not conditions(rows, "asis", "none5")["4"]  # read on every copies run
    low = [*rows[:3], row(2, "none5", True, recall=0.2)]
    assert not conditions(low, "asis", "none5", changed_only=True)["4"]


def test_derive_picks_the_copies_the_gate_would_add() -> None:
    twins = [twin(1, eligible=8), twin(2, eligible=14), twin(3, eligible=4),
             twin(4, eligible=40)]
    rows = [row(s, "asis", False, added=a) for s, a in ((1, 0), (2, 0), (3, 0), (4, 10))]
    rows += [row(1, "n8", True), row(2, "n10", True), row(2, "n7", True), row(3, "n4", True)]
    pick = {r["seed"]: (r["fires"], r["took"]) for r in derive(rows, twins, 5, "z")}
    # copies only where the 5 % rate relabels none (8 rows, not 14) and at least 5 rows
    assert pick == {1: (True, True), 2: (False, False), 3: (False, False), 4: (False, False)}
    assert {r["variant"] for r in derive(rows, twins, 5, "z")} == {"none5"}
    halved = {r["seed"]: r["fires"] for r in derive(rows, twins, 10, "h")}
    assert halved == {1: False, 2: True, 3: False, 4: False}
