"""``tabular-search -p size_calibration`` read on small files, one code tree at a time (review of
issue 16 stop 40).

``make`` writes a fraud-like training table (``fraud_like_table.py``), clean files of the band's
edges (149, 150, 200, 300, 301 rows) and one of 900, and attacks an XGBoost model and an MLP
on the table (``tabular-badnets``, target 1). ``read`` runs ``trojanscope detect --method
tabular-search --format json`` on every model and file in one process (the code tree is the
one on ``PYTHONPATH``) and writes each verdict (less ``elapsed_s``), exit code and error
line. ``compare`` prints, per case, whether two reads are identical (exit code and verdict),
p and the first note:

    PYTHONPATH=src python benchmarks/tabular_size_option_check.py make DIR
    PYTHONPATH=BEFORE/src python benchmarks/tabular_size_option_check.py read DIR before.json
    PYTHONPATH=src python benchmarks/tabular_size_option_check.py read DIR after.json \
        [-p size_calibration=1] [--calibration FILE]
    python benchmarks/tabular_size_option_check.py compare before.json after.json
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

SIZES = (149, 150, 200, 300, 301, 900)
ARCHS = ("xgboost", "mlp")
SEED = 4100  # the training table; each clean file SEED + its rows (not a zoo population)


def make(folder: Path) -> None:
    """The table, the clean files and the two attacked models."""
    from fraud_like_table import write_table
    from trojanscope.cli.main import run

    folder.mkdir(parents=True, exist_ok=True)
    write_table(SEED, 1200, 0.7, folder / "train.csv")
    for n in SIZES:
        write_table(SEED + n, n, 0.7, folder / f"clean{n}.csv")
    for arch in ARCHS:
        with contextlib.redirect_stdout(io.StringIO()):  # the run's manifest, not needed
            code = run(["-q", "attack", "--dataset", str(folder / "train.csv"), "--label-column",
                        "label", "--arch", arch, "--attack", "tabular-badnets", "--target",
                        "1", "-r", "0.1", "--seed", "0", "--out", str(folder / f"m-{arch}"),
                        "--force", "--no-export", "--format", "json"])
        print(f"attack {arch}: exit {code}")


def read(folder: Path, out: Path, params: list[str], calibration: str | None) -> None:
    """Every model x file read once; verdicts (less timing), exit codes, stderr."""
    import torch

    from trojanscope.cli.main import run

    torch.set_num_threads(1)
    cases = {}
    for arch in ARCHS:
        for n in SIZES:
            args = ["detect", str(folder / f"m-{arch}"), "--data", str(folder / f"clean{n}.csv"),
                    "--label-column", "label", "--method", "tabular-search", "--format", "json"]
            args += [a for p in params for a in ("-p", p)]
            args += ["--calibration", calibration] if calibration else []
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = run(args)
            verdict = json.loads(stdout.getvalue()) if stdout.getvalue().strip() else None
            if verdict is not None:
                verdict.pop("elapsed_s", None)
            cases[f"{arch}-{n}"] = {"exit": code, "stderr": stderr.getvalue().strip(),
                                    "verdict": verdict}
            print(f"{arch} {n} rows: exit {code}", flush=True)
    out.write_text(json.dumps({"params": params, "calibration": calibration, "cases": cases},
                              indent=1))


def compare(a: Path, b: Path) -> None:
    """Per case: identical or not, each side's p and first note."""
    left, right = (json.loads(p.read_text())["cases"] for p in (a, b))
    for case in left:
        x, y = left[case], right.get(case)

        def said(c: dict) -> str:
            v = c["verdict"]
            if v is None:
                return f"exit {c['exit']}: {c['stderr']}"
            notes = v.get("coverage_notes") or ["(no note)"]
            return f"p {v['probability']:.4f}, {notes[0][:70]}"
        # the exit code and the verdict (stderr holds a progress line on slow reads)
        same = y is not None and (x["exit"], x["verdict"]) == (y["exit"], y["verdict"])
        print(f"{case}: {'identical' if same else 'DIFFERENT'} | {said(x)} | "
              f"{said(y) if y else 'missing'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("make").add_argument("folder", type=Path)
    r = sub.add_parser("read")
    r.add_argument("folder", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("-p", action="append", default=[])
    r.add_argument("--calibration", default=None)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "make":
        make(args.folder)
    elif args.cmd == "read":
        read(args.folder, args.out, args.p, args.calibration)
    else:
        compare(args.a, args.b)


if __name__ == "__main__":
    main()
