"""Two calibration files read side by side on stored runs, term by term (issue 9, stop 71: h9r).

Stop 71 shipped C7 (the named-check veto read against the model's noise favourite,
``bias_class``) after a rule read on a union where no backdoor was aimed at that class. This
reads the risk side: every stored report (``--rows``, as :mod:`outside_named_rule` reads them:
as its run read it) scored by ``--first`` (default: the shipped file, today's C7) and by
``--second`` (e.g. C5, the shipped file without C7's two keys), and prints per GAP-head model
the probability and named class both ways, the model's noise favourite, the named class's stand,
the blend lead, and the logits each way's terms added (the named check's veto, its blend raise,
the raise terms such as the frame probe's, ``raise_logit``), then the backdoors the first loses
that the second catches, the clean models each flags, and ROC-AUC / CE both ways (whole and per
family). Measurement only: it decides nothing. ``--json`` writes the per-model lines and
the figures.

    PYTHONPATH=src:benchmarks python benchmarks/outside_c7_risk.py \\
        --second benchmarks/data/outside_s71_h9r/cal_C5_now.json \\
        --rows 9214=detect9214.jsonl,zoo-9214/truth.json --union
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import fail, run_main
from outside_named_rule import SHIPPED, model_lines, read_rows, scored

FLAG = 0.5
TERMS = ("named_logit", "blend_raise", "raise_logit")  # the veto, its blend raise, raise terms


def side_by_side(rows: list[dict], first: dict, second: dict) -> list[dict]:
    """Each row read by both files: ``a`` (first) and ``b`` (second), each with its p, named
    class and the terms' logits, plus the model's noise favourite (``bias_class``)."""
    a_lines = model_lines(rows, second, first)  # "candidate" = first: its terms recorded
    b_lines = model_lines(rows, first, second)
    out = []
    for r, a, b in zip(rows, a_lines, b_lines, strict=True):
        fav = r["report"]["features"].get("bias_class")
        out.append({**{k: a[k] for k in ("pop", "name", "backdoored", "target", "arch_family",
                                         "trigger_family", "gap", "stand", "blend")},
                    "bias_class": None if fav is None else int(fav),
                    "a": a["candidate"], "b": b["candidate"],
                    "a_terms": [round(float(a[t]), 3) for t in TERMS],
                    "b_terms": [round(float(b[t]), 3) for t in TERMS]})
    return out


def both_ways(lines: list[dict]) -> list[dict]:
    """``lines`` in :func:`outside_named_rule.scored`'s shape: ``today`` = a, ``candidate`` =
    b."""
    return [{**m, "today": m["a"], "candidate": m["b"]} for m in lines]


def who(m: dict) -> str:
    """A model's population and name."""
    return f"{m['pop']}/{m['name']}"


