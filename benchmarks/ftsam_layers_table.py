"""Print `bench_ftsam_layers.py` results as markdown: per model and setting, the CA change and
ASR after the method, and the CA change with only one layer taken from the purified model.

    PYTHONPATH=src python benchmarks/ftsam_layers_table.py A.json B.json ...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import run_main


def points(after: float, before: float) -> str:
    """A change in accuracy, in points with a sign."""
    return f"{100 * (after - before):+.1f}"


def rows(results: dict) -> list[str]:
    """One markdown row per model of one results file."""
    out = []
    for name, m in results["models"].items():
        ca = m["before"]["ca"]
        asr = m["after"].get("asr")
        layers = m["layers"]
        only = " / ".join(points(r["only"]["ca"], ca) for r in layers.values())
        revert = " / ".join(points(r["revert"]["ca"], ca) for r in layers.values())
        moved = " / ".join(f"{r['moved']:.2f}" for r in layers.values())
        out.append(
            f"| {results['params']} | {name} | {points(m['after']['ca'], ca)} | "
            f"{'—' if asr is None else f'{100 * asr:.1f}%'} | {only} | {revert} | {moved} |"
        )
    return out


def main() -> None:
    files = [Path(a) for a in sys.argv[1:]]
    if not files:
        raise ValueError("give one or more bench_ftsam_layers.py result files")
    first = json.loads(files[0].read_text())
    names = " / ".join(next(iter(first["models"].values()))["layers"])
    print(
        "| setting | model | CA change | ASR after | CA change, one layer taken "
        f"({names}) | CA change, one layer put back | moved ‖Δw‖/‖w‖ |"
    )
    print("|---|---|---|---|---|---|---|")
    for f in files:
        print("\n".join(rows(json.loads(f.read_text()))))


if __name__ == "__main__":
    run_main(main)
