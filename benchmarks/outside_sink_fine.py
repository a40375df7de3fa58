"""The blend-sink term's reference per trait set, and the stop-76 rule (issue 9, stop 76: h9).

Stop 75's blend-sink term (``detect/blend_sink.py``) lowers a GAP head whose blends name a
class that at least 30% of the kind's clean heads sink at (the kind: BatchNorm, a GAP head).
Its thin spot: a backdoor aimed at that class. Both spent backdoors it lowered with nothing else
reading them are ReLU heads with max pooling (``gap_cls_relu``) aimed at 0, whose own clean heads
sink at 0 in 7 of 36 (0.19, the kind 0.46). The candidate adds to the reference one entry per
trait set (:func:`blend_sink.trait_kind`), read instead of the kind's where it holds
``min_clean`` clean heads; the kind's entries stay as shipped.

* ``--lofo``: each architecture and trigger family held out (both references fitted without
  it), then ``--lopo``: each population (seed) held out; today's term against the candidate.
* ``--write FILE``: ``--today`` (the shipped file) plus the trait-set entries fitted on
  ``--rows``.
* ``--rule76 LABELS``: the rule (``benchmarks/data/outside_s76_h9/outside_s76_h9_rule.md``)
  on the rows with those labels: floors, the informative floor, stop 72's seven points, the
  sink-aimed backdoors counted apart, the worst family.

    PYTHONPATH=src:benchmarks python benchmarks/outside_sink_fine.py --lopo \\
        --base benchmarks/data/outside_s75_h9/cal_C9_before.json --rows 9615=RUNS,TRUTH …
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from _common import fail, run_main
from outside_blend_sink import (
    SCORER,
    families,
    figures,
    gap_rows,
    lofo,
    print_lofo,
    print_verdict,
    reference,
    with_term,
)
from outside_named_rule import SHIPPED, model_lines, read_rows

SINK = (0, 8)  # the classes clean BatchNorm GAP heads send blends to (stop 75)
WHOLE = ("sig", "noise_blend", "warp", "lowpass", "watermark")  # triggers over the whole image
PATCH = ("corner_patch", "rand_checker", "sparse_pixels")
# the brief's floors on the fresh union's GAP heads: clean heads of the BatchNorm kind (the
# term's reach), backdoored GAP heads, of them BatchNorm heads aimed at 0 or 8 with a
# whole-image trigger, backdoors with a patch, and ordinary heads (neither a clean BatchNorm
# head nor a BatchNorm backdoor aimed at 0 or 8)
FLOORS76 = {"clean_bn": 12, "bd": 8, "bd_sink_whole": 4, "bd_patch": 2, "ordinary": 8}
INFORMATIVE76 = 1  # fresh GAP heads today and the candidate read apart; fewer: not informative


def with_fine(cals: dict, rows: list[dict]) -> dict:
    """``cals`` (with the term) plus one reference entry per trait set fitted on ``rows``."""
    from trojanscope.detect.blend_sink import TERM, trait_kind

    key = f"{SCORER}:{TERM}"
    term = cals[key]
    fine = reference(rows, kind=trait_kind)
    fitted = {**term.fitted_on, "reference": {**term.fitted_on["reference"], **fine},
              "trait_sets": "benchmarks/outside_sink_fine.py (issue 9, stop 76: h9)"}
    return {**cals, key: dataclasses.replace(term, fitted_on=fitted)}


def pair_of(base: dict):
    """Both references fitted on ``rest``: today's term, and with the trait-set entries."""
    def pair(rest: list[dict]) -> tuple[dict, dict]:
        today = with_term(base, rest)
        return today, with_fine(today, rest)
    return pair


def is_bn(r: dict) -> bool:
    return "norm:batch" in (r["report"].get("traits") or [])


def sink_aimed(r: dict) -> bool:
    return bool(r["backdoored"]) and r["target"] in SINK


def floors76_of(rows: list[dict]) -> dict:
    gap = gap_rows(rows)
    clean_bn = sum(not r["backdoored"] and is_bn(r) for r in gap)
    bd = [r for r in gap if r["backdoored"]]
    sink = [r for r in bd if sink_aimed(r) and is_bn(r)]
    return {"clean_bn": clean_bn, "bd": len(bd),
            "bd_sink_whole": sum(r["trigger_family"] in WHOLE for r in sink),
            "bd_patch": sum(r["trigger_family"] in PATCH for r in bd),
            "ordinary": len(gap) - clean_bn - len(sink)}


