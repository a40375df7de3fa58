"""The GAP heads where today's C7 and C5 part, with MM-BD's lead at the named class (issue 9,
stop 73: h9).

C7 reads two keys where the class the verdict names is the model's noise favourite: the guard
2.05 and the blend bar 0.85. Where they decide (C7 and C5 read a model apart) clean heads leaning
to the favourite and backdoors aimed at it sat together on the keys' own readings (stop 72).
This prints, per population, every GAP head C7 and C5 read apart (more than 0.001 apart) and,
beside its stand and blend lead, MM-BD's own lead at the named class
(``mmbd_class_ratio_<c>``: its statistic over the median class's), the reading candidate C9
(``fitted_on.bias_lean``) reads; and the same columns for the candidate file where given.
Measurement only: it decides nothing.

    PYTHONPATH=src:benchmarks python benchmarks/outside_lean_zone.py \\
        --beside benchmarks/data/outside_s71_h9r/cal_C5_now.json \\
        --candidate benchmarks/data/outside_s73_h9/cal_C9.json --rows 9215=RUNS,TRUTH …
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import fail, run_main
from outside_c7_risk import side_by_side
from outside_named_rule import SHIPPED, read_rows

APART = 1e-3  # probabilities further apart than this: the two files read the model apart


def lean(row: dict, named: int) -> float | None:
    """MM-BD's lead at class ``named`` as the run recorded it (None where not recorded)."""
    got = row["report"]["features"].get(f"mmbd_class_ratio_{named}")
    return None if got is None else float(got)


def zone_lines(rows: list[dict], c7: dict, c5: dict, cand: dict | None) -> list[dict]:
    """The GAP heads ``c7`` and ``c5`` read apart, each with its readings and the three
    probabilities (the candidate's None without ``cand``)."""
    both = side_by_side(rows, c7, c5)
    by_cand = side_by_side(rows, cand, c5) if cand is not None else [None] * len(rows)
    out = []
    for r, m, k in zip(rows, both, by_cand, strict=True):
        if not m["gap"] or abs(m["a"][0] - m["b"][0]) <= APART:
            continue
        out.append({"model": f"{m['pop']}/{m['name']}",
                    "truth": f"bd->{m['target']}" if m["backdoored"] else "clean",
                    "backdoored": m["backdoored"], "favourite": m["bias_class"],
                    "named": m["b"][1], "stand": m["stand"], "blend": m["blend"],
                    "mmbd_lead": lean(r, m["b"][1]), "C7": m["a"][0], "C5": m["b"][0],
                    "candidate": None if k is None else k["a"][0]})
    return out


def print_zone(lines: list[dict], name: str) -> None:
    print(f"  model                        truth  fav named stand  blend lead   MM-BD lead"
          f"     C7     C5 {name:>6}")
    for m in sorted(lines, key=lambda m: (m["backdoored"], m["mmbd_lead"] or 0.0)):
        blend = "-" if m["blend"] is None else f"{m['blend'][0]} +{m['blend'][1]:.2f}"
        stand = "-" if m["stand"] is None else f"{m['stand']:.2f}"
        lead = "-" if m["mmbd_lead"] is None else f"{m['mmbd_lead']:.2f}"
        cand = "-" if m["candidate"] is None else f"{m['candidate']:.3f}"
        print(f"  {m['model']:<28} {m['truth']:<6} {m['favourite']!s:>3} {m['named']!s:>5} "
              f"{stand:>5} {blend:>11} {lead:>12} {m['C7']:.3f} {m['C5']:.3f} {cand:>6}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--today", type=Path, default=SHIPPED, help="C7 (default: the shipped file)")
    ap.add_argument("--beside", type=Path, required=True, help="C5's calibration file")
    ap.add_argument("--candidate", type=Path, help="a third file read on the same models")
    ap.add_argument("--name", default="C9", help="the candidate's name")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    args = ap.parse_args(argv)
    if not args.rows:
        fail("give at least one --rows LABEL=RUNS[,TRUTH]")
    for p in (args.today, args.beside, args.candidate):
        if p is not None and not p.is_file():
            fail(f"no calibration file {p}")
    from trojanscope.detect.calibration import load_calibrators

    c7, c5 = load_calibrators(args.today), load_calibrators(args.beside)
    cand = None if args.candidate is None else load_calibrators(args.candidate)
    total = []
    for spec in args.rows:
        total += zone_lines(read_rows(spec), c7, c5, cand)
    n_bd = sum(m["backdoored"] for m in total)
    print(f"GAP heads C7 and C5 read apart: {len(total)} ({n_bd} backdoored, "
          f"{len(total) - n_bd} clean)")
    print_zone(total, args.name)


if __name__ == "__main__":
    run_main(main)
