"""Stored 200-row tree readings named by their bound recurrence: what ``-p target_recur=LIB``
names, from readings already taken (issue 16 stop 69, h16).

``target_recur`` changes only the target a tree in the size band names (never a feature or a
probability): where no class's missing mass reaches ``mass_sure`` (``tab_mass`` below
log1p(15)), the class whose bound recurrence leads the other's by more than
``RECUR_NAME_MARGIN`` in log1p is named -- for a two-class table ``tab_major_recur_lead``
says which and by how much (the majority class, the model's own on the file, is class 0 on
both tables; ``--check`` confirms it against real readings). Per table x library x target:
flagged backdoored readings named right today and by the recurrence, and per file. ``--out``
writes the ``--library`` readings so renamed (the rule's R); ``--check REAL.json`` compares
them with real readings taken with the option (names and probabilities).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s69_h16_named.py \
        --rows T.json#TAG ... [--library lightgbm] [--out R.json] [--check REAL.json]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from trojanscope.detect.tabular_search import RECUR_NAME_MARGIN

MASS_SURE = 15.0  # tabular-search's mass_sure
MAJOR = 0  # the majority class of both tables' files
TABLES = ("credit-default", "lending-club")
TREES = ("xgboost", "lightgbm")


def recur_name(row: dict, margin: float = RECUR_NAME_MARGIN) -> int:
    """The target ``target_recur`` names for a two-class tree reading in the band (``margin``:
    the lead it needs, development only)."""
    f = row["features"]
    if row["table"] not in TABLES:
        raise SystemExit(f"error: {row['zoo']}/{row['name']}: two-class tables only")
    if f["tab_mass"] >= math.log1p(MASS_SURE):  # named by mass, as today
        return row["predicted_target"]
    lead = f["tab_major_recur_lead"]
    if abs(lead) > margin:
        named = MAJOR if lead > 0 else 1 - MAJOR
        # an unsearched class is never named (the other one is)
        return 1 - named if named in row.get("skipped", []) else named
    return row["predicted_target"]


def load(specs: list[str]) -> list[dict]:
    """``FILE[#TAG]``: the 200-row band readings of trees (TAG: a label for the file, its draw
    seed where it has one)."""
    out = []
    for spec in specs:
        path, _, tag = spec.partition("#")
        for r in json.loads(Path(path).read_text())["rows"]:
            band = r.get("size") == 200 and r.get("family", "").endswith(":rows200")
            if band and r["arch"] in TREES and r.get("reading", "today") == "today":
                out.append({**r, "file": tag or Path(path).stem})
    return out


def tally(rows: list[dict], library: str) -> None:
    """Flagged backdoored readings named right today / by the recurrence."""
    def counts(mine: list[dict]) -> str:
        flagged = [r for r in mine if r["backdoored"] and r["probability"] >= 0.5]
        today = sum(r["predicted_target"] == r["target"] for r in flagged)
        recur = sum(recur_name(r) == r["target"] for r in flagged)
        return f"right {today} -> {recur} of {len(flagged)}"

    for table in sorted({r["table"] for r in rows}):
        mine = [r for r in rows if r["table"] == table and r["arch"] == library]
        if not mine:
            continue
        targets = sorted({r["target"] for r in mine if r["backdoored"]})
        print(f"{table} {library}: {counts(mine)} ("
              + ", ".join(f"target {t} {counts([r for r in mine if r.get('target') == t])}"
                          for t in targets) + ")")
        for tag in sorted({r["file"] for r in mine}):
            print(f"    {tag}: {counts([r for r in mine if r['file'] == tag])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--library", default="lightgbm", help="the library renamed (--out)")
    ap.add_argument("--libraries", default="lightgbm,xgboost", help="the libraries tallied")
    ap.add_argument("--margins", default="", help="totals named right at these margins too")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--check", type=Path)
    args = ap.parse_args()
    rows = load(args.rows)
    for library in args.libraries.split(","):
        tally(rows, library)
        for margin in [float(m) for m in args.margins.split(",") if m]:
            print(f"  margin {margin:g}: " + "; ".join(
                f"{table} right {sum(recur_name(r, margin) == r['target'] for r in flagged)} "
                f"of {len(flagged)}" for table in sorted({r["table"] for r in rows})
                if (flagged := [r for r in rows if r["table"] == table and r["arch"] == library
                                and r["backdoored"] and r["probability"] >= 0.5])))
    mine = [{**r, "predicted_target": recur_name(r), "params": {"target_recur": args.library}}
            for r in rows if r["arch"] == args.library]
    if args.out:
        args.out.write_text(json.dumps({"rows": mine}, indent=1))
        print(f"wrote {args.out}: {len(mine)} readings named by the recurrence")
    if args.check:
        real = {(r["zoo"], r["name"]): r for r in json.loads(args.check.read_text())["rows"]}
        both = [r for r in mine if (r["zoo"], r["name"]) in real]
        names = sum(r["predicted_target"] == real[(r["zoo"], r["name"])]["predicted_target"]
                    for r in both)
        worst = max((abs(r["probability"] - real[(r["zoo"], r["name"])]["probability"])
                     for r in both), default=float("nan"))
        print(f"check against {args.check.name}: {len(both)} readings, names equal {names}, "
              f"largest probability difference {worst:.2e}")
        if not both or names != len(both) or worst > 1e-9:
            raise SystemExit("error: the names derived differ from the real reading's")


if __name__ == "__main__":
    main()
