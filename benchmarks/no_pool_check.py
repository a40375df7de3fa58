"""The ``pool:none`` coverage candidate (issue 9, stop 41): a CNN without a pooling layer
(strided convolutions) is scored by the default calibrator, fitted on max-pooled CNNs only, as
if covered; a clean own-engine ReLU ``lenet5`` with strided pooling read p 0.866 there.

``candidate`` writes a calibration file equal to BASE (default: the shipped one) except that
every calibrator whose coverage shows all its convolutional models pooled one way (a pool
count equal to its ``layer:conv`` count) records ``pool:none: 0``, so that such a model is out
of its coverage and goes to the wider calibrator (``detect/coverage.py``: the trait is read
only where a file records it). ``score`` prints, for ``detect --format json`` reports (run
with ``-p probes=always`` so the wider calibrator's features are there; or the rows of a
``foreign_zoo_detect.py`` ``.jsonl``), the calibrator, the probability and the suspect under
the shipped file and under ``--calibration``.

    PYTHONPATH=src:benchmarks python benchmarks/no_pool_check.py candidate --out CAND.json
    PYTHONPATH=src:benchmarks python benchmarks/no_pool_check.py score R1.json R2.json \\
        --calibration CAND.json --json out.json

``merge`` (stop 42) writes the candidate's rows for a whole ``foreign_zoo_detect.py`` run: a
model run again under the candidate (``detect --calibration CAND -p probes=always``, rows in
``--runs``) keeps that run's row; every other row of the default run is recalibrated with the
candidate (``foreign_zoo_detect.recalibrate_row``). Then ``foreign_zoo_detect.py --score``:

    PYTHONPATH=src:benchmarks python benchmarks/no_pool_check.py merge DEFAULT.jsonl \\
        --runs CANDRUNS.jsonl --calibration CAND.json --out CAND_ROWS.jsonl
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path

from _common import read_jsonl, run_main
from foreign_zoo_detect import logit_terms, recalibrate_row, verdict_of
from trojanscope.detect.calibration import SHIPPED, calibrate, load_calibrators
from trojanscope.detect.coverage import NO_POOL


def candidate(base: Path | None, out: Path) -> list[str]:
    """Write the candidate file; the calibrators given a ``pool:none`` count."""
    text = Path(base).read_text() if base else (
        resources.files("trojanscope.detect").joinpath(SHIPPED).read_text())
    raw = json.loads(text)
    marked = []
    for key, cal in raw.items():
        cov = (cal.get("fitted_on") or {}).get("coverage")
        if not cov or "layer:conv" not in cov or NO_POOL in cov:
            continue
        if any(n == cov["layer:conv"] for t, n in cov.items() if t.startswith("pool:")):
            cov[NO_POOL] = 0
            marked.append(key)
    out.write_text(json.dumps(raw, indent=2) + "\n")
    return marked


def with_no_pool(traits: list[str]) -> list[str]:
    """A report recorded before the trait existed: add it where it applies."""
    if "layer:conv" in traits and not any(t.startswith("pool:") for t in traits):
        return sorted({*traits, NO_POOL})
    return list(traits)


def _reports(paths: list[Path]):
    """``(name, report)`` from ``detect --format json`` files, or from every row of a
    ``foreign_zoo_detect.py`` JSON-lines file (``*.jsonl``: each row's ``report``)."""
    for path in paths:
        if path.suffix == ".jsonl":
            for row in read_jsonl(path):
                yield row["name"], row["report"]
        else:
            yield path.name, json.loads(path.read_text())


def score(reports: list[Path], calibration: Path) -> list[dict]:
    """Each report under the shipped file and under ``calibration``."""
    files = {"shipped": load_calibrators(), "candidate": load_calibrators(calibration)}
    rows = []
    for name, report in _reports(reports):
        report["traits"] = with_no_pool(report["traits"])
        row = {"report": name, "traits": report["traits"]}
        for file, cals in files.items():
            verdict = verdict_of(report)
            calibrate(verdict, cals)
            try:
                terms = logit_terms(report, cals)
            except KeyError:  # the wider calibrator's features were not read: the default's
                terms = {"calibrator": f"{report['method']} (no probes: wider not read)",
                         "terms": {}, "intercept": float("nan")}
            row[file] = {"p": verdict.probability, "suspect": verdict.target_classes[0],
                         "calibrator": terms["calibrator"],
                         "terms": {k: round(v, 3) for k, v in terms["terms"].items()},
                         "intercept": round(terms["intercept"], 3),
                         "notes": verdict.coverage_notes}
        rows.append(row)
        print(f"{name}: shipped p {row['shipped']['p']:.3f} ({row['shipped']['calibrator']}), "
              f"candidate p {row['candidate']['p']:.3f} ({row['candidate']['calibrator']}), "
              f"suspect {row['shipped']['suspect']} -> {row['candidate']['suspect']}")
    return rows


def merge(default: Path, runs: Path | None, calibration: Path, out: Path) -> list[str]:
    """The candidate's rows (see the module note); the names taken from ``runs``."""
    cals = load_calibrators(calibration)
    again = {r["name"]: r for r in read_jsonl(runs)} if runs is not None else {}
    rows, taken = [], []
    for row in read_jsonl(default):
        if row["name"] in again:
            rows.append(again[row["name"]])
            taken.append(row["name"])
        else:
            rows.append(recalibrate_row(row, cals, calibration.name))
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return taken


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("candidate")
    c.add_argument("--base", type=Path, default=None, help="calibration file (default: shipped)")
    c.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("score")
    s.add_argument("reports", nargs="+", type=Path)
    s.add_argument("--calibration", type=Path, required=True)
    s.add_argument("--json", type=Path, default=None)
    m = sub.add_parser("merge")
    m.add_argument("default", type=Path, help="foreign_zoo_detect.py rows of the default run")
    m.add_argument("--runs", type=Path, default=None, help="rows run under the candidate")
    m.add_argument("--calibration", type=Path, required=True)
    m.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    if args.cmd == "merge":
        taken = merge(args.default, args.runs, args.calibration, args.out)
        print(f"{len(taken)} rows from --runs: {', '.join(taken)}")
        return
    if args.cmd == "candidate":
        print("pool:none: 0 recorded in", ", ".join(candidate(args.base, args.out)))
        return
    rows = score(args.reports, args.calibration)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
