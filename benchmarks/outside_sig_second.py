"""The SIG bars from two clean heads, not one (issue 9, stop 82: h9sig).

Stops 79-81 shipped the SIG probe's two raise terms with a bar per trait set: its spent clean
heads' largest lead plus a margin (0.15), and stop 81 a raise past the flag by 10 logits per
unit of lead over the bar. Stop 81's fresh worst family was ``gap_cls_relu`` (CE 3.458): one SIG
backdoor whose share lead 0.80 at its target sat under a bar of 0.85, held up by one spent sink
head (9219 ``gap_cls_relu-cl01``, 0.70 at class 0; the kind's next clean heads 0.30). One head
alone sets a bar that every other clean head of its kind stays far under.

The candidate: each trait set's bar read from its **second**-largest clean lead (plus the same
margin), on every spent GAP head, so a lone clean outlier no longer holds the bar up; the slope
past the flag as shipped. Variants (``VARIANTS``) differ in the rank per reading and the margin.

* ``dev``: each variant, each seed held out of the bars (both sides refitted on the other
  seeds: today's rule, the largest lead plus 0.15, against the variant's), and on every row
  (the shipped file against the variant fitted on every spent head); per seed, the worst
  family both ways; ``--write``: the chosen variant on the shipped file;
* ``rule82``: the rule (``benchmarks/data/outside_s82_h9sig/rule.md``) on the fresh runs, once.

    PYTHONPATH=src:benchmarks python benchmarks/outside_sig_second.py dev --write FILE
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import fail, read_jsonl, run_main

DATA = Path(__file__).parent / "data"
S81 = DATA / "outside_s81_h9sig"
FRESH81 = ("zoo-9225", "zoo-9623")  # stop 81's fresh heads, now spent
MARGIN = 0.15  # the shipped bars' margin
SLOPE = 10.0  # the shipped raise past the flag (stop 81)
VARIANTS = {  # name: (rank of the phase reading's bar, rank of the share reading's, margin)
    "refit (largest)": (1, 1, 0.15),
    "second head, both": (2, 2, 0.15),
    "second head, share": (1, 2, 0.15),
    "second head, both, margin 0.20": (2, 2, 0.20),
    "second head, share, margin 0.20": (1, 2, 0.20),
}
CHOSEN = "second head, share"  # the candidate the rule reads (dev82.txt)
BY = "benchmarks/outside_sig_second.py (issue 9, stop 82: h9sig)"
FLOORS82 = {"bd_sig": 5, "bd_sig_cls_relu": 2, "clean": 8, "clean_cls_relu": 2,
            "clean_cnn": 2, "clean_leaky": 2}  # the rule file's floors
GOAL = 0.10  # the least the worst family's CE must fall by (the rule file)
FAMILY_ROOM = 0.05  # the most CE any family may lose under the candidate (the rule file)


def spent_rows() -> list[dict]:
    """Every spent GAP head read with the probe: stop 81's development heads and its fresh
    runs of 9225 and 9623, now spent."""
    from outside_blend_sink import gap_rows
    from outside_named_rule import read_rows
    from outside_sig_beyond import spent_rows as spent81

    rows = spent81()
    for z in FRESH81:
        rows += gap_rows(read_rows(f"{z[4:]}={S81}/detect_{z}_runs.jsonl.gz,"
                                   f"{S81}/{z}_truth.json.gz"))
    return rows


def fitted(today: dict, rows: list[dict], variant: tuple[int, int, float]) -> dict:
    """``today`` with both SIG terms' bars refitted on ``rows`` (each reading's bar from its
    ``rank``-th largest clean lead plus the margin) and the shipped slope past the flag."""
    from outside_sig_beyond import with_beyond
    from outside_sig_both import with_both

    phase_rank, share_rank, margin = variant
    out = with_both(today, rows, margin, ("sig",), phase_rank)
    out = with_both(out, rows, margin, ("sig-share",), share_rank)
    return with_beyond(out, SLOPE)


def barred(lines: list[dict]) -> list[dict]:
    """The heads of the outside maker's five GAP kinds: the trait sets that hold a SIG bar, so
    the only heads the candidate can move (the fourth maker's kinds hold none)."""
    from outside_sig_both import SIG_KINDS

    return [m for m in lines if m["arch_family"] in SIG_KINDS]


def worst_by_seed(lines: list[dict]) -> list[dict]:
    """Per seed of ``lines``: the worst family of its barred heads (:func:`barred`) both
    ways, and whether it falls by at least :data:`GOAL`."""
    from outside_sig_beyond import summary
    from outside_sig_kinds import seed_of

    out = []
    for g in sorted({seed_of(m) for m in lines}):
        sub = barred([m for m in lines if seed_of(m) == g])
        if not sub:
            continue
        got = summary(sub)
        fam = {f["family"]: f for f in got["families"]}
        name, ce = got["worst"]["today"]
        out.append({"seed": g, **got["worst"],
                    "goal": fam[name]["candidate"]["ce"] <= ce - GOAL + 1e-12
                    and got["worst"]["candidate"][1] <= ce - GOAL + 1e-12})
    return out


def dev(rows: list[dict], today: dict) -> list[dict]:
    """Each variant: each seed held out of the bars (today's rule and the variant both refitted
    on the other seeds), and on every row (the shipped file against the variant fitted on every
    spent head)."""
    from outside_named_rule import model_lines
    from outside_sig_beyond import summary, what
    from outside_sig_kinds import seed_of

    seeds = sorted({seed_of(r) for r in rows})
    base = {g: fitted(today, [r for r in rows if seed_of(r) != g], VARIANTS["refit (largest)"])
            for g in seeds}
    out = []
    for name, variant in VARIANTS.items():
        lines = [m for g in seeds
                 for m in model_lines([r for r in rows if seed_of(r) == g], base[g],
                                      fitted(today, [r for r in rows if seed_of(r) != g],
                                             variant))]
        every = model_lines(rows, today, fitted(today, rows, variant))
        lowered = [f"{m['pop']}/{m['name']} {what(m)} {m['today']} -> {m['candidate']}"
                   for m in lines if m["candidate"][0] < m["today"][0]]
        out.append({"variant": name, "ranks_margin": list(variant), "by_seed": summary(lines),
                    "lowered": lowered,
                    "worst_by_seed": worst_by_seed(lines), "all_rows": summary(every)})
    return out


def print_dev(res: list[dict], rows: list[dict]) -> None:
    from outside_sig_beyond import fmt_read

    n_sig = sum(r["trigger_family"] == "sig" for r in rows)
    print(f"{len(rows)} spent GAP heads ({sum(not r['backdoored'] for r in rows)} clean, "
          f"{n_sig} SIG); {len(res)} variants read")
    for v in res:
        print(f"== {v['variant']} (phase rank, share rank, margin {v['ranks_margin']})")
        print("\n".join(fmt_read(v["by_seed"], "each seed held out")))
        moved = [w for w in v["worst_by_seed"] if w["today"] != w["candidate"]]
        met = [w["seed"] for w in v["worst_by_seed"] if w["goal"]]
        print("     held out, seeds whose barred heads' worst family moved: "
              + (", ".join(f"{w['seed']} {w['today']} -> {w['candidate']}" for w in moved)
                 or "none") + f"; the goal (fall >= {GOAL}) on {len(met)} of "
              f"{len(v['worst_by_seed'])} seeds {met}")
        print("\n".join(fmt_read(v["all_rows"], "every row (shipped -> variant on every row)")))
        for line in v["by_seed"]["raised"]:
            print(f"       held out: {line}")
        for line in v["lowered"]:
            print(f"       held out, lowered: {line}")


def bars_table(rows: list[dict], today: dict) -> list[str]:
    """Each trait set's bars: shipped, and the chosen variant on every spent head."""
    cand = fitted(today, rows, VARIANTS[CHOSEN])
    out = []
    for term in ("sig", "sig-share"):
        now = today[f"auto:{term}"].fitted_on["kinds"]
        new = cand[f"auto:{term}"].fitted_on["kinds"]
        for k in sorted(set(now) | set(new)):
            a, b = now.get(k, {}), new.get(k, {})
            out.append(f"{term:9s} {k.split(':', 1)[1]:70s} shipped n {a.get('n_clean')} "
                       f"{a.get('lead')}  ->  n {b.get('n_clean')} {b.get('lead')}")
    return out


def candidate_file(today: dict, rows: list[dict]) -> dict:
    """The chosen variant on the shipped file: both SIG terms' bars refitted on every spent
    head, the provenance kept (``second_s82``)."""
    from trojanscope.detect.calibration import Calibrator

    cand = fitted(today, rows, VARIANTS[CHOSEN])
    out = dict(today)
    for key, entry in cand.items():
        if not (key.endswith(":sig") or key.endswith(":sig-share")):
            continue
        got = json.loads(json.dumps(entry.fitted_on))
        got.pop("beyond_s81", None)
        old = today[key].fitted_on
        phase_rank, share_rank, margin = VARIANTS[CHOSEN]
        got.update({"fitted_by": BY, "margin": margin,
                    "rank": phase_rank if key.endswith(":sig") else share_rank,
                    "beyond": old["beyond"], "beyond_s81": old["beyond_s81"],
                    "before_s82": {"fitted_by": old["fitted_by"], "n_clean": old["n_clean"]}})
        out[key] = Calibrator(method=entry.method, features=list(entry.features),
                              coef=list(entry.coef), intercept=entry.intercept, fitted_on=got,
                              mean=entry.mean, scale=entry.scale, transform=entry.transform)
    return out


def floors82_of(lines: list[dict]) -> dict:
    """The rule's floors: SIG backdoors on the kinds with a SIG bar (of them on
    ``gap_cls_relu``), clean GAP heads (of them on the three kinds whose share bar falls)."""
    sig = [m for m in barred(lines) if m["trigger_family"] == "sig"]
    clean = [m for m in lines if not m["backdoored"]]
    return {"bd_sig": len(sig),
            "bd_sig_cls_relu": sum(m["arch_family"] == "gap_cls_relu" for m in sig),
            "clean": len(clean),
            "clean_cls_relu": sum(m["arch_family"] == "gap_cls_relu" for m in clean),
            "clean_cnn": sum(m["arch_family"] == "gap_cnn" for m in clean),
            "clean_leaky": sum(m["arch_family"] == "gap_leaky_bn" for m in clean)}


def rule82(rows: list[dict], today: dict, cand: dict, today_cpu: list[float]) -> dict:
    """The stop-82 rule on the fresh GAP heads (the rule file): floors, then every point."""
    from outside_blend_low import CPU_BOUND, fmt
    from outside_sig_beyond import fresh_read, summary

    lines, out = fresh_read(rows, today, cand, today_cpu, floors82_of)
    res, floors, med = out, out["floors"], out["cpu"]
    if any(floors[k] < v for k, v in FLOORS82.items()):
        return {**out, "read": False, "met": False}
    u = res["union"]
    bar = summary(barred(lines))
    fam = {f["family"]: f for f in bar["families"]}
    worst_name, worst_today = bar["worst"]["today"]
    worse = [f"{f['family']} {f['today']['ce']:.3f} -> {f['candidate']['ce']:.3f}"
             for f in res["families"]
             if f["candidate"]["ce"] > f["today"]["ce"] + FAMILY_ROOM + 1e-12]
    points = [
        {"point": f"the goal: the worst family's CE (the heads of the five kinds with a SIG "
                  f"bar) lower by at least {GOAL}: today's worst family under the candidate, "
                  "and the candidate's worst family, both at most today's worst less the goal",
         "holds": (fam[worst_name]["candidate"]["ce"] <= worst_today - GOAL + 1e-12
                   and bar["worst"]["candidate"][1] <= worst_today - GOAL + 1e-12),
         "figures": f"today {bar['worst']['today']}, candidate {bar['worst']['candidate']} "
                    f"(today's worst family under the candidate "
                    f"{fam[worst_name]['candidate']['ce']:.4f})"},
        {"point": "the worst family of every fresh GAP head not higher",
         "holds": res["worst"]["candidate"][1] <= res["worst"]["today"][1] + 1e-12,
         "figures": f"today {res['worst']['today']}, candidate {res['worst']['candidate']}"},
        {"point": "no clean GAP head flagged that today does not flag",
         "holds": not res["clean_flag_added"],
         "figures": f"today {u['today']['clean_flagged']}, candidate "
                    f"{u['candidate']['clean_flagged']} of {floors['clean']}; added "
                    f"{res['clean_flag_added'] or 'none'}"},
        {"point": "none lost (no backdoor today flags brought under 0.5 or named away from its "
                  "target)", "holds": not res["lost"], "figures": f"{res['lost'] or 'none'}"},
        {"point": f"no family's CE higher by more than {FAMILY_ROOM}",
         "holds": not worse, "figures": f"{worse or 'none'}"},
        {"point": f"median CPU within {CPU_BOUND}x today's",
         "holds": None not in med.values() and med["candidate"] <= CPU_BOUND * med["today"],
         "figures": f"today {med['today']} s, candidate {med['candidate']} s"},
    ]
    beside = {"union": f"ROC-AUC / CE {fmt(u['today']['roc_auc'])} / {u['today']['ce']:.3f} -> "
                       f"{fmt(u['candidate']['roc_auc'])} / {u['candidate']['ce']:.3f}",
              "sig_at_target": res["at_target"]}
    return {**out, "read": True, "met": all(p["holds"] for p in points), "points": points,
            "beside": beside}


def print_rule82(res: dict) -> None:
    from outside_sig_beyond import print_rule81

    print_rule81(res, FLOORS82, "rule82", "the candidate's bars")
    if res.get("beside"):
        print(f"  beside: {res['beside']}")


def main(argv: list[str] | None = None) -> None:
    from outside_named_rule import SHIPPED
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["dev", "bars", "rule82"])
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS,TRUTH",
                    help="rule82: the fresh runs")
    ap.add_argument("--today", type=Path, default=SHIPPED, help="today's calibration file")
    ap.add_argument("--candidate", type=Path, help="rule82: the candidate file")
    ap.add_argument("--today-cpu", action="append", default=[], metavar="RUNS",
                    help="rule82: runs of today's default whose cpu_s give today's median")
    ap.add_argument("--write", type=Path, help="dev: write the candidate (CHOSEN) here")
    ap.add_argument("--json", type=Path, help="the result as JSON")
    args = ap.parse_args(argv)
    today = load_calibrators(args.today)
    if args.mode == "rule82":
        from outside_named_rule import read_rows

        rows = [r for spec in args.rows for r in read_rows(spec)]
        if not rows or args.candidate is None:
            fail("rule82: give --rows LABEL=RUNS,TRUTH and --candidate")
        today_cpu = [r["cpu_s"] for p in args.today_cpu for r in read_jsonl(Path(p))
                     if r.get("cpu_s") is not None]
        res = rule82(rows, today, load_calibrators(args.candidate), today_cpu)
        print_rule82(res)
    elif args.mode == "bars":
        print("\n".join(bars_table(spent_rows(), today)))
        return
    else:
        rows = spent_rows()
        res = dev(rows, today)
        print_dev(res, rows)
        if args.write:
            save_calibrators(candidate_file(today, rows), args.write)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, default=str) + "\n")


if __name__ == "__main__":
    run_main(main)
