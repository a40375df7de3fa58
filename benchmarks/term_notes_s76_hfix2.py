"""Issue 9, stop 76 (hfix2): a calibration term's note moved from ``coverage_notes`` to
``term_notes``; no probability or verdict may move.

``read OUT`` calibrates every stored report of the row files below (stops 73-76's outside-zoo
runs and the first-contact rows of stops 74-76, all spent; a model's first report) with the
shipped calibration of the ``src`` first on ``PYTHONPATH`` and writes one JSON line per model:
probability, verdict, coverage and term notes. ``compare MAIN BRANCH`` checks that each
probability and verdict is equal, that main's coverage notes are the branch's coverage plus term
notes, and counts the models whose only coverage notes on main were term notes (the audit rated
them MEDIUM "outside what the calibration covers").
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from foreign_zoo_detect import verdict_of
from outside_named_record import as_run_read

DATA = Path(__file__).resolve().parent / "data"
FILES = [*sorted(DATA.glob("outside_s7[3-6]_h9/detect*_runs.jsonl.gz")),
         *(DATA / f for f in ("data_free_guard_s74_h9g/fresh_rows.jsonl.gz",
                              "data_free_s74_h9d/fresh_rows.jsonl.gz",
                              "excess_guard_s74_h9u/fresh_rows.jsonl.gz",
                              "excess_most_s75_h9s/dev_weak56_rows.jsonl.gz",
                              "excess_most_s75_h9s/fresh_df_rows.jsonl.gz",
                              "excess_most_s75_h9s/fresh_rows.jsonl.gz",
                              "guard_reading_s76_h9s/fresh_free_rows.jsonl.gz",
                              "guard_reading_s76_h9s/fresh_rows.jsonl.gz"))]


def read(out: Path) -> None:
    from trojanscope.detect.calibration import calibrate, load_calibrators

    cals = load_calibrators()
    with out.open("w") as fh:
        for path in FILES:
            seen = set()
            with gzip.open(path, "rt") as rows:
                for line in rows:
                    row = json.loads(line)
                    if not row.get("report") or row["name"] in seen:
                        continue
                    seen.add(row["name"])
                    v = calibrate(verdict_of(as_run_read(row["report"])[0]), cals)
                    fh.write(json.dumps({
                        "file": f"{path.parent.name}/{path.name}", "name": row["name"],
                        "p": v.probability, "verdict": v.verdict, "coverage": v.coverage_notes,
                        "term": getattr(v, "term_notes", [])}) + "\n")


def compare(main: Path, branch: Path) -> int:
    a = [json.loads(x) for x in main.read_text().splitlines()]
    b = [json.loads(x) for x in branch.read_text().splitlines()]
    assert [(r["file"], r["name"]) for r in a] == [(r["file"], r["name"]) for r in b]
    moved = [r["name"] for r, s in zip(a, b, strict=True)
             if (r["p"], r["verdict"]) != (s["p"], s["verdict"])]
    split = [r["name"] for r, s in zip(a, b, strict=True)
             if sorted(r["coverage"]) != sorted(s["coverage"] + s["term"])]
    termed = [s for s in b if s["term"]]
    only = [s for s in termed if not s["coverage"]]
    print(f"models {len(b)}; probability or verdict moved {len(moved)} {moved[:5]}; "
          f"notes not main's split in two {len(split)} {split[:5]}")
    print(f"with a term note {len(termed)}; of them no coverage note left (main: coverage "
          f"notes = the term note alone) {len(only)}")
    for f in dict.fromkeys(s["file"] for s in b):
        rows = [s for s in b if s["file"] == f]
        print(f"  {f}: models {len(rows)}, a term note {sum(bool(s['term']) for s in rows)}, "
              f"term notes alone {sum(bool(s['term']) and not s['coverage'] for s in rows)}")
    for s in only:
        print(f"  {s['file']} {s['name']} p {s['p']:.3f} {s['verdict']}: {s['term'][0][:90]}…")
    return 1 if moved or split else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["read"] and len(sys.argv) == 3:
        read(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["compare"] and len(sys.argv) == 4:
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit("usage: term_notes_s76_hfix2.py read OUT | compare MAIN BRANCH")