def sink_lines(rows: list[dict], today: dict, cand: dict, before: dict) -> list[dict]:
    """Each GAP backdoor aimed at 0 or 8, read by the file without the term (``before``),
    today's and the candidate: p and the class named, and the logit each term took away."""
    from foreign_zoo_detect import verdict_of
    from outside_named_record import as_run_read
    from trojanscope.detect.blend_sink import SINK_LOGIT
    from trojanscope.detect.calibration import calibrate

    out = []
    for r in gap_rows(rows):
        if not sink_aimed(r):
            continue
        line = {"model": f"{r['pop']}/{r['name']}", "target": r["target"],
                "trigger": r["trigger_family"], "bn": is_bn(r)}
        for which, cals in (("before", before), ("today", today), ("candidate", cand)):
            v = calibrate(verdict_of(as_run_read(r["report"])[0]), cals)
            line[which] = [round(float(v.probability), 4),
                           v.target_classes[0] if v.target_classes else None,
                           round(float(v.features.get(SINK_LOGIT, 0.0)), 3)]
        out.append(line)
    return out


def rule76(rows: list[dict], today: dict, cand: dict, before: dict) -> dict:
    """The stop-76 rule on the fresh union (module docstring)."""
    floors = floors76_of(rows)
    lines = model_lines(rows, today, cand)
    apart = [f"{m['pop']}/{m['name']}" for m in lines
             if m["gap"] and abs(m["today"][0] - m["candidate"][0]) > 1e-4]
    fams = []
    for fam in families(gap_rows(rows)):
        held = [m for m in lines if m["gap"] and fam in (m["arch_family"], m["trigger_family"])]
        fams.append({"family": fam, "today": figures(held, "today"),
                     "candidate": figures(held, "candidate")})
    rated = [f for f in fams if 0 < f["today"]["n_bd"] < f["today"]["n"]] or fams
    worst = {w: max(fams, key=lambda f: f[w]["ce"]) for w in ("today", "candidate")}
    worst_r = {w: max(rated, key=lambda f: f[w]["ce"]) for w in ("today", "candidate")}
    gap = [m for m in lines if m["gap"]]
    no_term = [m for m in model_lines(rows, before, today) if m["gap"]]  # beside: stop 75's term
    out = {"floors": floors, "apart": apart, "families": fams,
           "union": {"no term": figures(no_term, "today"),
                     **{w: figures(gap, w) for w in ("today", "candidate")}},
           "term_moved": [f"{m['pop']}/{m['name']} {'bd' if m['backdoored'] else 'clean'} "
                          f"{m['today'][0]:.3f} -> {m['candidate'][0]:.3f}" for m in no_term
                          if abs(m["today"][0] - m["candidate"][0]) > 1e-4],
           "sink": sink_lines(rows, today, cand, before),
           "worst": {w: [f["family"], round(f[w]["ce"], 4)] for w, f in worst.items()},
           "worst_rated": {w: [f["family"], round(f[w]["ce"], 4)] for w, f in worst_r.items()},
           "worst_at_most_0.30": {w: f[w]["ce"] <= 0.30 for w, f in worst.items()}}
    if any(floors[k] < v for k, v in FLOORS76.items()):
        return {**out, "read": False, "met": False}
    if len(apart) < INFORMATIVE76:
        return {**out, "read": True, "informative": False, "met": False}
    points = seven_points(lines, "trait sets")
    return {**out, "read": True, "met": points["met"], "points": points["points"]}


def seven_points(lines: list[dict], name: str) -> dict:
    """Stop 72's seven points on ``lines`` (today: the shipped file, candidate ``name``),
    without stop 72's own floors (the caller's rule holds its own)."""
    import outside_c8_rule
    from outside_c8_rule import rule72_points

    kept, outside_c8_rule.FLOORS = outside_c8_rule.FLOORS, dict.fromkeys(outside_c8_rule.FLOORS, 0)
    try:
        points = rule72_points(lines, lines, name)
    finally:
        outside_c8_rule.FLOORS = kept
    for p in points["points"]:  # today is the shipped file: say so
        p["point"] = p["point"].replace("C7", "today").replace("C5", "today")
        p["figures"] = str(p["figures"]).replace("C7 ", "today ")
    return points


