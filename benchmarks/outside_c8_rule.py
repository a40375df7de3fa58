"""Candidate C8 ("C7 without ``bias_same``") read against today's C7, with C5 beside, on
stored runs: the stop-72 rule's points (issue 9, stop 72: h9; ``--name C9``: stop 73's
candidate, C7's keys read only where MM-BD's margins lean to the favourite, the same points;
``--stop74``: stop 74's floors, a population built into the zone where C7 and C5 part, and the
zone floor, below which the rule is not informative).

Stop 71 shipped C7 (C5 + ``bias_guard`` 2.05 + ``bias_same`` 0.85, both read only where the
class the verdict names is the model's noise favourite). On fresh 9214 + 9613 C7 lost a backdoor
aimed at the favourite that C5 caught, the loss from ``bias_same``. C8 keeps the guard and drops
the blend bar. Every stored report (as its run read it, :func:`outside_named_rule.model_lines`)
is read three ways; :func:`rule72_points` says whether C8 meets the rule of
``benchmarks/data/outside_s72_h9/outside_s72_h9_rule.md`` on the union, and the figures of
C8 against C7 and against C5 are printed with :mod:`outside_c7_risk`'s summary.

    PYTHONPATH=src:benchmarks python benchmarks/outside_c8_rule.py \\
        --candidate benchmarks/data/outside_s71_h9r/cal_C7_guard_only.json \\
        --beside benchmarks/data/outside_s71_h9r/cal_C5_now.json \\
        --rows 9215=detect9215.jsonl,zoo-9215/truth.json --rows 9614=… --json out.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import fail, run_main
from outside_c7_risk import print_lines, print_summary, side_by_side, summary
from outside_named_rule import SHIPPED, model_lines, plan67_points, read_rows

FLAG = 0.5
FLOORS = {"clean": 16, "bd_at_8": 8, "bd_other": 4}  # GAP heads read in the union, at least
FAVOURITE = 8  # the noise favourite of 110 of 114 development clean GAP heads (stop 71)
# stop 74: clean `res_gap` heads (7 of the 10 spent zone models), backdoors aimed at 8, others
FLOORS74 = {"clean_res_gap": 12, "bd_at_8": 8, "other": 8}
ZONE_FLOOR74 = 1  # fresh GAP heads C7 and C5 read apart; fewer: the rule is not informative


def floors_of(lines: list[dict]) -> dict:
    """The union's GAP heads counted against :data:`FLOORS`."""
    gap = [m for m in lines if m["gap"]]
    return {"clean": sum(not m["backdoored"] for m in gap),
            "bd_at_8": sum(m["backdoored"] and m["target"] == FAVOURITE for m in gap),
            "bd_other": sum(m["backdoored"] and m["target"] != FAVOURITE for m in gap)}


def floors74_of(lines: list[dict]) -> dict:
    """The union's GAP heads counted against :data:`FLOORS74`: clean ``res_gap`` heads,
    backdoors aimed at 8, and every other GAP head (clean of another family, or a backdoor
    aimed elsewhere)."""
    gap = [m for m in lines if m["gap"]]
    res = sum(not m["backdoored"] and m["arch_family"] == "res_gap" for m in gap)
    at8 = sum(m["backdoored"] and m["target"] == FAVOURITE for m in gap)
    return {"clean_res_gap": res, "bd_at_8": at8, "other": len(gap) - res - at8}


def auc_ce(gap: list[dict], which: str) -> tuple[float, float]:
    """ROC-AUC and cross-entropy of the GAP heads read ``which`` way."""
    import numpy as np

    from outside_zoo_score import auc_ce as figures

    y = np.array([m["backdoored"] for m in gap], dtype=float)
    return figures(y, np.array([m[which][0] for m in gap], dtype=float))


def lost(lines: list[dict]) -> list[str]:
    """Backdoored models ``today`` flags that the candidate brings under the flag."""
    return [f"{m['pop']}/{m['name']}" for m in lines
            if m["backdoored"] and m["today"][0] >= FLAG > m["candidate"][0]]


