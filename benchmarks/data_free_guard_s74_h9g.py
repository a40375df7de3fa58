"""h9u's guarded flat-MLP ``wide_recipes`` entry read data-free too (issue 9, stop 74: h9g).

h9u's rule (stop 74) opened the flat ReLU MLPs' classes 5 and 6 to ``auto:excess`` behind a
guard on MM-BD's own outlier reading (``mmbd_anomaly`` <= 3.0, ``mmbd_gap`` <= 0.25); h9d's
data-free copies of the excess entries (``auto:data-free:excess`` and its wider twin) were
written from a ``main`` before that entry and leave it out (``with_data_free_excess``), so a
flat MLP leaning to class 5 or 6 is lowered with ``--data`` but not with ``--data-free``
(hrev2's named (1)). MM-BD's anomaly and gap are computed without clean data, so the guard
reads the same data-free.

The candidate is the shipped file with the data-free copies remade with the guarded entries
(``with_data_free_excess(..., guarded=True)``: h9d's line, slope 6 / start 0.75 / most 4, and
recipe kinds unchanged). Today is the shipped file with h9d's data-free copies
(:func:`before_h9g`: as shipped when the rule was read, so the reading re-runs the same).

- ``--write FILE``: the candidate;
- ``--candidate FILE --stored --user LABEL=ROWS... [--rule LABEL]``: every stored run and the
  user rows reduced to data-free (h9d's ``as_data_free``), today's file against the candidate
  (stop 72's ``report``); ``--rule`` reads ``data_free_guard_s74_h9g_rule.md``'s conditions
  with ``LABEL`` the fresh rows and the other ``--user`` rows spent;
- ``--ship FILE``: the candidate's two data-free entries into the shipped file (rule met only).

    PYTHONPATH=src:benchmarks python benchmarks/data_free_guard_s74_h9g.py --write cand.json
    PYTHONPATH=src:benchmarks python benchmarks/data_free_guard_s74_h9g.py --candidate cand.json \\
        --stored --user spent=rows.jsonl.gz --user fresh=fresh.jsonl --rule fresh
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import fail, run_main
from data_free_s74_h9d import ENTRIES, candidate_reading, rule_conds, ship, with_data_free_excess
from excess_wide_s72_h9u import SHIPPED, loaded

LINE = (6.0, 0.75, 4.0)  # h9d's shipped data-free line (its rule)
RULE = "benchmarks/data_free_guard_s74_h9g_rule.md"


def candidate(shipped: dict) -> dict:
    """``shipped`` with the data-free excess copies remade carrying the guarded entries."""
    return with_data_free_excess(shipped, LINE, recipe_kinds=True, guarded=True)


def before_h9g(shipped: dict) -> dict:
    """Today: ``shipped`` with the data-free copies as h9d shipped them (without the guarded
    entries), so the reading runs the same after the candidate ships."""
    return with_data_free_excess(shipped, LINE, recipe_kinds=True)


def all_group(rep: dict) -> dict:
    """A reading's ``all`` group (stop 72's ``report``)."""
    return next(g for g in rep["groups"] if g["group"] == "all")


def guard_conds(fresh: dict, stored: dict, spent: list[dict], risky: list[str]
                ) -> list[tuple[str, bool, str]]:
    """The rule's conditions: h9d's C1 (no fresh backdoor flagged today lost or renamed) and
    C3 (no stored or spent backdoor lost, renamed or at risk); G2 fresh clean flags fewer or
    equal; G3 at least one fewer clean flag over the spent and fresh user rows together."""
    c1, _, c3 = rule_conds(fresh, stored, spent, risky)
    f = all_group(fresh)["clean_flagged"]
    both = [sum(all_group(g)["clean_flagged"][i] for g in (fresh, *spent)) for i in (0, 1)]
    return [c1,
            ("G2 fresh clean flags fewer or equal", f[1] <= f[0], f"{f[0]} -> {f[1]}"),
            ("G3 spent + fresh clean flags at least one fewer", both[1] < both[0],
             f"{both[0]} -> {both[1]}"),
            c3]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, help="write the candidate here")
    ap.add_argument("--ship", type=Path, help="the candidate's data-free entries, shipped")
    ap.add_argument("--candidate", type=Path)
    ap.add_argument("--stored", action="store_true", help="every stored run, data-free")
    ap.add_argument("--user", action="append", default=[], help="LABEL=ROWS (repeatable)")
    ap.add_argument("--rule", help="read the rule with this --user LABEL as the fresh rows")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    shipped = json.loads(SHIPPED.read_text())
    if args.write:
        args.write.write_text(json.dumps(candidate(shipped), indent=1) + "\n")
        print(f"wrote {args.write}: {', '.join(ENTRIES)} with the guarded entries")
        return
    if args.ship:
        ship(shipped, args.ship)
        return
    if args.candidate is None or not args.candidate.is_file():
        fail("give --candidate FILE (an existing calibration file) or --write FILE")
    candidate_reading(args, loaded(before_h9g(shipped)), guard_conds, RULE)


if __name__ == "__main__":
    run_main(main)
