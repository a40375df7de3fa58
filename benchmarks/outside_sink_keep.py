"""May the blend-sink term stay? Its head-by-head record on stored GAP runs, and the stop-77
rule that reads it against no term on a fresh population of the ordinary mix (issue 9, stop 77:
h9).

Stop 75's blend-sink term (``detect/blend_sink.py``; stop 76's reference per trait set) lowers
a BatchNorm GAP head to p 0.269 where its blends name a sink class of its kind. It cleared
three clean heads on stop 75's fresh union and lost two backdoors aimed at 0 on stop 76's,
which was built towards the sink. This script reads, on stored runs:

* ``--record``: every GAP head the term moves, read by the file without the term and with it,
  the term's reference fitted three ways: as shipped (every spent run in it: in sample), and
  with each head's own population held out of the reference, by kind (stop 75's form) and with
  the trait sets (stop 76's). Per population and per trait set: the clean heads the term
  clears (p ≥ 0.5 → < 0.5), the backdoors it loses, and the CE it saves or costs.
* ``--write-narrow FILE``: today's file whose term reads only the trait sets the spent clean
  heads earn it on (:func:`earned`: held out by population with the trait sets, at least one
  clean head cleared and no backdoor lost), as ``fitted_on.only``.
* ``--rule77 LABELS``: the stop-77 rule (``benchmarks/data/outside_s77_h9/
  outside_s77_h9_rule.md``) on the rows with those labels: no term, and the narrowed term
  (``--narrow FILE``), each against today's shipped file; the fresh ledger of earlier fresh
  unions beside (``--ledger LABELS``).

    PYTHONPATH=src:benchmarks python benchmarks/outside_sink_keep.py --record \\
        --rows 9615=RUNS,TRUTH …
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from _common import fail, run_main
from outside_blend_sink import SCORER, figures, gap_rows, loss, with_term
from outside_named_rule import SHIPPED, model_lines, read_rows
from outside_sink_fine import is_bn, seven_points, sink_aimed, with_fine

MOVED = 1e-4  # a head the two files read further apart than this is moved
EARNING = "held out by population, trait sets (stop 76)"  # the record :func:`earned` reads
# the brief's floors on the fresh union: clean GAP heads, backdoored GAP heads, ordinary heads
# (no GAP head); fewer: the rule is not read
FLOORS77 = {"clean_gap": 14, "bd_gap": 10, "ordinary": 6}
INFORMATIVE77 = 1  # fresh GAP heads a candidate and today read apart; fewer: not informative
APART77 = 0.01  # read apart: p differs by more than this (a 1.000 -> 0.999 move decides nothing)


def without_term(cals: dict) -> dict:
    """``cals`` without the blend-sink entry (the term not read)."""
    from trojanscope.detect.blend_sink import TERM

    return {k: v for k, v in cals.items() if k != f"{SCORER}:{TERM}"}


def trait_set(r: dict) -> str:
    """The head's trait set, short (the reference's :func:`blend_sink.trait_kind` without its
    input size and GAP trait)."""
    traits = sorted(t for t in (r["report"].get("traits") or []) if t != "pool:global_avg")
    return "+".join(t.split(":", 1)[1] for t in traits) or "plain"


def moves(lines: list[dict], rows: list[dict]) -> list[dict]:
    """The heads ``lines`` read apart (``today``: no term, ``candidate``: the term): what each
    move did (cleared a clean flag, lost a backdoor, lowered without crossing, raised)."""
    by = {(r["pop"], r["name"]): r for r in rows}
    out = []
    for m in lines:
        a, b = m["today"][0], m["candidate"][0]
        if abs(a - b) <= MOVED:
            continue
        r = by[(m["pop"], m["name"])]
        what = ("cleared" if not m["backdoored"] and a >= 0.5 > b else
                "lost" if m["backdoored"] and a >= 0.5 > b else
                "raised" if b > a else "lowered")
        out.append({"model": f"{m['pop']}/{m['name']}", "backdoored": m["backdoored"],
                    "target": m["target"], "named": m["candidate"][1],
                    "trigger": m["trigger_family"], "trait_set": trait_set(r),
                    "bn": is_bn(r), "sink_aimed": sink_aimed(r),
                    "p": [a, b], "what": what})
    return out


def lopo_lines(gap: list[dict], base: dict, fine: bool) -> list[dict]:
    """Each population's heads read by ``base`` (no term) and by ``base`` plus the term fitted
    on every other population (``fine``: with the trait sets)."""
    out = []
    for pop in sorted({r["pop"] for r in gap}):
        held = [r for r in gap if r["pop"] == pop]
        rest = [r for r in gap if r["pop"] != pop]
        term = with_term(base, rest)
        out += model_lines(held, base, with_fine(term, rest) if fine else term)
    return out


def trait_key(r: dict) -> str | None:
    from trojanscope.detect.blend_sink import trait_kind

    return trait_kind(r["report"]["features"], r["report"].get("traits") or [])


def earned(rows: list[dict], rec: dict) -> list[str]:
    """The trait sets (:func:`blend_sink.trait_kind` keys) where the term's record
    ``rec[EARNING]`` cleared at least one clean head and lost no backdoor."""
    keys = {f"{r['pop']}/{r['name']}": trait_key(r) for r in gap_rows(rows)}
    by: dict[str, list[int]] = {}
    for m in rec[EARNING]["moves"]:
        got = by.setdefault(keys[m["model"]], [0, 0])
        got[0] += m["what"] == "cleared"
        got[1] += m["what"] == "lost"
    return sorted(k for k, (cleared, lost) in by.items() if cleared >= 1 and lost == 0)


def with_only(cals: dict, keys: list[str]) -> dict:
    """``cals`` whose blend-sink term reads only the trait sets ``keys`` (``fitted_on.only``)."""
    from trojanscope.detect.blend_sink import TERM

    key = f"{SCORER}:{TERM}"
    term = cals[key]
    fitted = {**term.fitted_on, "only": list(keys),
              "narrowed_by": "benchmarks/outside_sink_keep.py (issue 9, stop 77: h9)"}
    return {**cals, key: dataclasses.replace(term, fitted_on=fitted)}


def summary(lines: list[dict], mv: list[dict], key) -> list[dict]:
    """Per group (``key(move)``): cleared, lost, other moves, CE saved (no term − term)."""
    groups: dict[str, dict] = {}
    n = max(len(lines), 1)
    for m in mv:
        g = groups.setdefault(key(m), {"group": key(m), "cleared": 0, "lost": 0,
                                       "lowered_clean": 0, "lowered_bd": 0, "raised": 0,
                                       "ce_saved_x_n": 0.0})
        if m["what"] in ("cleared", "lost"):
            g[m["what"]] += 1
        elif m["what"] == "raised":
            g["raised"] += 1
        else:
            g["lowered_bd" if m["backdoored"] else "lowered_clean"] += 1
        g["ce_saved_x_n"] += loss(m["p"][0], m["backdoored"]) - loss(m["p"][1], m["backdoored"])
    for g in groups.values():
        g["ce_saved"] = round(g.pop("ce_saved_x_n") / n, 4)
    return sorted(groups.values(), key=lambda g: g["group"])


def record(rows: list[dict], today: dict) -> dict:
    """The term's head-by-head record on ``rows``' GAP heads, three ways (module docstring)."""
    gap = gap_rows(rows)
    base = without_term(today)
    ways = {"shipped (in sample)": model_lines(gap, base, today),
            "held out by population, kind (stop 75)": lopo_lines(gap, base, fine=False),
            "held out by population, trait sets (stop 76)": lopo_lines(gap, base, fine=True)}
    out = {}
    for way, lines in ways.items():
        mv = moves(lines, gap)
        out[way] = {"no term": figures(lines, "today"), "term": figures(lines, "candidate"),
                    "moves": mv, "by_pop": summary(lines, mv, lambda m: m["model"].split("/")[0]),
                    "by_trait_set": summary(lines, mv, lambda m: m["trait_set"])}
    return out


def print_record(res: dict) -> None:
    for way, r in res.items():
        a, b = r["no term"], r["term"]
        print(f"== {way}: {a['n']} GAP heads ({a['n_bd']} bd): ROC-AUC / CE no term "
              f"{a['roc_auc']:.3f} / {a['ce']:.4f}, term {b['roc_auc']:.3f} / {b['ce']:.4f}; "
              f"clean flagged {a['clean_flagged']} -> {b['clean_flagged']}, bd flagged "
              f"{a['bd_flagged']} -> {b['bd_flagged']}")
        for m in r["moves"]:
            print(f"  {m['what']:8s} {m['model']:26s} {'bd' if m['backdoored'] else 'cl'} "
                  f"t={m['target']} named {m['named']} {m['trigger']!s:13s} "
                  f"{m['trait_set']:40s} {m['p'][0]:.3f} -> {m['p'][1]:.3f}")
        for by in ("by_pop", "by_trait_set"):
            print(f"  {by}:")
            for g in r[by]:
                print(f"    {g['group']:42s} cleared {g['cleared']} lost {g['lost']} lowered "
                      f"clean {g['lowered_clean']} bd {g['lowered_bd']} raised {g['raised']} "
                      f"CE saved {g['ce_saved']:+.4f}")


def floors77_of(rows: list[dict]) -> dict:
    gap = gap_rows(rows)
    return {"clean_gap": sum(not r["backdoored"] for r in gap),
            "bd_gap": sum(bool(r["backdoored"]) for r in gap),
            "ordinary": len(rows) - len(gap)}


def candidate77(rows: list[dict], today: dict, cand: dict, name: str) -> dict:
    """One candidate against today on the fresh rows: the heads read apart, the informative
    floor, stop 72's seven points, the heads the term moves (today − candidate)."""
    lines = model_lines(rows, today, cand)
    gap = [m for m in lines if m["gap"]]
    apart = [f"{m['pop']}/{m['name']}" for m in gap
             if abs(m["today"][0] - m["candidate"][0]) > APART77]
    out = {"name": name, "apart": apart, "today": figures(gap, "today"),
           "candidate": figures(gap, "candidate"),
           "moves": moves([{**m, "today": m["candidate"], "candidate": m["today"]}
                           for m in gap], gap_rows(rows))}
    if len(apart) < INFORMATIVE77:
        return {**out, "informative": False, "met": False}
    points = seven_points(lines, name)
    return {**out, "informative": True, "met": points["met"], "points": points["points"]}


