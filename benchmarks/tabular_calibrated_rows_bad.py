"""Bad ``-p calibrated_rows=…`` values on the command line (review of issue 16 stop 46): each
``detect … --out`` line's exit code, its stderr lines and whether ``--out`` was written.

    PYTHONPATH=src python benchmarks/tabular_calibrated_rows_bad.py
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import tempfile
from pathlib import Path

from trojanscope.cli.main import run

CONFTEST = Path(__file__).resolve().parents[1] / "tests" / "tabular" / "conftest.py"
VALUES = ("-1", "abc", "1.5", "true", "", "99999999999999999999999")


def _cli(*args: str) -> tuple[int, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return code, err.getvalue().strip().splitlines()


def main() -> None:
    spec = importlib.util.spec_from_file_location("tabular_conftest", CONFTEST)
    assert spec is not None and spec.loader is not None
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    tmp = Path(tempfile.mkdtemp())
    train = conftest.write_transactions(tmp / "t.csv", n=600, seed=0)
    small = conftest.write_transactions(tmp / "s.csv", n=200, seed=5)
    code, _ = _cli("train", "--dataset", str(train), "--label-column", "is_fraud", "--arch",
                   "xgboost", "--arch-param", "n_estimators=10", "--out", str(tmp / "run"))
    print("train exit", code)
    for value in VALUES:
        out = tmp / f"o{value or 'empty'}"
        code, err = _cli("detect", str(tmp / "run"), "--data", str(small), "--label-column",
                         "is_fraud", "--method", "tabular-search", "-p",
                         f"calibrated_rows={value}", "--out", str(out))
        print(repr(value), "exit", code, "stderr lines", len(err), err[:2], "written",
              out.exists())


if __name__ == "__main__":
    main()