def summary(lines: list[dict], label: str) -> dict:
    """The figures both ways and the models that differ at the flag."""
    gap = [m for m in lines if m["gap"]]
    a, b = (scored(both_ways(gap), w, label) for w in ("today", "candidate"))
    bd = [m for m in gap if m["backdoored"]]
    return {"label": label, "n": len(gap), "n_bd": len(bd),
            "n_bd_at_favourite": sum(m["target"] == m["bias_class"] for m in bd),
            "n_bd_at_8": sum(m["target"] == 8 for m in bd),
            "a": a, "b": b,
            "lost_by_a": [who(m) for m in bd if m["b"][0] >= FLAG > m["a"][0]],
            "lost_by_b": [who(m) for m in bd if m["a"][0] >= FLAG > m["b"][0]],
            "bd_lowered_by_a": [who(m) for m in bd if m["a"][0] < m["b"][0] - 1e-4],
            "clean_flagged": {w: [who(m) for m in gap if not m["backdoored"] and m[w][0] >= FLAG]
                              for w in ("a", "b")},
            "bd_flagged": {w: sum(m[w][0] >= FLAG for m in bd) for w in ("a", "b")},
            "bd_right": {w: sum(m[w][0] >= FLAG and m[w][1] == m["target"] for m in bd)
                         for w in ("a", "b")}}


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def print_summary(s: dict, names: tuple[str, str]) -> None:
    print(f"== {s['label']}: {s['n']} GAP heads ({s['n_bd']} backdoored, "
          f"{s['n_bd_at_8']} aimed at 8, {s['n_bd_at_favourite']} at their own noise favourite)")
    for w, name in zip(("a", "b"), names, strict=True):
        g = s[w]["groups"]
        worst = s[w]["worst"]["any"]
        print(f"  {name:>6}: ROC-AUC / CE {fmt(g['all']['roc_auc'])} / "
              f"{fmt(g['all']['cross_entropy'])}; clean flagged "
              f"{len(s['clean_flagged'][w])} {s['clean_flagged'][w]}; backdoored flagged "
              f"{s['bd_flagged'][w]} (right class {s['bd_right'][w]}) of {s['n_bd']}; worst "
              f"family CE {worst['ce_family']} {fmt(worst['cross_entropy'])}, ROC-AUC "
              f"{worst['auc_family']} {fmt(worst['roc_auc'])}")
    print(f"  backdoors {names[0]} loses that {names[1]} catches: {s['lost_by_a'] or 'none'}")
    print(f"  backdoors {names[1]} loses that {names[0]} catches: {s['lost_by_b'] or 'none'}")
    print(f"  backdoors {names[0]} reads lower than {names[1]}: {s['bd_lowered_by_a'] or 'none'}")
    print("  per family (n (bd)): " + "; ".join(
        f"{k} {v['n']} ({v['n_backdoored']}) {fmt(v['roc_auc'])} / {fmt(v['cross_entropy'])}"
        f" -> {fmt(s['b']['groups'][k]['roc_auc'])} / "
        f"{fmt(s['b']['groups'][k]['cross_entropy'])}"
        for k, v in s["a"]["groups"].items() if k != "all"))


def print_lines(lines: list[dict], names: tuple[str, str]) -> None:
    print(f"  model (pop/name) truth fav | {names[0]} p->cls [veto, blend raise, raise terms] | "
          f"{names[1]} p->cls [...] | stand, blend lead")
    for m in lines:
        truth = f"bd->{m['target']}" if m["backdoored"] else "clean"
        blend = "-" if m["blend"] is None else f"{m['blend'][0]} +{m['blend'][1]:.2f}"
        stand = "-" if m["stand"] is None else f"{m['stand']:.2f}"
        print(f"   {m['pop']}/{m['name']:<20} {truth:<6} {m['bias_class']!s:>2} | "
              f"{m['a'][0]:.3f}->{m['a'][1]} {m['a_terms']} | {m['b'][0]:.3f}->{m['b'][1]} "
              f"{m['b_terms']} | {stand}, {blend}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first", type=Path, default=SHIPPED, help="default: the shipped file")
    ap.add_argument("--second", type=Path, required=True)
    ap.add_argument("--names", default="C7,C5", help="the two files' names, comma-separated")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    ap.add_argument("--union", action="store_true", help="also every population together")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    names = tuple(args.names.split(","))
    if len(names) != 2:
        fail(f"--names must be two names, got {args.names!r}")
    if not args.rows:
        fail("give at least one --rows LABEL=RUNS[,TRUTH]")
    for p in (args.first, args.second):
        if not p.is_file():
            fail(f"no calibration file {p}")
    from trojanscope.detect.calibration import load_calibrators

    first, second = load_calibrators(args.first), load_calibrators(args.second)
    pops = [(spec.partition("=")[0], read_rows(spec)) for spec in args.rows]
    if args.union and len(pops) > 1:
        pops.append(("union", [r for _, rows in pops for r in rows]))
    out = []
    for label, rows in pops:
        lines = side_by_side(rows, first, second)
        s = summary(lines, label)
        print_summary(s, names)
        if label != "union":
            print_lines(lines, names)
        out.append({"summary": {k: v for k, v in s.items() if k not in ("a", "b")},
                    "groups": {w: s[w]["groups"] for w in ("a", "b")}, "lines": lines})
    if args.json:
        args.json.write_text(json.dumps({"names": names, "populations": out}, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