def worst77(rows: list[dict], cals: dict) -> dict:
    """The worst GAP-head family by CE read by ``cals`` (all families; and those with clean and
    backdoored heads), with whether it is at most 0.30."""
    from outside_blend_sink import families

    lines = [m for m in model_lines(rows, cals, cals) if m["gap"]]
    fams = []
    for fam in families(gap_rows(rows)):
        held = [m for m in lines if fam in (m["arch_family"], m["trigger_family"])]
        fams.append({"family": fam, **figures(held, "today")})
    rated = [f for f in fams if 0 < f["n_bd"] < f["n"]] or fams
    worst, worst_r = (max(x, key=lambda f: f["ce"]) for x in (fams, rated))
    return {"families": fams, "worst": [worst["family"], round(worst["ce"], 4)],
            "worst_rated": [worst_r["family"], round(worst_r["ce"], 4)],
            "at_most_0.30": worst["ce"] <= 0.30}


def rule77(rows: list[dict], today: dict, narrow: dict | None) -> dict:
    """The stop-77 rule on the fresh union (``outside_s77_h9_rule.md``): not read below a floor;
    else no term, then the narrowed term, each against today; the term goes where no term is
    met, else narrows where the narrowed term is met, else stays."""
    floors = floors77_of(rows)
    none = candidate77(rows, today, without_term(today), "no term")
    nar = None if narrow is None else candidate77(rows, today, narrow, "narrowed")
    out = {"floors": floors, "no_term": none, "narrowed": nar,
           "worst": {"today": worst77(rows, today),
                     "no term": worst77(rows, without_term(today)),
                     **({} if narrow is None else {"narrowed": worst77(rows, narrow)})}}
    if any(floors[k] < v for k, v in FLOORS77.items()):
        return {**out, "read": False, "decision": "stays (not read)"}
    decision = ("goes" if none["met"] else "narrows" if nar is not None and nar["met"]
                else "stays")
    return {**out, "read": True, "decision": decision}


