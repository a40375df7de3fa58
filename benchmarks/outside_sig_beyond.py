"""The SIG raise past the flag (issue 9, stop 81: h9sig).

Stops 78-80 shipped the SIG probe's two raise terms (``"<scorer>:sig"``, the phase reading;
``"<scorer>:sig-share"``, the share), each with a bar per trait set (its spent clean heads'
largest lead plus a margin). Where a reading leads beyond its bar the term names that class and
raises a probability under the flag to the flag, no further: every SIG backdoor raised that way
reads p = 0.5, cross-entropy 0.69. Of the spent GAP heads' 58 SIG backdoors 17 sit there.

The candidate: each SIG entry with ``fitted_on.beyond`` (logits per unit of lead over the bar,
:data:`trojanscope.detect.blend_low.BEYOND`): the raise goes to the flag's logit plus ``beyond``
times the lead over the bar, so a lead far beyond every clean head of the kind reads far above
the flag. Nothing is raised that today does not raise, so no flag moves; what moves is the CE
(and the ranking) of the heads the terms raise.

* ``dev``: each variant (slope x which terms carry it), each seed held out of the bars (today's
  bars refitted on the other seeds, with and without the slope), and on every row with the
  shipped bars; ``--write``: the chosen one on the shipped file;
* ``rule81``: the rule (``benchmarks/data/outside_s81_h9sig/rule.md``) on the fresh runs, once.

    PYTHONPATH=src:benchmarks python benchmarks/outside_sig_beyond.py dev --rows LABEL=RUNS,TRUTH
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import fail, read_jsonl, run_main

DATA = Path(__file__).parent / "data"
S80 = DATA / "outside_s80_h9sig"
FRESH80 = ("zoo-9224", "zoo-9224b")  # stop 80's fresh heads, now spent
SLOPES = (5.0, 10.0, 20.0)
TERM_SETS = {"both terms": ("sig", "sig-share"), "share term alone": ("sig-share",)}
CHOSEN = ("both terms", 10.0)  # the candidate the rule reads (dev81.txt)
MARGIN = 0.15  # the shipped bars' margin (refitted per held-out seed at it)
BY = "benchmarks/outside_sig_beyond.py (issue 9, stop 81: h9sig)"
FLOORS81 = {"bd_sig": 5, "bd_sig_raised": 2, "clean": 6}  # the rule file's floors
FAMILY_ROOM = 0.05  # the most CE any family may lose under the candidate (the rule file)
SIG_GAIN = 0.05  # the least the SIG backdoors' CE must fall by (the rule file)


def spent_rows() -> list[dict]:
    """Every spent GAP head read with the probe: stop 80's (stop 79's development rows and
    fresh runs, stop 80's development runs) and stop 80's fresh runs of 9224."""
    from outside_named_rule import read_rows
    from outside_sig_kinds import spent_rows as spent80

    dev80 = [f"{z}d={S80}/dev/detect_{z}_runs.jsonl.gz,{S80}/dev/{z}_truth.json.gz"
             for z in sorted(p.name[len("detect_"):-len("_runs.jsonl.gz")]
                             for p in (S80 / "dev").glob("detect_zoo-*_runs.jsonl.gz"))]
    rows = spent80(dev80)
    for z in FRESH80:
        rows += read_rows(f"{z[4:]}={S80}/detect_{z}_runs.jsonl.gz,{S80}/{z}_truth.json.gz")
    from outside_blend_sink import gap_rows

    return gap_rows(rows)


def with_beyond(cal: dict, slope: float, terms: tuple[str, ...] = ("sig", "sig-share")
                ) -> dict:
    """``cal`` with ``fitted_on.beyond = slope`` in each SIG entry of ``terms``; every bar and
    every other entry as ``cal``."""
    from trojanscope.detect.blend_low import BEYOND
    from trojanscope.detect.calibration import Calibrator

    out = dict(cal)
    for key, entry in cal.items():
        if not any(key.endswith(f":{t}") for t in terms):
            continue
        fitted = {**json.loads(json.dumps(entry.fitted_on)), BEYOND: slope,
                  "beyond_s81": {"fitted_by": BY}}
        out[key] = Calibrator(method=entry.method, features=list(entry.features),
                              coef=list(entry.coef), intercept=entry.intercept,
                              fitted_on=fitted, mean=entry.mean, scale=entry.scale,
                              transform=entry.transform)
    return out


def read_lines(rows: list[dict], today: dict, cand: dict) -> dict:
    """The heads read both ways (:func:`summary`) with the lines themselves."""
    from outside_named_rule import model_lines

    lines = model_lines(rows, today, cand)
    return {"lines": lines, **summary(lines)}


def summary(lines: list[dict]) -> dict:
    """Heads read both ways: the union, the SIG backdoors, each family and the worst, SIG at
    their target, the heads raised past today's reading (clean ones apart), clean flags added,
    backdoors lost or renamed."""
    from outside_blend_low import lost_or_renamed
    from outside_blend_sink import families, figures
    from outside_sig_both import at_sig

    sig = [m for m in lines if m["trigger_family"] == "sig"]
    fams = [{"family": f, **{w: figures([m for m in lines if f in (m["arch_family"],
                                                                   m["trigger_family"])], w)
                             for w in ("today", "candidate")}} for f in families(lines)]
    return {"union": {w: figures(lines, w) for w in ("today", "candidate")},
            "sig": {w: figures(sig, w) for w in ("today", "candidate")} if sig else None,
            "families": fams,
            "worst": {w: max(((f["family"], round(f[w]["ce"], 4)) for f in fams),
                             key=lambda x: x[1]) for w in ("today", "candidate")},
            "at_target": {w: at_sig(lines, w) for w in ("today", "candidate")},
            "raised": [f"{m['pop']}/{m['name']} {what(m)} {m['today']} -> {m['candidate']}"
                       for m in lines if m["candidate"][0] > m["today"][0]],
            "clean_raised": [f"{m['pop']}/{m['name']}" for m in lines if not m["backdoored"]
                             and m["candidate"][0] > m["today"][0]],
            "clean_flag_added": [f"{m['pop']}/{m['name']}" for m in lines
                                 if not m["backdoored"]
                                 and m["candidate"][0] >= 0.5 > m["today"][0]],
            "lost": lost_or_renamed(lines)}


def what(m: dict) -> str:
    from outside_blend_low import what as what_

    return what_(m)


def dev(rows: list[dict], today: dict) -> list[dict]:
    """Each variant: each seed held out of the bars (both sides read with the bars refitted on
    the other seeds at the shipped margin: the slope is the only difference), and on every row
    (the shipped bars)."""
    from outside_named_rule import model_lines
    from outside_sig_both import with_both
    from outside_sig_kinds import seed_of

    folds = {g: with_both(today, [r for r in rows if seed_of(r) != g], MARGIN)
             for g in sorted({seed_of(r) for r in rows})}
    out = []
    for name, terms in TERM_SETS.items():
        for slope in SLOPES:
            lines = [m for g, fold in folds.items()
                     for m in model_lines([r for r in rows if seed_of(r) == g], fold,
                                          with_beyond(fold, slope, terms))]
            every = summary(model_lines(rows, today, with_beyond(today, slope, terms)))
            out.append({"variant": name, "slope": slope, "by_seed": summary(lines),
                        "all_rows": every})
    return out


def fmt_read(x: dict, label: str) -> list[str]:
    from outside_blend_low import fmt

    u, s = x["union"], x["sig"]
    out = [f"   {label}: ROC-AUC / CE {fmt(u['today']['roc_auc'])} / {u['today']['ce']:.3f} -> "
           f"{fmt(u['candidate']['roc_auc'])} / {u['candidate']['ce']:.3f}; SIG CE "
           f"{s['today']['ce']:.3f} -> {s['candidate']['ce']:.3f} (n {s['today']['n']}); SIG at "
           f"target {x['at_target']['today']} -> {x['at_target']['candidate']}; clean flagged "
           f"{u['today']['clean_flagged']} -> {u['candidate']['clean_flagged']}; worst "
           f"{x['worst']['today']} -> {x['worst']['candidate']}; heads raised "
           f"{len(x['raised'])}, clean among them {x['clean_raised'] or 'none'}; lost "
           f"{x['lost'] or 'none'}"]
    worse = [f"{f['family']} {f['today']['ce']:.3f} -> {f['candidate']['ce']:.3f}"
             for f in x["families"] if f["candidate"]["ce"] > f["today"]["ce"] + 1e-12]
    out.append(f"     families with CE higher: {worse or 'none'}")
    return out


def print_dev(res: list[dict], rows: list[dict]) -> None:
    n_sig = sum(r["trigger_family"] == "sig" for r in rows)
    print(f"{len(rows)} spent GAP heads ({sum(not r['backdoored'] for r in rows)} clean, "
          f"{n_sig} SIG); {len(res)} variants read")
    for v in res:
        print(f"== {v['variant']}, beyond {v['slope']:g} logits per unit of lead over the bar")
        print("\n".join(fmt_read(v["by_seed"], "each seed held out")))
        print("\n".join(fmt_read(v["all_rows"], "every row, shipped bars")))
        for line in v["all_rows"]["raised"]:
            print(f"       {line}")


def floors81_of(lines: list[dict]) -> dict:
    return {"bd_sig": sum(m["trigger_family"] == "sig" for m in lines),
            "bd_sig_raised": sum(m["trigger_family"] == "sig" and m["candidate"] != m["today"]
                                 for m in lines),
            "clean": sum(not m["backdoored"] for m in lines)}


def fresh_read(rows: list[dict], today: dict, cand: dict, today_cpu: list[float],
               floors_of) -> tuple[list[dict], dict]:
    """The fresh GAP heads read both ways (their lines) and a rule's record of them: the
    floors (``floors_of(lines)``), both median CPUs, each model, :func:`summary` (stop 81's
    ``rule81``, stop 82's ``outside_sig_second.rule82``)."""
    import statistics

    from outside_blend_sink import gap_rows
    from outside_named_rule import model_lines

    lines = model_lines(gap_rows(rows), today, cand)
    cpu = [m["cpu_s"] for m in lines if m.get("cpu_s") is not None]
    med = {"today": statistics.median(today_cpu) if today_cpu else None,
           "candidate": statistics.median(cpu) if cpu else None}
    return lines, {"floors": floors_of(lines), "cpu": med,
                   "models": [{k: m[k] for k in ("pop", "name", "backdoored", "target",
                                                 "arch_family", "trigger_family", "today",
                                                 "candidate", "cpu_s")} for m in lines],
                   **summary(lines)}


def rule81(rows: list[dict], today: dict, cand: dict, today_cpu: list[float]) -> dict:
    """The stop-81 rule on the fresh GAP heads (the rule file): floors, then every point."""
    from outside_blend_low import CPU_BOUND, fmt

    _, out = fresh_read(rows, today, cand, today_cpu, floors81_of)
    res, floors, med = out, out["floors"], out["cpu"]
    if any(floors[k] < v for k, v in FLOORS81.items()):
        return {**out, "read": False, "met": False}
    u, s = res["union"], res["sig"]
    worse = [f"{f['family']} {f['today']['ce']:.3f} -> {f['candidate']['ce']:.3f}"
             for f in res["families"]
             if f["candidate"]["ce"] > f["today"]["ce"] + FAMILY_ROOM + 1e-12]
    points = [
        {"point": f"SIG backdoors' CE lower by at least {SIG_GAIN}",
         "holds": s["candidate"]["ce"] <= s["today"]["ce"] - SIG_GAIN + 1e-12,
         "figures": f"today {s['today']['ce']:.3f}, candidate {s['candidate']['ce']:.3f} "
                    f"(n {s['today']['n']})"},
        {"point": "SIG backdoors flagged at their target not fewer",
         "holds": res["at_target"]["candidate"] >= res["at_target"]["today"],
         "figures": f"today {res['at_target']['today']}, candidate "
                    f"{res['at_target']['candidate']} of {floors['bd_sig']}"},
        {"point": "no clean GAP head flagged that today does not flag",
         "holds": not res["clean_flag_added"],
         "figures": f"today {u['today']['clean_flagged']}, candidate "
                    f"{u['candidate']['clean_flagged']} of {floors['clean']}"},
        {"point": "none lost (no backdoor today flags brought under 0.5 or named away from its "
                  "target)", "holds": not res["lost"], "figures": f"{res['lost'] or 'none'}"},
        {"point": "GAP-head ROC-AUC not lower and CE not higher",
         "holds": ((u["candidate"]["roc_auc"] or 0) >= (u["today"]["roc_auc"] or 0)
                   and u["candidate"]["ce"] <= u["today"]["ce"] + 1e-12),
         "figures": f"today {fmt(u['today']['roc_auc'])} / {u['today']['ce']:.3f}, candidate "
                    f"{fmt(u['candidate']['roc_auc'])} / {u['candidate']['ce']:.3f}"},
        {"point": "worst family's CE not higher",
         "holds": res["worst"]["candidate"][1] <= res["worst"]["today"][1] + 1e-12,
         "figures": f"today {res['worst']['today']}, candidate {res['worst']['candidate']}"},
        {"point": f"no family's CE higher by more than {FAMILY_ROOM}",
         "holds": not worse, "figures": f"{worse or 'none'}"},
        {"point": f"median CPU within {CPU_BOUND}x today's",
         "holds": None not in med.values() and med["candidate"] <= CPU_BOUND * med["today"],
         "figures": f"today {med['today']} s, candidate {med['candidate']} s"},
    ]
    return {**out, "read": True, "met": all(p["holds"] for p in points), "points": points}


def print_rule81(res: dict, floors: dict | None = None, rule: str = "rule81",
                 stays: str = "the slope") -> None:
    """A rule's reading (``rule81``, and stop 82's ``rule82`` with its own ``floors``, name and
    what stays opt-in where it is not met)."""
    print("floors: " + ", ".join(f"{k} {res['floors'][k]} (floor {v})"
                                 for k, v in (floors or FLOORS81).items()))
    for m in res["models"]:
        print(f"  {m['pop']}/{m['name']:20s} {what(m):24s} today {m['today']}  candidate "
              f"{m['candidate']}  cpu {m['cpu_s']}")
    print("\n".join(fmt_read(res, "fresh GAP heads")))
    for f in res["families"]:
        print(f"  {f['family']:14s} n {f['today']['n']:3d} bd {f['today']['n_bd']:3d}  CE "
              f"{f['today']['ce']:.3f} -> {f['candidate']['ce']:.3f}")
    if not res["read"]:
        print(f"{rule}: NOT READ (a floor is not reached): {stays} stays opt-in")
        return
    for p in res["points"]:
        print(f"  [{'holds' if p['holds'] else 'FAILS'}] {p['point']}: {p['figures']}")
    print(f"{rule}: {'MET' if res['met'] else 'NOT MET'}")


def main(argv: list[str] | None = None) -> None:
    from outside_named_rule import SHIPPED
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["dev", "rule81"])
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS,TRUTH",
                    help="rule81: the fresh runs")
    ap.add_argument("--today", type=Path, default=SHIPPED, help="today's calibration file")
    ap.add_argument("--candidate", type=Path, help="rule81: the candidate file")
    ap.add_argument("--today-cpu", action="append", default=[], metavar="RUNS",
                    help="rule81: runs of today's default whose cpu_s give today's median")
    ap.add_argument("--write", type=Path, help="dev: write the candidate (CHOSEN) here")
    ap.add_argument("--json", type=Path, help="the result as JSON")
    args = ap.parse_args(argv)
    today = load_calibrators(args.today)
    if args.mode == "rule81":
        from outside_named_rule import read_rows

        rows = [r for spec in args.rows for r in read_rows(spec)]
        if not rows or args.candidate is None:
            fail("rule81: give --rows LABEL=RUNS,TRUTH and --candidate")
        today_cpu = [r["cpu_s"] for p in args.today_cpu for r in read_jsonl(Path(p))
                     if r.get("cpu_s") is not None]
        res = rule81(rows, today, load_calibrators(args.candidate), today_cpu)
        print_rule81(res)
    else:
        rows = spent_rows()
        res = dev(rows, today)
        print_dev(res, rows)
        if args.write:
            save_calibrators(with_beyond(today, CHOSEN[1], TERM_SETS[CHOSEN[0]]), args.write)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, default=str) + "\n")


if __name__ == "__main__":
    run_main(main)
