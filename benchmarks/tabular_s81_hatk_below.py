"""The fraud attack's automatic copies back, only where the rate relabels few rows in place
(issue 16 stop 81, hatk).

Stop 80 reverted ``TabularBadNets.auto_copies`` (10 -> 0) by rule: on fresh tables 6460-6499
the copies took on 55 of 80 pairs where the rate's rows took on 17, but lost 6472 LightGBM,
where the 5 % rate relabels 6 of 122 fraud rows in place and those took. The candidate here
adds the copies only where the rate relabels fewer than ``K`` rows
(``PresetTabularAttack.auto_copies_below = K`` with ``auto_copies = 10``; from 20 fraud rows
in the split, as stop 78), and keeps the rate's rows elsewhere, where they take most often.

``derive`` builds ``belowK`` rows from spent grids that ran ``old`` (today's line: the rate's
rows in place) and ``asis`` (stop 78-79's line: copies where the rate relabels under 10):
``asis``'s run where it added copies on a split whose rate relabels under ``K`` rows, ``old``'s
elsewhere; ``judge`` reads them. ``said`` draws seeds of a spent population with replacement
and counts how often the rule would be met (the rule's "said before"). ``grid`` runs ``old``
and ``belowK`` (the class values set in this process) on every pair: the fresh reading.
``judge`` reads ``benchmarks/data/tabular_s81_hatk/rule.md``'s conditions: stop 80's
(``tabular_s80_hatk_mend.judge`` with today's line as both references) and (7) the bundled
sets' attacks and the README credit line as they were.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s81_hatk_below.py derive \\
        --grid G.json --twins T.json --candidate below5
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s81_hatk_below.py grid --work DIR \\
        --seeds 6800-6819 --variants old,below5 --json FRESH.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s81_hatk_below.py judge \\
        --grid FRESH.json --twins TWINS.json --candidate below5 --work DIR
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_s76_hatk_floor import readme_line
from tabular_s77_hatk_copies import bundled, grid, readme_credit
from tabular_s79_hatk_pair import RATE, run_variant
from tabular_s80_hatk_mend import FLOOR_RUNS, judge, seed_list

K = 10  # the automatic copies' count, stop 78's ``auto_copies``


def below_of(variant: str) -> int:
    """``belowK``'s ``K``."""
    return int(variant[len("below"):])


def run_below(csv: Path, out: Path, arch: str, variant: str) -> tuple[int, str, float]:
    """One attack run: ``belowK`` (the line as written with ``TabularBadNets.auto_copies = 10``
    and ``auto_copies_below = K`` in this process), else stop 79's ``run_variant`` (``old``:
    today's line, ``copies=0 avoid_target=false``)."""
    from trojanscope.attacks.tabular import TabularBadNets

    if not variant.startswith("below"):
        return run_variant(csv, out, arch, variant)
    attrs = {"auto_copies": K, "auto_copies_below": below_of(variant)}
    before = {a: getattr(TabularBadNets, a) for a in attrs}
    try:
        for a, v in attrs.items():
            setattr(TabularBadNets, a, v)
        return readme_line(csv, out, arch)
    finally:
        for a, v in before.items():
            setattr(TabularBadNets, a, v)


def derive(rows: list[dict], twin_rows: list[dict], below: int) -> list[dict]:
    """``below{below}``'s rows from a spent grid holding ``old`` and ``asis`` (stop 78's
    copies): ``asis``'s run where it added copies and the rate relabels under ``below`` rows of
    the split's fraud rows, ``old``'s run elsewhere (the line relabels in place there)."""
    elig = {(t["seed"], t["arch"]): t["eligible"] for t in twin_rows}
    by = {(r["seed"], r["arch"], r["variant"]): r for r in rows}
    out = []
    for (s, arch, v), old in by.items():
        asis = by.get((s, arch, "asis"))
        if v != "old" or asis is None or (s, arch) not in elig:
            continue
        fires = bool(asis.get("added")) and round(RATE * elig[(s, arch)]) < below
        out.append({**(asis if fires else old), "variant": f"below{below}", "fires": fires})
    return out


FIELDS = ("poison_count", "added", "trigger", "ca", "asr", "flip", "n_flippable", "recall", "took")


def check(runs: list[dict], spent: list[dict], twin_rows: list[dict], below: int) -> list[str]:
    """Whether the runs rebuilt from seed (``runs``: ``old``, ``belowK`` and ``asis``, today's
    line as written) are the spent rows they stand for: ``old`` the spent ``old``, ``belowK``
    the row :func:`derive` gives, ``asis`` (today's line) the spent ``old``, on ``FIELDS``."""
    by = {(r["seed"], r["arch"], r["variant"]): r for r in spent}
    by.update({(r["seed"], r["arch"], r["variant"]): r for r in derive(spent, twin_rows, below)})
    stands = {"old": "old", f"below{below}": f"below{below}", "asis": "old"}
    lines = []
    for r in runs:
        ref = by.get((r["seed"], r["arch"], stands.get(r["variant"], "")))
        same = ref is not None and all(r.get(f) == ref.get(f) for f in FIELDS)
        lines.append(f"{r['seed']} {r['arch']} {r['variant']} (as spent "
                     f"{stands.get(r['variant'])}): {'same' if same else 'DIFFERENT'}")
    return lines


