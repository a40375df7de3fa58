"""Print `bench_ftsam_layers.py` results as markdown: per model and setting, the CA change and
ASR after the method, and the CA change with only one layer taken from the purified model (or
put back); then per setting, the range over clean and backdoored models and the median of how
far each layer moved.

    PYTHONPATH=src python benchmarks/ftsam_layers_table.py A.json B.json ...
"""

from __future__ import annotations

import json
import statistics
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


def summary(results: dict) -> str:
    """One markdown row for one results file: CA change over clean and backdoored models (min
    to max), the backdoored models' ASR after (min to max), each layer's median move."""
    models = results["models"].values()
    clean = [m for m in models if m["before"].get("asr") is None]
    bad = [m for m in models if m["before"].get("asr") is not None]

    def spread(group: list[dict]) -> str:
        changes = [m["after"]["ca"] - m["before"]["ca"] for m in group]
        return f"{points(min(changes), 0)} to {points(max(changes), 0)}" if group else "—"

    asr = [100 * m["after"]["asr"] for m in bad]
    span = f"{min(asr):.1f}–{max(asr):.1f}%" if asr else "—"
    layers = list(next(iter(models))["layers"])
    moved = " / ".join(
        f"{statistics.median(m['layers'][n]['moved'] for m in models):.2f}" for n in layers
    )
    return f"| {results['params']} | {spread(clean)} | {spread(bad)} | {span} | {moved} |"


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
    results = [json.loads(f.read_text()) for f in files]
    for r in results:
        print("\n".join(rows(r)))
    print()
    print(
        "| setting | clean: CA change | backdoored: CA change | backdoored: ASR after | "
        f"median ‖Δw‖/‖w‖ ({names}) |"
    )
    print("|---|---|---|---|---|")
    print("\n".join(summary(r) for r in results))


if __name__ == "__main__":
    run_main(main)
