"""Compare `gated` settings model by model from `bench_mitigate_stages.py` results: per model,
each setting's CA change after the first stage and at the end, the ASR at the end, whether it
is at issue 12's goal (backdoored: ASR <= 2% at <= 2 points of CA lost; clean: <= 1 point), and
the units ``dense_prune`` pruned; then, per setting, the count at the goal, the models it gains
and loses against the first setting, the worst CA change and ASR per family, the median seconds.

    python benchmarks/stages_compare.py --set today A.json B.json --set cand C.json D.json [...]

A model is compared where every setting has it (zoo = the file name's first two words).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any


def at_goal(m: dict[str, Any]) -> bool:
    """Issue 12's goal for one model's before/after measurements."""
    change = m["after"]["ca"] - m["before"]["ca"]
    if m["before"].get("asr") is None:
        return change >= -0.01 - 1e-9
    return m["after"]["asr"] <= 0.02 and change >= -0.02 - 1e-9


def load(files: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every model of the result files, keyed by (zoo, model)."""
    out = {}
    for path in files:
        zoo = "-".join(Path(path).stem.split("-")[:2])
        for name, m in json.loads(Path(path).read_text())["models"].items():
            out[(zoo, name)] = m
    return out


def cell(m: dict[str, Any]) -> str:
    """``first-stage CA change / end CA change / end ASR`` (points, percent)."""
    b, a, first = m["before"], m["after"], m["stages"].get("first")
    d1 = f"{100 * (first['ca'] - b['ca']):+.1f}" if first else "—"
    asr = "—" if a.get("asr") is None else f"{100 * a['asr']:.1f}%"
    units = (m["report"].get("prune") or {}) if isinstance(m["report"].get("prune"), dict) else {}
    pruned = f" [k={len(units['units'])}]" if "units" in units else ""
    mark = " ✓" if at_goal(m) else ""
    return f"{d1} / {100 * (a['ca'] - b['ca']):+.1f} / {asr}{pruned}{mark}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set",
        nargs="+",
        action="append",
        required=True,
        metavar=("LABEL", "FILE"),
        help="a setting's label and result files",
    )
    settings = parser.parse_args().set
    runs = {s[0]: load(s[1:]) for s in settings}
    labels = [s[0] for s in settings]
    keys = sorted(set.intersection(*(set(r) for r in runs.values())))
    print("| zoo | model | " + " | ".join(labels) + " |")
    print("|---|---|" + "---|" * len(labels))
    for key in keys:
        print(f"| {key[0]} | {key[1]} | " + " | ".join(cell(runs[lb][key]) for lb in labels) + " |")
    base = runs[labels[0]]
    print("\n| setting | at the goal | gained / lost vs first | " + "worst per family | median s |")
    print("|---|---|---|---|---|")
    for lb in labels:
        r = runs[lb]
        goal = [k for k in keys if at_goal(r[k])]
        gained = [f"{k[0][4:]}/{k[1]}" for k in goal if not at_goal(base[k])]
        lost = [f"{k[0][4:]}/{k[1]}" for k in keys if at_goal(base[k]) and not at_goal(r[k])]
        family: dict[str, list[tuple[float, float]]] = {}
        for k in keys:
            m = r[k]
            family.setdefault(k[1].rsplit("-", 1)[0], []).append(
                (m["after"]["ca"] - m["before"]["ca"], m["after"].get("asr") or 0.0)
            )
        worst = "; ".join(
            f"{f} CA {100 * min(c for c, _ in rs):+.1f}, ASR ≤ {100 * max(a for _, a in rs):.1f}%"
            for f, rs in sorted(family.items())
        )
        secs = statistics.median(r[k]["seconds"] for k in keys)
        print(
            f"| {lb} | {len(goal)}/{len(keys)} | +{gained or '—'} / −{lost or '—'} "
            f"| {worst} | {secs:.1f} |"
        )


if __name__ == "__main__":
    main()
