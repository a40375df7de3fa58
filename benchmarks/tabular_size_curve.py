"""The size curve: ``tabular-search``'s figures by clean-file size, pooled over the bundled
tables, written where the detector's size note reads them (issue 16 stop 46).

Reads ``tabular_small_clean.py`` rows (``--own`` rows for the zoo's whole split, ``size``
"whole"; drawn files of 1,000 / 500 / 200 rows) and, per size, pools the readings of the
tables named in ``--pool`` (every draw read): ROC-AUC, cross-entropy, clean flagged, backdoors
caught, target right among the flagged, median seconds — the same functions as
``tabular_small_clean.py --summary``. ``--out`` writes them as JSON (the shipped
``src/trojanscope/detect/tabular_size_curve.json``: the note quotes it, so no figure in the
note is typed by hand); ``--check`` compares a written file with what the rows give now.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_size_curve.py ROWS.json... \
        --pool lending-club,credit-default --source "..." --out CURVE.json [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from tabular_small_clean import _auc, _ce


def figures(rows: list[dict]) -> dict:
    """One size's pooled figures (rounded as the note prints them, kept exact to 3 places)."""
    bd = [r for r in rows if r["backdoored"]]
    cl = [r for r in rows if not r["backdoored"]]
    flagged = [r for r in bd if r["probability"] >= 0.5]
    return {
        "readings": len(rows),
        "tables": sorted({r["table"] for r in rows}),
        "file_rows": sorted({int(r["file_rows"]) for r in rows}),
        "roc_auc": round(_auc(rows), 3),
        "cross_entropy": round(_ce(rows), 3),
        "caught": len(flagged),
        "backdoored": len(bd),
        "clean_flagged": sum(r["probability"] >= 0.5 for r in cl),
        "clean": len(cl),
        "target_right": sum(r["predicted_target"] == r["target"] for r in flagged),
        "median_s": round(float(np.median([r["elapsed_s"] for r in rows])), 1),
    }


WHOLE = {"credit-default": 891, "lending-club": 1971}  # the bundled test splits' rows


def curve(files: list[str], pool: list[str], source: str) -> dict:
    """Per size, the pooled figures; a size where a pooled table was not read is kept with
    the tables it holds (1,000 rows: lending-club only, credit-default's split holds 891)."""
    rows = [r for f in files for r in json.loads(Path(f).read_text())["rows"]
            if r["table"] in pool and "probability" in r]
    for r in rows:
        r["file_rows"] = (WHOLE.get(r["table"], 0) if r["size"] == "whole"
                          else min(int(r["size"]), WHOLE.get(r["table"], 10**9)))
    sizes = []
    for size in sorted({r["size"] for r in rows}, key=lambda s: (s == "whole", str(s).zfill(9))):
        part = [r for r in rows if r["size"] == size]
        sizes.append({"size": size, **figures(part)})
    return {"what": "tabular-search, today's default, by clean-file size, pooled over "
                    + " + ".join(pool), "source": source, "sizes": sizes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", nargs="+")
    ap.add_argument("--pool", default="lending-club,credit-default")
    ap.add_argument("--source", required=True, help="where the figures come from (the note)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--check", action="store_true", help="compare --out with the rows")
    args = ap.parse_args()
    got = curve(args.rows, args.pool.split(","), args.source)
    for s in got["sizes"]:
        print(json.dumps(s))
    if args.check:
        same = json.loads(args.out.read_text()) == got
        print("the written curve matches the rows" if same else "DIFFERS from the rows")
        sys.exit(0 if same else 1)
    args.out.write_text(json.dumps(got, indent=1) + "\n")


if __name__ == "__main__":
    main()