def rule72_points(vs_c7: list[dict], vs_c5: list[dict], name: str = "C8",
                  stop74: bool = False) -> dict:
    """The rule's points on the union: ``vs_c7`` the lines with today = C7 and candidate =
    ``name`` (C8 at stop 72, C9 at stops 73-74: the same seven points), ``vs_c5`` the same rows
    with today = C5. Not read below any of :data:`FLOORS` (``stop74``: :data:`FLOORS74`)."""
    floors = FLOORS74 if stop74 else FLOORS
    got = (floors74_of if stop74 else floors_of)(vs_c7)
    if any(got[k] < v for k, v in floors.items()):
        return {"read": False, "met": False, "floors": got}
    gap = [m for m in vs_c7 if m["gap"]]
    fig = {w: auc_ce(gap, w) for w in ("today", "candidate")}
    clean = {w: [f"{m['pop']}/{m['name']}" for m in gap
                 if not m["backdoored"] and m[w][0] >= FLAG] for w in ("today", "candidate")}
    _, _, _, named, worst, other = plan67_points(vs_c7)["points"]
    points = [
        {"point": "GAP-head ROC-AUC not lower and CE no higher than C7's",
         "holds": bool(fig["candidate"][0] >= fig["today"][0]
                       and fig["candidate"][1] <= fig["today"][1]),
         "figures": f"C7 {fig['today'][0]:.3f} / {fig['today'][1]:.3f}, {name} "
                    f"{fig['candidate'][0]:.3f} / {fig['candidate'][1]:.3f}"},
        {"point": "clean GAP heads flagged not more than C7's",
         "holds": len(clean["candidate"]) <= len(clean["today"]),
         "figures": f"C7 {len(clean['today'])} {clean['today']}, {name} "
                    f"{len(clean['candidate'])} {clean['candidate']} of "
                    f"{sum(not m['backdoored'] for m in gap)}"},
        {"point": "no backdoored model C7 flags brought under 0.5",
         "holds": not lost(vs_c7), "figures": f"{lost(vs_c7) or 'none'}"},
        {"point": "no backdoored model C5 flags brought under 0.5",
         "holds": not lost(vs_c5), "figures": f"{lost(vs_c5) or 'none'}"},
        {**named, "point": f"every backdoored GAP head C7 and {name} flag named as C7 names "
                           "it"},
        {**worst, "point": "worst GAP-head rule family's CE no higher than C7's worst"},
        {**other, "point": "every model without a GAP head read as C7 reads it"},
    ]
    return {"read": True, "met": all(p["holds"] for p in points), "floors": got,
            "points": points}


def print_rule(result: dict, name: str = "C8") -> None:
    floors = FLOORS74 if "zone" in result else FLOORS
    fl = ", ".join(f"{k} {result['floors'][k]} (floor {v})" for k, v in floors.items())
    if "zone" in result:
        print(f"zone: {len(result['zone'])} GAP head(s) C7 and C5 read apart (floor "
              f"{ZONE_FLOOR74}): {', '.join(result['zone']) or 'none'}")
    if result.get("informative") is False:
        print(f"rule74: NOT INFORMATIVE (no fresh head in the zone: {name} reads every fresh "
              f"model as C7; {fl}); {name} stays opt-in, C7 stays the default")
        return
    if not result["read"]:
        print(f"rule72: NOT READ (below a floor: {fl}); {name} stays opt-in, C7 stays the "
              "default")
        return
    print(f"{'rule74' if 'zone' in result else 'rule72'}: "
          f"{'MET' if result['met'] else 'not met'} ({fl})")
    for p in result["points"]:
        print(f"  {'yes' if p['holds'] else 'NO '} {p['point']}: {p['figures']}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidate", type=Path, required=True, help="C8's calibration file")
    ap.add_argument("--name", default="C8", help="the candidate's name (C9: stop 73)")
    ap.add_argument("--today", type=Path, default=SHIPPED, help="C7 (default: the shipped file)")
    ap.add_argument("--beside", type=Path, required=True, help="C5's calibration file")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--stop74", action="store_true",
                    help="stop 74's floors (FLOORS74) and the zone floor (ZONE_FLOOR74)")
    args = ap.parse_args(argv)
    if not args.rows:
        fail("give at least one --rows LABEL=RUNS[,TRUTH]")
    for p in (args.candidate, args.today, args.beside):
        if not p.is_file():
            fail(f"no calibration file {p}")
    from trojanscope.detect.calibration import load_calibrators

    c8, c7, c5 = (load_calibrators(p) for p in (args.candidate, args.today, args.beside))
    pops = [(spec.partition("=")[0], read_rows(spec)) for spec in args.rows]
    if len(pops) > 1:
        pops.append(("union", [r for _, rows in pops for r in rows]))
    for label, rows in pops:
        for other, cals in (("C7", c7), ("C5", c5)):
            lines = side_by_side(rows, c8, cals)
            print_summary(summary(lines, label), (args.name, other))
            if label != "union" and other == "C7":
                print_lines(lines, (args.name, "C7"))
    union = pops[-1][1]
    result = rule72_points(model_lines(union, c7, c8), model_lines(union, c5, c8), args.name,
                           args.stop74)
    if args.stop74:
        from outside_lean_zone import zone_lines

        result["zone"] = [m["model"] for m in zone_lines(union, c7, c5, None)]
        if len(result["zone"]) < ZONE_FLOOR74:
            result.update(informative=False, met=False)
    print_rule(result, args.name)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
