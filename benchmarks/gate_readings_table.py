"""Tables of ``bench_gate_readings.py``'s runs: per model the detector's p and suspect, the
striped perturbation's reach on the original towards the suspect and the farthest it reaches
any other class, the reversed trigger's share kept through ``dense_project=2``'s projection, and
the residual probe after the first stage; with ``--fresh`` (a ``bench_mitigate.py`` run of the
same zoo) also each method's figures, and what `gated` did as the readings say it (the same
split, seed and computations as `gated`'s own: gated out below ``--gate``; otherwise the
projection kept or undone by ``project_kept``'s rule, the second stage run or the model handed
back by the residual probe's).

    PYTHONPATH=src python benchmarks/gate_readings_table.py READINGS.json ... \\
        [--fresh FRESH.json --zoo-name 2402]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from trojanscope.mitigate.gated import DEFAULT_GATE, KEPT, PROJECT_KEPT, PROJECT_REACH, RESIDUAL
from trojanscope.mitigate.residual import MIN_BEFORE


def kept_projection(r: dict) -> bool:
    """Whether ``project_kept``'s rule keeps the projection (``gated.keep_projection``)."""
    before = r.get("trigger_before") or 0.0
    share = r.get("projection_kept")
    return (
        r["reach"][r["suspect"]] >= PROJECT_REACH
        and before >= MIN_BEFORE
        and share is not None
        and share < PROJECT_KEPT
    )


def what_gated_did(r: dict, gate: float) -> tuple[str, str]:
    """What `gated` did today and with the projection, as the readings say."""
    if r["p"] < gate:
        return (f"gated out (p {r['p']:.3f})",) * 2
    left = r["residual"]
    runs = left["kept"] < KEPT or left["perturbation"] >= RESIDUAL
    today = "both stages" if runs else "handed back by the probe"
    today += f" (kept {left['kept']:.2f}, perturbation {left['perturbation']:.2f})"
    if kept_projection(r):
        return today, f"projection kept (share {r['projection_kept']:.2f})"
    return today, "projection undone, as today"


def cell(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("readings", nargs="+", type=Path)
    ap.add_argument("--fresh", type=Path, help="a bench_mitigate.py run of one readings' zoo")
    ap.add_argument("--gate", type=float, default=DEFAULT_GATE)
    args = ap.parse_args()
    print(
        "| model | truth (target) | p | suspect | stripe reach to the suspect | farthest other "
        "class | trigger on the original | share kept through the projection | probe: kept / "
        "perturbation |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows = {}
    for path in args.readings:
        for name, m in json.loads(path.read_text())["models"].items():
            r = m["readings"]
            rows[name] = r
            zoo = path.stem.rsplit("-", 1)[-1]
            truth = f"{m['attack']} ({m['target']})" if m["backdoored"] else "clean"
            s = r["suspect"]
            other = max((v, c) for c, v in enumerate(r["reach"]) if c != s)
            left = r["residual"]
            print(
                f"| {zoo} {name} | {truth} | {r['p']:.3f} | {s} | {r['reach'][s]:.3f} | "
                f"{other[0]:.3f} (class {other[1]}) | {cell(r['trigger_before'])} | "
                f"{cell(r['projection_kept'])} | {left['kept']:.2f} / {left['perturbation']:.2f} |"
            )
    if not args.fresh:
        return
    fresh = json.loads(args.fresh.read_text())
    methods = list(fresh)
    print()
    print(
        f"| model | CA before | {methods[0]}: CA after / ASR before → after | {methods[1]}: "
        "CA after / ASR after | what today's did | what the candidate did |"
    )
    print("|---|---|---|---|---|---|")

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{100 * v:.1f}"

    second = {row["name"]: row for row in fresh[methods[1]]["rows"]}
    for a in fresh[methods[0]]["rows"]:
        b = second[a["name"]]
        today, cand = what_gated_did(rows[a["name"]], args.gate)
        asr = (
            "" if a["asr_before"] is None else f" / {pct(a['asr_before'])} → {pct(a['asr_after'])}"
        )
        asr_b = "" if b["asr_after"] is None else f" / {pct(b['asr_after'])}"
        print(
            f"| {a['name']} | {pct(a['ca_before'])} | {pct(a['ca_after'])}{asr} | "
            f"{pct(b['ca_after'])}{asr_b} | {today} | {cand} |"
        )


if __name__ == "__main__":
    main()