def print_rule76(res: dict) -> None:
    fl = ", ".join(f"{k} {res['floors'][k]} (floor {v})" for k, v in FLOORS76.items())
    print(f"floors: {fl}")
    print(f"GAP heads today and the candidate read apart (floor {INFORMATIVE76}): "
          f"{len(res['apart'])} {res['apart']}")
    for w in res["union"]:
        u = res["union"][w]
        auc = "  -  " if u["roc_auc"] is None else f"{u['roc_auc']:.3f}"
        print(f"GAP union {w:9s}: n {u['n']} bd {u['n_bd']} ROC-AUC {auc} CE {u['ce']:.3f} "
              f"clean flagged {u['clean_flagged']} bd flagged {u['bd_flagged']}")
    print(f"GAP heads today's term moves (no term -> today): {res['term_moved']}")
    print("backdoors aimed at 0 or 8 (p, class named, blend-sink logit): no term / today / "
          "candidate")
    for s in res["sink"]:
        print(f"  {s['model']:24s} -> {s['target']} {s['trigger']:13s} bn {int(s['bn'])}  "
              f"{s['before']}  {s['today']}  {s['candidate']}")
    bn = [s for s in res["sink"] if s["bn"]]
    for w in ("before", "today", "candidate"):
        got = sum(s[w][0] >= 0.5 and s[w][1] == s["target"] for s in res["sink"])
        got_bn = sum(s[w][0] >= 0.5 and s[w][1] == s["target"] for s in bn)
        lowered = sum(s[w][2] < 0 for s in bn)
        print(f"  flagged at their target, {w}: {got} of {len(res['sink'])}; BatchNorm heads "
              f"{got_bn} of {len(bn)} (flagged at all {sum(s[w][0] >= 0.5 for s in bn)}, "
              f"lowered by the term {lowered})")
    for f in res["families"]:
        t, c = f["today"], f["candidate"]
        print(f"  {f['family']:14s} n {t['n']:3d} bd {t['n_bd']:3d}  CE {t['ce']:.3f} -> "
              f"{c['ce']:.3f}")
    print(f"worst family by CE: today {res['worst']['today']}, candidate "
          f"{res['worst']['candidate']} (at most 0.30: {res['worst_at_most_0.30']}); with clean "
          f"and backdoored models: {res['worst_rated']}")
    print_verdict(res, "rule76", fl, "the trait sets", "no fresh GAP head read apart")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, help="with --lofo / --lopo: the file without the term")
    ap.add_argument("--today", type=Path, default=SHIPPED, help="today's file (with the term)")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    ap.add_argument("--lofo", action="store_true", help="each family held out")
    ap.add_argument("--lopo", action="store_true", help="each population held out")
    ap.add_argument("--write", type=Path, help="--today plus the trait sets fitted on --rows")
    ap.add_argument("--rule76", metavar="LABELS", help="comma-separated fresh labels")
    ap.add_argument("--candidate", type=Path, help="with --rule76: the candidate file")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not args.rows:
        fail("give at least one --rows LABEL=RUNS[,TRUTH]")
    for path in (args.today, args.base, args.candidate):
        if path is not None and not path.is_file():
            fail(f"no calibration file {path}")
    from trojanscope.detect.blend_sink import TERM
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    rows = [r for spec in args.rows for r in read_rows(spec)]
    today = load_calibrators(args.today)
    if f"{SCORER}:{TERM}" not in today:
        fail(f"{args.today}: no {SCORER}:{TERM} entry to refine")
    result: dict = {}
    if args.lofo or args.lopo:
        if args.base is None:
            fail("--lofo / --lopo need --base (the file without the term)")
        base = load_calibrators(args.base)
        gap = gap_rows(rows)
        if args.lofo:
            result["lofo"] = lofo(gap, base, pair=pair_of(base))
            print_lofo(result["lofo"])
        if args.lopo:
            pops = sorted({r["pop"] for r in gap})
            result["lopo"] = lofo(gap, base, pair=pair_of(base), groups=pops,
                                  within=lambda r, g: r["pop"] == g, union_by="pop")
            print_lofo(result["lopo"], held="population")
    if args.write:
        save_calibrators(with_fine(today, gap_rows(rows)), args.write)
        print(f"wrote {args.write}")
    if args.rule76:
        if args.candidate is None:
            fail("--rule76 needs --candidate FILE")
        fresh = [r for r in rows if r["pop"] in args.rule76.split(",")]
        if not fresh:
            fail(f"--rule76 {args.rule76}: no --rows with those labels")
        before = {k: v for k, v in today.items() if k != f"{SCORER}:{TERM}"}
        result["rule76"] = rule76(fresh, today, load_calibrators(args.candidate), before)
        print_rule76(result["rule76"])
    if args.json and result:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