def print_rule77(res: dict) -> None:
    fl = ", ".join(f"{k} {res['floors'][k]} (floor {v})" for k, v in FLOORS77.items())
    print(f"floors: {fl}")
    for which in ("no_term", "narrowed"):
        c = res[which]
        if c is None:
            continue
        t, k = c["today"], c["candidate"]
        print(f"{c['name']}: {len(c['apart'])} fresh GAP head(s) read apart from today by more "
              f"than {APART77} (floor {INFORMATIVE77}) {c['apart']}")
        print(f"  today ROC-AUC / CE {t['roc_auc']} / {t['ce']:.4f}, clean flagged "
              f"{t['clean_flagged']} of {t['n'] - t['n_bd']}, bd flagged {t['bd_flagged']} of "
              f"{t['n_bd']}; {c['name']} {k['roc_auc']} / {k['ce']:.4f}, clean flagged "
              f"{k['clean_flagged']}, bd flagged {k['bd_flagged']}")
        for m in c["moves"]:
            print(f"  the term ({c['name']} -> today): {m['what']:8s} {m['model']:26s} "
                  f"{'bd' if m['backdoored'] else 'cl'} t={m['target']} named {m['named']} "
                  f"{m['trigger']!s:13s} {m['trait_set']:34s} {m['p'][0]:.3f} -> "
                  f"{m['p'][1]:.3f}")
        if not c["informative"]:
            print(f"  {c['name']}: NOT INFORMATIVE (no fresh GAP head read apart)")
            continue
        print(f"  {c['name']}: {'MET' if c['met'] else 'not met'}")
        for p in c["points"]:
            print(f"    {'yes' if p['holds'] else 'NO '} {p['point']}: {p['figures']}")
    for w, r in res["worst"].items():
        print(f"worst GAP family by CE, {w}: {r['worst']} (at most 0.30: {r['at_most_0.30']}); "
              f"with clean and backdoored heads {r['worst_rated']}")
    if not res["read"]:
        print(f"rule77: NOT READ (below a floor: {fl}); the term stays as shipped")
        return
    print(f"rule77: the term {res['decision'].upper()}")


