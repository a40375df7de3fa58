"""Issue 16 stop 65 (h16d): a user's own table through ``detect-data`` as the user runs it, with
today's default and with a set-level verdict (``-m label-groups -p verdict=V``): the exit code,
rows flagged, the verdict and the summary's first lines (condition 4 of
``benchmarks/data/tabular_s65_h16d/plan.md``: the seed-72 user table judged clean).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s65_h16d_user.py \\
        benchmarks/data/tabular_s65_h16d/seed72_transactions.csv is_fraud
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys


def detect_data_cli(path: str, label: str, extra: list[str], fmt: str) -> tuple[int, str]:
    """``python -m trojanscope detect-data PATH --label-column LABEL [extra]``: exit code and
    stdout (``fmt``: json or table)."""
    cmd = [sys.executable, "-m", "trojanscope", "detect-data", path, "--label-column", label,
           *extra, "--format", fmt]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ,
                                                                    "COLUMNS": "200"})
    return done.returncode, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table")
    parser.add_argument("label")
    parser.add_argument("--verdict", type=int, default=5)
    args = parser.parse_args()
    runs = {"today's default": [],
            f"verdict={args.verdict}": ["-m", "label-groups", "-p", f"verdict={args.verdict}"]}
    print("| run | exit | rows flagged | poisoned | best group (label, rows, score, excess) |")
    print("|---|---|---|---|---|")
    clean = None
    for name, extra in runs.items():
        code, out = detect_data_cli(args.table, args.label, extra, "json")
        report = json.loads(out)
        g = (report["details"].get("groups") or [{}])[0]
        print(f"| {name} | {code} | {report['n_flagged']} of {report['n_samples']} | "
              f"{report['poisoned']} | {g.get('label')}, {g.get('rows')}, {g.get('score')}, "
              f"{g.get('excess')} |")
        if extra:
            clean = report["poisoned"] is False
    for name, extra in runs.items():
        code, out = detect_data_cli(args.table, args.label, extra, "table")
        print(f"\n{name} (exit {code}):\n" + out.rstrip())
    print(f"\nthe table judged clean by verdict={args.verdict}: {clean}")


if __name__ == "__main__":
    main()
