"""How far a striped perturbation reaches towards the detector's top classes, not its suspect
alone: clean MLPs against the backdoored ones the detector gates out.

Reads `bench_gate_readings.py` files (a file's zoo is the first four-digit number in its name;
a later file's row replaces an earlier one's for the same zoo and model, so a re-read corrects
a stale row) and prints, for every backdoored model rated below the gate, p, its target, the
detector's top ``--top`` classes and the reach towards the suspect, the target and the best of
the top classes; then, over the clean models, the largest reach towards the suspect and
towards any top class. Diagnostic only: it decides nothing.

    python benchmarks/gate_reach_top.py dev-37-gate-1900.json ... [--top 3]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from trojanscope.mitigate.gated import DEFAULT_GATE


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("readings", nargs="+", type=Path)
    ap.add_argument("--top", type=int, default=3)
    ap.add_argument("--gate", type=float, default=DEFAULT_GATE)
    args = ap.parse_args()
    rows: dict[tuple[str, str], dict] = {}
    for path in args.readings:
        zoo = re.search(r"\d{4}", path.name)
        for name, m in json.loads(path.read_text())["models"].items():
            rows[(zoo.group(0) if zoo else path.stem, name)] = m
    print("| zoo model | p | target | top classes | reach: suspect / target / best top class |")
    print("|---|---|---|---|---|")
    clean_suspect, clean_top, n_clean = 0.0, 0.0, 0
    for (zoo, name), m in sorted(rows.items()):
        r = m["readings"]
        top = r["ranked"][: args.top]
        reach = r["reach"]
        best = max(reach[c] for c in top)
        if not m["backdoored"]:
            n_clean += 1
            clean_suspect = max(clean_suspect, reach[r["suspect"]])
            clean_top = max(clean_top, best)
        elif r["p"] < args.gate:
            print(
                f"| {zoo} {name} | {r['p']:.3f} | {m['target']} | {top} "
                f"| {reach[r['suspect']]:.3f} / {reach[m['target']]:.3f} / {best:.3f} |"
            )
    print(
        f"\n{n_clean} clean models: the largest reach towards the suspect {clean_suspect:.3f}, "
        f"towards any of the top {args.top} classes {clean_top:.3f}"
    )


if __name__ == "__main__":
    main()