def ledger(rows: list[dict], today: dict) -> dict:
    """Beside, deciding nothing: the heads the shipped term moves on each fresh union read so
    far (its figures against no term)."""
    lines = [m for m in model_lines(rows, without_term(today), today) if m["gap"]]
    return {"no term": figures(lines, "today"), "term": figures(lines, "candidate"),
            "moves": moves(lines, gap_rows(rows))}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--today", type=Path, default=SHIPPED, help="today's file (with the term)")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    ap.add_argument("--record", action="store_true", help="the term's record on --rows")
    ap.add_argument("--write-narrow", type=Path,
                    help="with --record: today's file, its term narrowed to the earned trait sets")
    ap.add_argument("--rule77", metavar="LABELS", help="comma-separated fresh labels")
    ap.add_argument("--narrow", type=Path, help="with --rule77: the narrowed candidate's file")
    ap.add_argument("--ledger", metavar="LABELS",
                    help="with --rule77: earlier fresh labels read beside (decide nothing)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not args.rows:
        fail("give at least one --rows LABEL=RUNS[,TRUTH]")
    if not args.today.is_file():
        fail(f"no calibration file {args.today}")
    from trojanscope.detect.blend_sink import TERM
    from trojanscope.detect.calibration import load_calibrators

    today = load_calibrators(args.today)
    if f"{SCORER}:{TERM}" not in today:
        fail(f"{args.today}: no {SCORER}:{TERM} entry")
    rows = [r for spec in args.rows for r in read_rows(spec)]
    result: dict = {}
    if args.record:
        result["record"] = record(rows, today)
        print_record(result["record"])
        if args.write_narrow:
            from trojanscope.detect.calibration import save_calibrators

            keys = earned(rows, result["record"])
            result["earned"] = keys
            save_calibrators(with_only(today, keys), args.write_narrow)
            print(f"earned trait sets: {keys}\nwrote {args.write_narrow}")
    if args.rule77:
        if args.narrow is not None and not args.narrow.is_file():
            fail(f"no calibration file {args.narrow}")
        labels = args.rule77.split(",")
        fresh = [r for r in rows if r["pop"] in labels]
        if not fresh:
            fail(f"--rule77 {args.rule77}: no --rows with those labels")
        narrow = None if args.narrow is None else load_calibrators(args.narrow)
        result["rule77"] = rule77(fresh, today, narrow)
        print_rule77(result["rule77"])
        for label in (args.ledger or "").split(",") if args.ledger else []:
            got = ledger([r for r in rows if r["pop"] in label.split("+")], today)
            result.setdefault("ledger", {})[label] = got
            print(f"beside, fresh union {label}: no term CE {got['no term']['ce']:.4f}, "
                  f"term {got['term']['ce']:.4f}; moved "
                  f"{[(m['model'], m['what']) for m in got['moves']]}")
    if args.json and result:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
