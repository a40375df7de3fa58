"""Tables of ``bench_gate_readings.py``'s runs: per model the detector's p and suspect, the
striped perturbation's reach on the original towards the suspect and the farthest it reaches
any other class, the reversed trigger's share kept through ``dense_project=2``'s projection, and
the residual probe after the first stage; with ``--fresh`` (a ``bench_mitigate.py`` run of the
same zoo) also each method's figures, and what `gated` did as the readings say it (the same
split, seed and computations as `gated`'s own: gated out below ``--gate``; otherwise the
projection kept or undone by ``project_kept``'s rule, the second stage run or the model handed
back by the residual probe's).

    PYTHONPATH=src python benchmarks/gate_readings_table.py READINGS.json ... \\
        [--fresh FRESH.json]

Each readings file's zoo is the last ``-`` part of its name (``dev-37-gate-2402.json``: 2402);
``--fresh`` reads one zoo, so it takes exactly one readings file. Bad input (a missing or
unreadable file, a model the readings lack) is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from trojanscope.mitigate.gated import DEFAULT_GATE, KEPT, PROJECT_KEPT, RESIDUAL, keep_projection


def kept_projection(r: dict) -> bool:
    """Whether ``project_kept``'s rule keeps the projection: ``gated.keep_projection`` itself,
    on the readings' reach towards the suspect and the trigger on the original and through the
    projection."""
    report = {"reach": [r["reach"][r["suspect"]]], "trigger": r.get("trigger_projected")}
    return not keep_projection(report, r.get("trigger_before") or 0.0, PROJECT_KEPT)


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


class BadInput(Exception):
    """Input the tables cannot be made from: one line, exit status 2."""


def check_same_zoo(fresh: dict, models: dict, fresh_path: Path, readings_path: Path) -> None:
    """``fresh`` (two methods' rows) and the readings' ``models`` describe the same models:
    the same names, each with the same attack (a zoo's names repeat across zoos; its attacks
    by name do not)."""
    if len(fresh) != 2:
        raise BadInput(f"{fresh_path}: expected two methods (today's, the candidate's), got "
                       f"{len(fresh)}")
    for method, run in fresh.items():
        names = {row["name"]: row.get("attack") for row in run["rows"]}
        if set(names) != set(models):
            raise BadInput(f"{fresh_path} ({method}) and {readings_path} name different "
                           "models: not the same zoo")
        wrong = [n for n, attack in names.items() if attack != models[n].get("attack")]
        if wrong:
            raise BadInput(f"{wrong[0]} has another attack in {fresh_path} than in "
                           f"{readings_path}: not the same zoo")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("readings", nargs="+", type=Path)
    ap.add_argument("--fresh", type=Path, help="a bench_mitigate.py run of the one readings "
                    "file's zoo")
    ap.add_argument("--gate", type=float, default=DEFAULT_GATE)
    args = ap.parse_args()
    if args.fresh and len(args.readings) != 1:
        raise BadInput(f"--fresh reads one zoo: give one readings file, not "
                       f"{len(args.readings)}")
    loaded = [(path, json.loads(path.read_text())["models"]) for path in args.readings]
    fresh = json.loads(args.fresh.read_text()) if args.fresh else None
    if fresh is not None:  # checked before anything is printed: no half table
        check_same_zoo(fresh, loaded[0][1], args.fresh, args.readings[0])
    print(
        "| model | truth (target) | p | suspect | stripe reach to the suspect | farthest other "
        "class | trigger on the original | share kept through the projection | probe: kept / "
        "perturbation |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows = {}  # one zoo's, for --fresh (which takes one readings file)
    for path, models in loaded:
        zoo = path.stem.rsplit("-", 1)[-1]
        for name, m in models.items():
            r = m["readings"]
            rows[name] = r
            truth = f"{m['attack']} ({m['target']})" if m["backdoored"] else "clean"
            s = r["suspect"]
            other = max((v, c) for c, v in enumerate(r["reach"]) if c != s)
            left = r["residual"]
            print(
                f"| {zoo} {name} | {truth} | {r['p']:.3f} | {s} | {r['reach'][s]:.3f} | "
                f"{other[0]:.3f} (class {other[1]}) | {cell(r['trigger_before'])} | "
                f"{cell(r['projection_kept'])} | {left['kept']:.2f} / {left['perturbation']:.2f} |"
            )
    if fresh is None:
        return
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
    try:
        main()
    except (BadInput, OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        print(f"error: {type(exc).__name__ + ': ' if not isinstance(exc, BadInput) else ''}"
              f"{exc}", file=sys.stderr)
        raise SystemExit(2) from None
