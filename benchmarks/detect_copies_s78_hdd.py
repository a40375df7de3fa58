"""Issue 16 stop 78 (hdd): what ``detect-data RUN`` flags on the fraud attack's copies runs.

``tabular-badnets`` with copies grows the training split by ``copies`` triggered copies of
fraud rows (labelled not-fraud: the poison) and ``pair_copies`` clean copies of each source
(label kept). ``runs`` replays each run folder as ``detect-data RUN`` does (``load_suspect``)
and reads the default table method (``label-groups``) and its ``collapse=1`` form (one row
of each set of exact copies) on it: how many triggered copies, clean copies, their sources and
other rows each flags, and the top group. ``tables`` reads clean tables (a user's
``transactions.csv``, no attack) the same way: the rows each flags.

    PYTHONPATH=src:benchmarks python benchmarks/detect_copies_s78_hdd.py runs \
        --runs '/tmp/h16v78/fresh/67*/lightgbm-auto-copies' --json OUT.json
    PYTHONPATH=src:benchmarks python benchmarks/detect_copies_s78_hdd.py tables \
        --tables '/tmp/h16v78/fresh/67*/transactions.csv' --json OUT.json
"""

from __future__ import annotations

import argparse
import glob
import json
import resource
from pathlib import Path

import numpy as np

from trojanscope import registry
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError
from trojanscope.io.manifest import read_manifest

VARIANTS = {"default": {}, "collapse": {"collapse": 1}}


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def read(data, poison, params: dict) -> tuple[np.ndarray, dict]:
    """The flags of ``label-groups`` with ``params`` and its top group."""
    det = registry.create("data-detector", "label-groups", **params)
    res = detect_data(data, None, method=det, seed=0, poison=poison)
    top = det.groups[0] if det.groups else {}
    return np.asarray(res.flagged, np.int64), top


def run_row(run: Path) -> dict:
    """One copies run: where each variant's flags fall."""
    man = read_manifest(run)
    added = getattr(man.attack, "added_rows", None) or {}
    s = load_suspect(run)
    n, k = int(added.get("train_rows", 0)), int(added.get("copies", 0))
    paired = int(added.get("paired", 0))
    sources = set(int(i) for i in added.get("sources", []))
    row = {"run": str(run), "rows": len(s.data), "copies": k, "paired": paired,
           "fraud_rows": int(added.get("eligible", 0)),
           "trigger": (man.attack.trigger or {}).get("values") if man.attack else None}
    for name, params in VARIANTS.items():
        t0 = cpu()
        flags, top = read(s.data, s.poison, params)
        f = set(flags.tolist())
        row[name] = {"flagged": len(f),
                     "triggered": len(f & set(range(n, n + k))),
                     "clean_copies": len(f & set(range(n + k, n + k + paired))),
                     "sources": len(f & sources),
                     "top": {key: top.get(key) for key in ("label", "column", "value", "rows",
                                                           "score")},
                     "cpu_s": round(cpu() - t0, 2)}
    return row


def table_row(csv: Path, label: str) -> dict:
    """One clean table: the rows each variant flags."""
    s = load_suspect(csv, label)
    row = {"table": str(csv), "rows": len(s.data)}
    for name, params in VARIANTS.items():
        try:
            flags, top = read(s.data, None, params)
        except UserInputError as exc:  # a table the method refuses (under 10 rows of a class)
            row[name] = {"flagged": 0, "refused": str(exc)}
            continue
        row[name] = {"flagged": len(flags), "top": {key: top.get(key) for key in
                                                    ("label", "column", "value", "rows")}}
    return row


def summary(rows: list[dict]) -> list[str]:
    """Per variant, over the runs that added copies: triggered copies flagged (all of a run's,
    some), runs with a clean copy flagged, other rows flagged; over clean tables: flags."""
    out = []
    runs = [x for x in rows if x.get("copies")]
    for name in VARIANTS:
        if runs:
            r = [(x[name], x["copies"]) for x in runs]
            out.append(f"{name}: {len(runs)} runs with copies; triggered copies flagged "
                       f"{sum(v['triggered'] for v, _ in r)} of {sum(k for _, k in r)} (all on "
                       f"{sum(v['triggered'] == k for v, k in r)}, some on "
                       f"{sum(v['triggered'] > 0 for v, _ in r)}); clean copies flagged on "
                       f"{sum(v['clean_copies'] > 0 for v, _ in r)} runs "
                       f"({sum(v['clean_copies'] for v, _ in r)} rows; their sources on "
                       f"{sum(v['sources'] > 0 for v, _ in r)}); other rows flagged "
                       f"{sum(v['flagged'] - v['triggered'] - v['clean_copies'] for v, _ in r)}"
                       f"; exactly the triggered copies on "
                       f"{sum(v['flagged'] == k == v['triggered'] for v, k in r)}")
        elif rows and "table" in rows[0]:
            r = [x[name] for x in rows]
            out.append(f"{name}: {len(rows)} clean tables; flagged on "
                       f"{sum(v['flagged'] > 0 for v in r)}, {sum(v['flagged'] for v in r)} rows"
                       f"; refused {sum('refused' in v for v in r)}")
    return out


def add_runs_tables(sub, tables_help: str = "clean CSVs (globs)") -> None:
    """The ``runs`` and ``tables`` commands' arguments (stop 79's ``detect_twins_s79_hdd`` too)."""
    a = sub.add_parser("runs")
    a.add_argument("--runs", nargs="+", required=True, help="run folders (globs)")
    b = sub.add_parser("tables")
    b.add_argument("--tables", nargs="+", required=True, help=tables_help)
    b.add_argument("--label-column", default="is_fraud")
    for p in (a, b):
        p.add_argument("--json", type=Path, required=True)


def write_rows(path: Path, rows: list[dict], lines: list[str], t0: float) -> None:
    """The rows, their summary lines and the CPU s since ``t0`` as JSON; the lines printed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"rows": rows, "summary": lines,
                                "cpu_s": round(cpu() - t0, 1)}, indent=1) + "\n")
    print("\n".join(lines), f"\n{cpu() - t0:.1f} CPU s", sep="")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_runs_tables(ap.add_subparsers(dest="cmd", required=True))
    args = ap.parse_args()
    t0 = cpu()
    if args.cmd == "runs":
        paths = sorted(Path(p) for g in args.runs for p in glob.glob(g))
        rows = [run_row(p) for p in paths if (p / "manifest.json").is_file()]
    else:
        paths = sorted(Path(p) for g in args.tables for p in glob.glob(g))
        rows = [table_row(p, args.label_column) for p in paths]
    write_rows(args.json, rows, summary(rows), t0)


if __name__ == "__main__":
    main()