def said(rows: list[dict], twin_rows: list[dict], cand: str, tables: int = 40,
         draws: int = 2000, seed: int = 81) -> dict[str, float]:
    """How often the rule's conditions 1-6 and its floor hold on ``tables`` spent tables drawn
    with replacement (both archs of each), ``draws`` times: the rule's "said before"."""
    rng = np.random.default_rng(seed)
    seeds = sorted({r["seed"] for r in rows if r["variant"] == cand})
    by_seed: dict[int, list[dict]] = {}
    for r in rows:
        by_seed.setdefault(r["seed"], []).append(r)
    tw_seed: dict[int, list[dict]] = {}
    for t in twin_rows:
        tw_seed.setdefault(t["seed"], []).append(t)
    met = floor = 0
    for _ in range(draws):
        pick = rng.choice(seeds, size=tables, replace=True)
        drawn, twins = [], []
        for i, s in enumerate(pick):  # a drawn seed twice is two tables: renamed
            drawn += [{**r, "seed": i} for r in by_seed[s]]
            twins += [{**t, "seed": i} for t in tw_seed[s]]
        ok, lines = judge(drawn, twins, cand, today="old")
        met += ok
        floor += lines[0].startswith("(F) met")
    return {"met": met / draws, "floor": floor / draws}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grid", help="the rule's runs: variants on every pair")
    g.add_argument("--work", type=Path, required=True)
    g.add_argument("--seeds", required=True)
    g.add_argument("--archs", default="lightgbm,xgboost")
    g.add_argument("--variants", required=True)
    g.add_argument("--json", type=Path, required=True)
    c = sub.add_parser("check", help="runs rebuilt from seed against the spent rows")
    c.add_argument("--runs", type=Path, required=True)
    c.add_argument("--grid", type=Path, nargs="+", required=True)
    c.add_argument("--twins", type=Path, nargs="+", required=True)
    c.add_argument("--below", type=int, default=5)
    for name in ("derive", "judge", "said"):
        j = sub.add_parser(name)
        j.add_argument("--grid", type=Path, nargs="+", required=True)
        j.add_argument("--twins", type=Path, nargs="+", required=True)
        j.add_argument("--candidate", default="below5")
        if name == "judge":
            j.add_argument("--work", type=Path, default=None,
                           help="with it, condition 7: the bundled sets' rows and the README "
                                "credit line by main's code and this tree (runs go here)")
        if name == "said":
            j.add_argument("--tables", type=int, default=40)
            j.add_argument("--draws", type=int, default=2000)
    args = ap.parse_args()
    if args.cmd == "grid":
        grid(args.work, seed_list(args.seeds), args.archs.split(","), args.variants.split(","),
             args.json, runner=run_below)
        return
    rows = [r for p in args.grid for r in json.loads(p.read_text())]
    twin_rows = [r for p in args.twins for r in json.loads(p.read_text())]
    if args.cmd == "check":
        print("\n".join(check(json.loads(args.runs.read_text()), rows, twin_rows, args.below)))
        return
    if args.cmd in ("derive", "said") or not any(r["variant"] == args.candidate for r in rows):
        rows = [r for r in rows if r["variant"] == "old"] + derive(
            rows, twin_rows, below_of(args.candidate))
    if args.cmd == "said":
        got = said(rows, twin_rows, args.candidate, args.tables, args.draws)
        print(f"{args.candidate}: {args.tables} spent tables drawn {args.draws} times: floor "
              f"({FLOOR_RUNS} copies runs) {got['floor']:.0%}, conditions F and 1-6 together "
              f"{got['met']:.0%}")
        return
    ok, lines = judge(rows, twin_rows, args.candidate, today="old")
    if args.cmd == "judge" and args.work is not None:
        attrs = {"auto_copies_below": below_of(args.candidate)}
        sets = bundled(K, attrs)
        args.work.mkdir(parents=True, exist_ok=True)
        same_run, run_lines = readme_credit(args.work, K, attrs)
        same = all(b.endswith("same") for b in sets) and same_run
        ok = ok and same
        lines += [f"(7) {'met' if same else 'NOT MET'}: the bundled sets' attacks as they were "
                  "(rows against copies=0; the README credit line's metrics, main's code "
                  "against this tree)", *(f"  {b}" for b in sets), *run_lines]
    lines.append(f"the rule is {'MET' if ok else 'NOT MET'} for {args.candidate}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
