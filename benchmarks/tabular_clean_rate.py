"""The 200-row clean-flag rate the size note quotes, written from issue 16 stop 72 h16's
pooled summaries (``benchmarks/data/tabular_s72_h16/pooled_5300_5870_why*.txt``: nine fresh
zoo pairs, three 200-row files a model, scored by stop 72's shipped calibration).

Stop 46's size curve (``tabular_size_curve.json``) holds 10 of 48 clean models flagged at 200
rows, one zoo pair; h16 measured about one clean credit-default reading in four over nine
pairs. The note quotes these counts for the curve's 200-row size (stop 72, hfix), so each
table's share is said and no figure is typed by hand. ``--check`` compares the shipped file.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_clean_rate.py [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMARIES = [ROOT / "benchmarks/data/tabular_s72_h16" / f"pooled_5300_5870_why{s}.txt"
             for s in ("", "_lc")]
OUT = ROOT / "src/trojanscope/detect/tabular_clean_rate.json"
SOURCE = ("nine fresh zoo pairs tab-fresh44 to tab-fresh52 / -lc, three 200-row files a "
          "model, scored by stop 72's calibration: docs/benchmarks.md, issue 16 stop 72 h16")


def table_counts(text: str) -> tuple[str, dict]:
    """(table, counts) from one summary: its header names the table, its ``pooled`` row holds
    clean flagged / clean and backdoored caught / backdoored (the last column: all kinds)."""
    table = re.match(r"\d+ (\S+) readings", text)
    pooled = re.search(r"^pooled \| .*?(\d+)/(\d+) \| .*?(\d+)/(\d+)$", text, re.M)
    if table is None or pooled is None:
        raise ValueError("not a tabular_s72_h16_why.py pooled summary")
    flagged, clean, caught, backdoored = (int(g) for g in pooled.groups())
    return table.group(1), {"clean_flagged": flagged, "clean": clean, "caught": caught,
                            "backdoored": backdoored}


def rate(paths: list[Path]) -> dict:
    """The shipped file's content from the summaries at ``paths``."""
    tables = dict(table_counts(p.read_text()) for p in paths)
    return {"what": "tabular-search's clean readings flagged and backdoored readings caught "
                    "with 200-row clean files, by table", "size": 200, "source": SOURCE,
            "tables": dict(sorted(tables.items()))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare the shipped file")
    args = ap.parse_args()
    got = rate(SUMMARIES)
    if args.check:
        same = json.loads(OUT.read_text()) == got
        print("the shipped file is what the summaries give" if same else "they differ")
        sys.exit(0 if same else 1)
    OUT.write_text(json.dumps(got, indent=1) + "\n")
    print(json.dumps(got, indent=1))


if __name__ == "__main__":
    main()
