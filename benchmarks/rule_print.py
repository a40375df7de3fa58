"""The log and JSON of a fresh-seed rule reading, shared by the rule scripts of stops 55-57
(``class_excess_fresh.py``, ``class_excess_rule56.py`` — also stop 57's reading of candidate
M —, ``pixel_norm_fresh.py``): the pooled and per-seed figures of today's file and the
candidate, the models the candidate moves, the plan's points and whether the rule is met."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from class_excess_fit import line


def report_rule(head: str, rows: list[dict], result: dict,
                per_seed: Callable[[list[dict]], tuple[dict, dict]], json_out: Path,
                name: str = "candidate") -> None:
    """Print the reading and write ``result`` to ``json_out``. ``result`` holds "today",
    "candidate", "moved", "points" (dicts with point/holds/figures) and "met"; its "per_seed"
    is filled here with ``per_seed(the seed's rows)`` = (today's figures, the candidate's)."""
    print(head)
    print(line("today (pooled)", result["today"]))
    print(line(f"{name} (pooled)", result["candidate"]))
    result.setdefault("per_seed", {})
    for s in sorted({r["seed"] for r in rows}):
        t, c = per_seed([r for r in rows if r["seed"] == s])
        result["per_seed"][s] = {"today": t, "candidate": c}
        print(line(f"  seed {s} today", t))
        print(line(f"  seed {s} {name}", c))
    for m in result["moved"]:
        print(f"  moved {m}")
    for p in result["points"]:
        print(f"{'holds' if p['holds'] else 'FAILS'}: {p['point']}: {p['figures']}")
    print(f"rule {'met' if result['met'] else 'not met'}")
    json_out.write_text(json.dumps(result, indent=1) + "\n")
