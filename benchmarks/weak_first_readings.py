"""Where would `gated`'s ``weak_first`` have fired? A scan of committed residual-probe readings.

Every ``report["residual"]`` in the given result files (``bench_mitigate_stages.py``,
``check_stage_params.py`` and ``bench_mitigate.py`` outputs alike) is read with `gated`'s own
rules at its defaults (``kept`` ``KEPT``, ``residual`` ``RESIDUAL``): the probe's verdict
(:func:`~trojanscope.mitigate.residual.backdoor_left`) and ``weak_first``'s
(:func:`~trojanscope.mitigate.nothing_left.weak_evidence`). Each reading where the probe found a
backdoor left on weak evidence is printed with the detector's p and, where the file recorded
them, the model's figures before, after the first stage and after the method (what
``weak_first`` would have returned is the first stage's model). Readings from runs under other
settings than today's defaults are only hints: the file's own ``params`` are printed too.

    PYTHONPATH=src python benchmarks/weak_first_readings.py benchmarks/data --out OUT.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.gated import KEPT, RESIDUAL
from trojanscope.mitigate.nothing_left import WEAK, weak_evidence
from trojanscope.mitigate.residual import backdoor_left


def readings(node: Any, where: str = "") -> Iterator[tuple[str, dict, dict[str, Any]]]:
    """Each ``(path, residual, holder)`` under ``node``: the dict holding a ``residual`` reading
    (a report), found wherever it sits in the file."""
    if isinstance(node, dict):
        left = node.get("residual")
        if isinstance(left, dict) and {"trigger_before", "kept", "perturbation"} <= set(left):
            yield where, left, node
        for key, value in node.items():
            yield from readings(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from readings(value, f"{where}[{i}]")


def figures(entry: Any) -> dict[str, Any]:
    """The model's figures a ``bench_mitigate_stages.py`` entry recorded (else none)."""
    if not isinstance(entry, dict):
        return {}
    first = (entry.get("stages") or {}).get("first")
    return {k: entry[k] for k in ("before", "after") if k in entry} | (
        {"first": first} if first else {})


def scan(files: list[Path], weak: float = WEAK) -> list[dict[str, Any]]:
    """Every reading in ``files`` where the probe found a backdoor left on weak evidence."""
    fired = []
    for path in files:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # not a result file
        if not isinstance(data, dict):
            continue  # not a result file either (this script's own output is a list)
        models = data.get("models", {})
        for where, left, report in readings(data):
            if not backdoor_left(left, KEPT, RESIDUAL) or not weak_evidence(left, weak,
                                                                            RESIDUAL):
                continue
            name = where.split("/models/")[1].split("/")[0] if "/models/" in where else where
            unlearn = report.get("unlearn")  # a report's dict, or a check_stage_params row's text
            fired.append({"file": str(path), "model": name, "where": where,
                          "detector": report.get("detector"), "residual": left,
                          "unlearn": unlearn.get("action") if isinstance(unlearn, dict)
                          else unlearn,
                          "params": data.get("params"),
                          **(figures(models.get(name)) or figures(report))})
    return fired


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", type=Path, help="result files or folders (searched)")
    ap.add_argument("--weak", type=float, default=WEAK)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    files = sorted({f for p in args.paths for f in ([p] if p.is_file() else p.rglob("*.json"))})
    fired = scan(files, args.weak)
    for row in fired:
        print(json.dumps(row, default=str))
    print(f"{len(fired)} reading(s) of {len(files)} file(s): backdoor left on weak evidence "
          f"(weak_first={args.weak}, kept={KEPT}, residual={RESIDUAL})")
    if args.out:
        write_text_atomic(args.out, json.dumps(fired, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
