"""Issue 16 stop 77 (h16d): ``verdict=7`` (``verdict=6`` and a far group the ``misfits`` screen
raised, ``table_verdict.misfit_evidence``, or a group reading the reverse of a natural factor,
``swapped_evidence``) against ``verdict=6``, read offline on the rows of
``tabular_s76_h16d_verdict.py`` (spent material only).

Those rows hold each set's three best groups with the evidence the verdict reads; since stop
77 also the ``screen`` that raised each group and its ``z`` (``screen_z``). Rows of stop 76
(no screen) and stop 77's re-reads of the same sets and tables are read together, a later
file's row replacing an earlier one of the same set. A far group (``FAR_6`` up) without
``far_evidence`` and without a recorded screen is a row the tally cannot judge: it is listed,
so that a re-read can fill it in.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s77_h16d_verdict.py \
        --read D76/rows_*.jsonl D77/rows_*.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tabular_s76_h16d_verdict import goal, judged
from trojanscope.detect.data.table_verdict import (
    EXCESS_LEAN_6,
    FAR_6,
    FLOORS,
    MISFIT_LEVEL,
    far_evidence,
    misfit_evidence,
    swapped_evidence,
    verdict_at,
)


def rows_of(paths: list[str]) -> list[dict]:
    """Every row of ``paths``, one per set or table (a later file's row replaces an earlier)."""
    every = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines()
             if line.strip()]
    return list({(r["base"], r["dataset"], r["attack"], r["target"], r["seed"]): r
                 for r in every}.values())


def misfit_far(g: dict) -> bool:
    """A group of the row file that ``verdict=7``'s new way counts: scoring at least ``FAR_6``
    and raised by the ``misfits`` screen at ``misfit_evidence``'s bar."""
    screened = {"misfit": g["screen_z"]} if g.get("screen") == "misfits" else {}
    return float(g["score"]) >= FAR_6 and misfit_evidence(screened)


def replayed(row: dict, level: int) -> bool | None:
    """``verdict_at(level)`` itself on a row holding every evidence key (stop 77's rows, the
    ``misfits`` screen's ``z`` put back as the group's ``misfit``); None for stop 76's rows."""
    if not row["groups"] or any("share" not in g for g in row["groups"]):
        return None
    groups = [{**g, **({"misfit": g["screen_z"]} if g.get("screen") == "misfits" else {})}
              for g in row["groups"]]
    return verdict_at(level, groups, ["group"] * len(groups)).poisoned


def judged6(row: dict) -> bool:
    """``verdict=6`` replayed, or (stop 76's rows) ``tabular_s76_h16d_verdict.judged``."""
    said = replayed(row, 6)
    return judged(row, FAR_6, True, EXCESS_LEAN_6) if said is None else said


def swapped(g: dict) -> bool:
    """``verdict=7``'s second new way: a group over the floor with ``swapped_evidence``."""
    return float(g["score"]) >= FLOORS[MISFIT_LEVEL] and swapped_evidence(g)


def judged7(row: dict) -> bool:
    """``verdict=7`` replayed, or ``judged6``, a far ``misfits`` group (``misfit_far``) or a
    ``swapped`` group."""
    said = replayed(row, 7)
    if said is not None:
        return said
    return judged6(row) or any(misfit_far(g) or swapped(g) for g in row["groups"])


def unread(row: dict) -> bool:
    """A far group without ``far_evidence`` whose screen was not recorded (stop 76's rows)."""
    return not judged6(row) and any(float(g["score"]) >= FAR_6 and not far_evidence(g)
                                    and "screen" not in g for g in row["groups"])


def report(paths: list[str]) -> None:
    rows = rows_of(paths)
    sets = [r for r in rows if r["attack"] not in ("(none)", "(table)")]
    pops = {"synthetic clean tables": [r for r in rows if r["dataset"].startswith("synthetic-")],
            "real clean tables": [r for r in rows if r["attack"] == "(table)"
                                  and not r["dataset"].startswith("synthetic-")],
            "bundled clean sets": [r for r in rows if r["attack"] == "(none)"]}
    at_goal = [r for r in sets if goal(r)]
    print(f"{len(sets)} dirty-label sets ({len(at_goal)} at the goal by today's default), "
          + ", ".join(f"{len(p)} {k}" for k, p in pops.items()))
    missing = [r for r in rows if unread(r)]
    print("far groups without evidence or a recorded screen: "
          + (", ".join(f"{r['dataset']} {r['seed']}" for r in missing) or "none"))
    print("\n| reading (spent) | `verdict=6` | `verdict=7` |\n|---|---|---|")
    for name, says in (("verdict=6", judged6), ("verdict=7", judged7)):
        lost = [r for r in at_goal if not says(r)]
        print(f"| {name}: sets at the goal kept | {len(at_goal) - len(lost)} of {len(at_goal)}; "
              f"lost {', '.join(str(r['seed']) for r in lost) or 'none'} |")
    for what, pop in pops.items():
        six, seven = [r for r in pop if judged6(r)], [r for r in pop if judged7(r)]
        added = sorted(r["dataset"] for r in seven if r not in six)
        print(f"| {what} judged poisoned | {len(six)} of {len(pop)} | {len(seven)} of "
              f"{len(pop)} (added: {', '.join(added) or 'none'}) |")
    print("\nfar groups (score >= FAR_6) by screen: population, screen, z range, sets")
    for what, pop in (("dirty-label sets", sets), *pops.items()):
        seen: dict[str, list[tuple[float, str]]] = {}
        for r in pop:
            for g in r["groups"]:
                if float(g["score"]) >= FAR_6:
                    z = g.get("screen_z")
                    seen.setdefault(g.get("screen", "(not recorded)"), []).append(
                        (float(z) if z is not None else float("nan"), str(r["seed"] or
                                                                          r["dataset"])))
        for screen, hits in sorted(seen.items()):
            zs = [z for z, _ in hits if z == z]
            span = f"z {min(zs):.1f}-{max(zs):.1f}" if zs else "no z"
            names = sorted(set(n for _, n in hits))
            print(f"- {what}: {screen}, {len(hits)} groups, {span}: {', '.join(names[:12])}"
                  + (" …" if len(names) > 12 else ""))
    print("\nmisfits groups among the best three (any score): population, highest z, score")
    for what, pop in (("dirty-label sets", sets), *pops.items()):
        hits = [(float(g["screen_z"]), float(g["score"]), str(r["seed"] or r["dataset"]))
                for r in pop for g in r["groups"] if g.get("screen") == "misfits"]
        if hits:
            z, s, n = max(hits)
            print(f"- {what}: {len(hits)} groups in {len({h[2] for h in hits})} rows, highest "
                  f"z {z:.1f} ({n}, score {s:.2f})")
        else:
            print(f"- {what}: none recorded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--read", nargs="+", required=True, help="row files, earliest first")
    report(parser.parse_args().read)


if __name__ == "__main__":
    main()
