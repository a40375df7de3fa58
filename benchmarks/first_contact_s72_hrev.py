"""Stop 72's read-through (hrev): a new user's small files, drawn with the fresh seed **102**, for
the commands stop 72's changed docs show (``docs/detect-data.md``, ``docs/tabular.md``,
``docs/audit.md``, ``docs/detection.md``, ``docs/mitigation.md``).

The files are stop 71's read-through's (:mod:`first_contact_s71_hrev`: ``clean.npz``,
``badnets.npz``, ``uneven.npz``, ``loans.csv`` with 12 hand-written ``sub_grade`` A1 /
``term`` term_60 rows relabelled ``good``, ``loans-clean.csv``, ``credit.csv``,
``credit1000.csv``) and stop 68's user CNN (:mod:`first_contact_s68`: ``cnn/digits-traced.pt``,
the briefly trained ReLU CNN with max pooling that ``wide_recipes`` is fitted for), drawn here
with seed 102, plus ``bad-wide.json``: the shipped calibration file with one ``wide_recipes``
entry's ``n_clean`` written as text (``docs/detection.md``: "a malformed one is refused when
read (one line, exit 2)").

    PYTHONPATH=src:benchmarks python benchmarks/first_contact_s72_hrev.py WORK
    WORK=/tmp/hrev72/u OUT=/tmp/hrev72/o \
        bash benchmarks/data/first_contact_s71_hrev/run_lines.sh $PWD/LINES   # each line's log
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from first_contact_s68 import user_cnn_files
from first_contact_s71_hrev import images, tables

SEED = 102
SHIPPED = (Path(__file__).resolve().parents[1] / "src" / "trojanscope" / "detect"
           / "calibration.json")


def bad_wide(work: Path) -> None:
    """``bad-wide.json``: the shipped file, the first ``wide_recipes`` entry's ``n_clean`` a
    string."""
    cal = json.loads(SHIPPED.read_text())
    for entry in cal.values():
        recipes = (entry.get("fitted_on") or {}).get("wide_recipes") if isinstance(
            entry, dict) else None
        if recipes:
            next(iter(recipes.values()))[0]["n_clean"] = "twelve"
            break
    else:
        raise SystemExit("no wide_recipes entry in the shipped calibration file")
    (work / "bad-wide.json").write_text(json.dumps(cal, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    images(args.work, SEED)
    tables(args.work, SEED)
    user_cnn_files(args.work, SEED)
    bad_wide(args.work)
