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
* ``--rule77 LABELS``: the stop-77 rule (``benchmarks/data/outside_s77_h9/
  outside_s77_h9_rule.md``) on the rows with those labels: today's shipped file against the
  same file without the term (and ``--narrow FILE`` beside, if given).

    PYTHONPATH=src:benchmarks python benchmarks/outside_sink_keep.py --record \\
        --rows 9615=RUNS,TRUTH …
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import fail, run_main
from outside_blend_sink import SCORER, figures, gap_rows, with_term
from outside_named_rule import SHIPPED, model_lines, read_rows
from outside_sink_fine import is_bn, sink_aimed, with_fine

MOVED = 1e-4  # a head the two files read further apart than this is moved


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
        from outside_blend_sink import loss
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
                  f"t={m['target']} named {m['named']} {str(m['trigger']):13s} "
                  f"{m['trait_set']:40s} {m['p'][0]:.3f} -> {m['p'][1]:.3f}")
        for by in ("by_pop", "by_trait_set"):
            print(f"  {by}:")
            for g in r[by]:
                print(f"    {g['group']:42s} cleared {g['cleared']} lost {g['lost']} lowered "
                      f"clean {g['lowered_clean']} bd {g['lowered_bd']} raised {g['raised']} "
                      f"CE saved {g['ce_saved']:+.4f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--today", type=Path, default=SHIPPED, help="today's file (with the term)")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    ap.add_argument("--record", action="store_true", help="the term's record on --rows")
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
    if args.json and result:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
