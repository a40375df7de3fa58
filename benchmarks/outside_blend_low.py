"""The blend probe at opacity 0.05 as a raise term on GAP heads, and the stop-77 rule (issue 9,
stop 77: h9g).

Stop 76's fresh GAP population left its worst family to whole-image backdoors every calibration
file reads 0.03-0.27: noise blends and a lowpass pattern on BatchNorm heads, whose blends at
opacity 0.1 reach every class clean heads of the kind also reach (their sink, 0 or 8). At
opacity 0.05 (``detect/blend_low.py``) the clean heads' sink answers far less often. The
candidate is ``"<scorer>:blend-low"``: a raise to the flag, naming the class, where the
low-opacity blends' top class's share and lead are both above every clean GAP head of the spent
seeds by a margin.

* ``rows``: the probe measured on spent zoo models (stored runs joined to their model files)
  and written as runs whose reports carry ``blend_low_share_<c>``;
* ``dev``: the spent rows' clean maxima per kind, the bars, each architecture family, trigger
  family and population held out (bars fitted without it), today against the candidate;
* ``--write FILE``: ``--today`` plus the two entries with the bars fitted on every dev row;
* ``rule77``: the rule (``benchmarks/data/outside_s77_h9g/outside_s77_h9g_rule.md``) on fresh
  runs that recorded the probe.

    PYTHONPATH=src:benchmarks python benchmarks/outside_blend_low.py dev --rows LABEL=RUNS …
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from _common import fail, read_jsonl, run_main
from outside_blend_sink import families, figures, gap_rows, print_verdict
from outside_named_rule import SHIPPED, model_lines, read_rows

SCORERS = ("auto:out-of-coverage", "auto")  # GAP heads are scored by either
MIN_CLEAN = 8  # a trait set's own bar is read from this many spent clean heads
MARGIN = 0.1  # the bars: every spent clean head's largest top share and lead, plus this
WHOLE = ("sig", "noise_blend", "lowpass")  # the brief's whole-image families
# the rule's floors on the fresh union's GAP heads, the informative floor, the CPU bound
FLOORS77 = {"bd_whole": 8, "clean": 8}
INFORMATIVE77 = 1
CPU_BOUND = 1.5


def low_of(r: dict) -> tuple[int, float, float] | None:
    from trojanscope.detect.blend_low import low_lead

    return low_lead(r["report"]["features"])


def bars(rows: list[dict], margin: float = MARGIN, read=low_of, rank: int = 1) -> dict | None:
    """The term's bars from the clean rows' low-opacity readings (``read``: another share-lead
    term's, stop 78): the largest lead of all plus ``margin`` (at most 1), and per trait set
    (``blend_sink.trait_kind``) its clean heads' largest lead plus ``margin``, read where it
    holds ``MIN_CLEAN``; None without such rows. ``rank`` 2 (stop 82): a trait set's bar is its
    second-largest clean lead plus ``margin``, so no one head holds it up alone."""
    from trojanscope.detect.blend_sink import trait_kind

    clean = [(r, x) for r in rows if not r["backdoored"] and (x := read(r)) is not None]
    if not clean:
        return None
    kinds: dict[str, list[float]] = {}
    for r, x in clean:
        key = trait_kind(r["report"]["features"], r["report"].get("traits") or [])
        if key is not None:
            kinds.setdefault(key, []).append(x[2])

    def cap(v: float) -> float:
        return round(min(1.0, v + margin), 4)

    return {"lead": cap(max(x[2] for _, x in clean)), "n_clean": len(clean),
            "min_clean": MIN_CLEAN,
            "kinds": {k: {"n_clean": len(v), "lead": cap(ranked(v, rank))}
                      for k, v in sorted(kinds.items())}}


def ranked(leads: list[float], rank: int) -> float:
    """The ``rank``-th largest of ``leads`` (the smallest where there are fewer)."""
    return sorted(leads, reverse=True)[min(rank, len(leads)) - 1]


def with_low(today: dict, rows: list[dict], margin: float = MARGIN, term: str | None = None,
             read=low_of, by: str = "benchmarks/outside_blend_low.py (issue 9, stop 77: h9g)",
             rank: int = 1) -> dict:
    """``today``'s calibrators plus ``"<scorer>:blend-low"`` (or ``term``, read by ``read``)
    for each scorer it holds, the bars fitted on ``rows`` (``today`` itself where no clean row
    carries the readings)."""
    from trojanscope.detect.blend_low import TERM
    from trojanscope.detect.calibration import Calibrator

    term = term or TERM
    fit = bars(rows, margin, read, rank)
    if fit is None:
        return today
    fitted = {**fit, "margin": margin, "fitted_by": by}
    out = dict(today)
    for s in SCORERS:
        if s in today:
            out[f"{s}:{term}"] = Calibrator(method=f"{s}:{term}", features=[], coef=[],
                                            intercept=0.0, fitted_on=dict(fitted))
    return out


def measure(zoo: Path, name: str, seed: int = 0) -> tuple[dict, float]:
    """The probe's readings on one of our own spent zoo files (loaded in-process: the
    project's own TorchScript, not a user's file) and its CPU seconds."""
    import numpy as np
    import torch

    from trojanscope.data.dataset import TensorDataset
    from trojanscope.detect.base import InspectionTarget
    from trojanscope.detect.blend_low import LOW_ALPHA, LOW_SHARE
    from trojanscope.detect.blend_probe import blend_shares

    t0 = time.process_time()
    model = torch.jit.load(str(zoo / f"{name}.pt")).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    clean = np.load(zoo / "clean.npz")
    data = TensorDataset(torch.tensor(clean["x"], dtype=torch.float32),
                         torch.tensor(clean["y"], dtype=torch.int64),
                         tuple(str(c) for c in range(10)))
    target = InspectionTarget(model, tuple(data.x.shape[1:]), 10, data)
    shares = blend_shares(target, torch.Generator().manual_seed(seed), alpha=LOW_ALPHA)
    return ({f"{LOW_SHARE}{c}": round(float(s), 6) for c, s in enumerate(shares)},
            round(time.process_time() - t0, 2))


def lofo_low(rows: list[dict], today: dict, group, margin: float = MARGIN,
             fit=None, families_: tuple = WHOLE) -> dict:
    """Each group (``group(row)``) held out of the bars: its rows read by today and by the
    candidate fitted on the rest (``fit(today, rows, margin)``: :func:`with_low` by default);
    the union of those readings."""
    fit = fit or with_low
    lines, moved = [], []
    for g in sorted({group(r) for r in rows}):
        held = [r for r in rows if group(r) == g]
        got = model_lines(held, today, fit(today, [r for r in rows if group(r) != g], margin))
        lines += got
        moved += [f"{g}: {m['pop']}/{m['name']} {what(m)} {m['today']} -> {m['candidate']}"
                  for m in got if m["today"] != m["candidate"]]
    return {"union": {w: figures(lines, w) for w in ("today", "candidate")}, "moved": moved,
            "at_target": {w: at_target(lines, w, families_) for w in ("today", "candidate")},
            "lost": lost_or_renamed(lines)}


def what(m: dict) -> str:
    """``bd TRIGGER -> TARGET`` or ``clean``."""
    return f"bd {m['trigger_family']} -> {m['target']}" if m["backdoored"] else "clean"


def at_target(lines: list[dict], which: str, families_: tuple = WHOLE) -> int:
    """Whole-image backdoors flagged at their target, read ``which`` way."""
    return sum(m["backdoored"] and m["trigger_family"] in families_ and m[which][0] >= 0.5
               and m[which][1] == m["target"] for m in lines)


def lost_or_renamed(lines: list[dict]) -> list[str]:
    """Backdoors today flags that the candidate brings under 0.5, or names elsewhere where
    today names their target."""
    return [f"{m['pop']}/{m['name']}" for m in lines if m["backdoored"] and m["today"][0] >= 0.5
            and (m["candidate"][0] < 0.5 or (m["today"][1] == m["target"]
                                              != m["candidate"][1]))]


def dev(rows: list[dict], today: dict, margin: float = MARGIN) -> dict:
    """Development figures on spent rows (module docstring)."""
    kinds: dict[str, list] = {}
    for r in rows:
        if (x := low_of(r)) is not None and not r["backdoored"]:
            kinds.setdefault(r["arch_family"], []).append(x)
    per_kind = {k: {"n": len(v), "max_share": max(x[1] for x in v),
                    "max_lead": max(x[2] for x in v)} for k, v in sorted(kinds.items())}
    bd = []
    for m, r in zip(model_lines(rows, today, with_low(today, rows, margin)), rows, strict=True):
        if m["backdoored"] and (x := low_of(r)) is not None:
            bd.append({"model": f"{m['pop']}/{m['name']}", "trigger": m["trigger_family"],
                       "target": m["target"], "low": [x[0], round(x[1], 3), round(x[2], 3)],
                       "today": m["today"], "candidate": m["candidate"]})
    return {"bars": bars(rows, margin), "margin": margin, "per_kind": per_kind, "backdoors": bd,
            "by_arch": lofo_low(rows, today, lambda r: r["arch_family"], margin),
            "by_trigger": lofo_low(rows, today, lambda r: r["trigger_family"] or "clean",
                                   margin),
            "by_pop": lofo_low(rows, today, lambda r: r["pop"], margin)}


def print_dev(res: dict) -> None:
    b = res["bars"]
    print(f"bars: lead >= {b['lead']} over every spent clean head ({b['n_clean']}; the largest "
          f"lead + {res['margin']}); per trait set with >= {b['min_clean']} clean heads:")
    for k, v in b["kinds"].items():
        print(f"  {k}: n {v['n_clean']} lead >= {v['lead']}"
              + ("" if v["n_clean"] >= b["min_clean"] else " (not read: too few)"))
    for k, v in res["per_kind"].items():
        print(f"  clean {k:14s} n {v['n']:3d}  largest top share {v['max_share']:.3f}, lead "
              f"{v['max_lead']:.3f}")
    print("backdoors (low-opacity top class, share, lead; today; candidate, all rows):")
    for d in res["backdoors"]:
        print(f"  {d['model']:26s} {d['trigger']!s:13s} -> {d['target']}  {d['low']}  "
              f"{d['today']}  {d['candidate']}")
    for key, held in (("by_arch", "architecture family"), ("by_trigger", "trigger family"),
                      ("by_pop", "population")):
        x = res[key]
        u = x["union"]
        print(f"each {held} held out: ROC-AUC / CE today {fmt(u['today']['roc_auc'])} / "
              f"{u['today']['ce']:.3f}, candidate {fmt(u['candidate']['roc_auc'])} / "
              f"{u['candidate']['ce']:.3f}; clean flagged {u['today']['clean_flagged']} -> "
              f"{u['candidate']['clean_flagged']}; backdoors flagged {u['today']['bd_flagged']}"
              f" -> {u['candidate']['bd_flagged']}; whole-image at their target "
              f"{x['at_target']['today']} -> {x['at_target']['candidate']}; lost or renamed "
              f"{x['lost'] or 'none'}")
        for line in x["moved"]:
            print(f"    {line}")


def fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def floors77_of(rows: list[dict]) -> dict:
    gap = gap_rows(rows)
    return {"bd_whole": sum(r["backdoored"] and r["trigger_family"] in WHOLE for r in gap),
            "clean": sum(not r["backdoored"] for r in gap)}


def rule_read(rows: list[dict], today: dict, cand: dict, today_cpu: list[float], at) -> dict:
    """The fresh GAP heads read by today and the candidate (``at(lines, which)``: the rule's own
    count at target): per family, the union, the worst family, median CPU (stops 77-78)."""
    lines = [m for m in model_lines(rows, today, cand) if m["gap"]]
    fams = []
    for fam in families(lines):
        held = [m for m in lines if fam in (m["arch_family"], m["trigger_family"])]
        fams.append({"family": fam, "today": figures(held, "today"),
                     "candidate": figures(held, "candidate")})
    worst = {w: max(fams, key=lambda f: f[w]["ce"]) for w in ("today", "candidate")}
    cpu = [m["cpu_s"] for m in lines if m.get("cpu_s") is not None]
    return {"lines": lines, "families": fams, "union": {w: figures(lines, w) for w in
                                                         ("today", "candidate")},
            "cpu": {"candidate": statistics.median(cpu) if cpu else None,
                    "today": statistics.median(today_cpu) if today_cpu else None},
            "apart": [f"{m['pop']}/{m['name']}" for m in lines if m["today"] != m["candidate"]],
            "models": [{k: m[k] for k in ("pop", "name", "backdoored", "target",
                                          "arch_family", "trigger_family", "today",
                                          "candidate", "cpu_s")} for m in lines],
            "worst": {w: [f["family"], round(f[w]["ce"], 4)] for w, f in worst.items()},
            "worst_ce": {w: f[w]["ce"] for w, f in worst.items()},
            "worst_at_most_0.30": {w: f[w]["ce"] <= 0.30 for w, f in worst.items()},
            "at_target": {w: at(lines, w) for w in ("today", "candidate")}}


def rule_points(res: dict) -> list[dict]:
    """The points every stop-77/78 rule shares after its own first ones: none lost, ROC-AUC /
    CE, the worst family's CE, the CPU bound."""
    t, c = res["union"]["today"], res["union"]["candidate"]
    med = res["cpu"]
    gone = lost_or_renamed(res["lines"])
    return [
        {"point": "none lost (no backdoor today flags brought under 0.5 or named away from its "
                  "target)", "holds": not gone, "figures": f"{gone or 'none'}"},
        {"point": "GAP-head ROC-AUC not lower and CE not higher",
         "holds": (c["roc_auc"] or 0) >= (t["roc_auc"] or 0) and c["ce"] <= t["ce"] + 1e-12,
         "figures": f"today {fmt(t['roc_auc'])} / {t['ce']:.3f}, candidate "
                    f"{fmt(c['roc_auc'])} / {c['ce']:.3f}"},
        {"point": "worst family's CE not higher",
         "holds": res["worst_ce"]["candidate"] <= res["worst_ce"]["today"] + 1e-12,
         "figures": f"today {res['worst']['today']}, candidate {res['worst']['candidate']}"},
        {"point": f"median CPU within {CPU_BOUND}x today's",
         "holds": None not in med.values() and med["candidate"] <= CPU_BOUND * med["today"],
         "figures": f"today {med['today']} s, candidate {med['candidate']} s"},
    ]


def print_rule_read(res: dict) -> None:
    """Each fresh GAP head both ways, the union, the families and the worst (stops 77-78)."""
    for m in res["models"]:
        print(f"  {m['pop']}/{m['name']:20s} {what(m):24s} "
              f"today {m['today']}  candidate {m['candidate']}  cpu {m['cpu_s']}")
    for w, u in res["union"].items():
        print(f"GAP union {w:9s}: n {u['n']} bd {u['n_bd']} ROC-AUC {fmt(u['roc_auc'])} CE "
              f"{u['ce']:.3f} clean flagged {u['clean_flagged']} bd flagged {u['bd_flagged']}")
    for f in res["families"]:
        t, c = f["today"], f["candidate"]
        print(f"  {f['family']:14s} n {t['n']:3d} bd {t['n_bd']:3d}  CE {t['ce']:.3f} -> "
              f"{c['ce']:.3f}")
    print(f"worst family by CE: today {res['worst']['today']}, candidate "
          f"{res['worst']['candidate']} (at most 0.30: {res['worst_at_most_0.30']})")


def rule77(rows: list[dict], today: dict, cand: dict, today_cpu: list[float]) -> dict:
    """The stop-77 rule on the fresh union (the rule file)."""
    floors = floors77_of(rows)
    got = rule_read(rows, today, cand, today_cpu, at_target)
    out = {"floors": floors, **{k: v for k, v in got.items() if k not in ("lines", "worst_ce")}}
    if any(floors[k] < v for k, v in FLOORS77.items()):
        return {**out, "read": False, "met": False}
    if len(got["apart"]) < INFORMATIVE77:
        return {**out, "read": True, "informative": False, "met": False}
    t, c = got["union"]["today"], got["union"]["candidate"]
    points = [
        {"point": "more whole-image backdoors flagged at their target",
         "holds": out["at_target"]["candidate"] > out["at_target"]["today"],
         "figures": f"today {out['at_target']['today']}, candidate "
                    f"{out['at_target']['candidate']} of {floors['bd_whole']}"},
        {"point": "clean GAP heads flagged not more",
         "holds": c["clean_flagged"] <= t["clean_flagged"],
         "figures": f"today {t['clean_flagged']}, candidate {c['clean_flagged']} of "
                    f"{t['n'] - t['n_bd']}"},
        *rule_points(got),
    ]
    return {**out, "read": True, "met": all(p["holds"] for p in points), "points": points}


def print_rule77(res: dict) -> None:
    fl = ", ".join(f"{k} {res['floors'][k]} (floor {v})" for k, v in FLOORS77.items())
    print(f"floors: {fl}")
    print(f"GAP heads read apart (floor {INFORMATIVE77}): {len(res['apart'])} {res['apart']}")
    print_rule_read(res)
    print(f"whole-image backdoors flagged at their target: {res['at_target']}; median CPU "
          f"{res['cpu']}")
    print_verdict(res, "rule77", fl, "the blend-low term", "no fresh GAP head read apart")


def main(argv: list[str] | None = None) -> None:
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["rows", "dev", "rule77"])
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    ap.add_argument("--zoo", action="append", default=[], metavar="LABEL=ZOO",
                    help="rows: each population's zoo folder (model files, clean.npz)")
    ap.add_argument("--out", type=Path, help="rows: the JSON-lines file written (appended)")
    ap.add_argument("--only", help="rows: comma-separated LABEL/NAME to measure (default all)")
    ap.add_argument("--today", type=Path, default=SHIPPED, help="today's calibration file")
    ap.add_argument("--candidate", type=Path, help="rule77: the candidate file")
    ap.add_argument("--today-cpu", action="append", default=[], metavar="RUNS",
                    help="rule77: runs of today's default whose cpu_s give today's median")
    ap.add_argument("--write", type=Path, help="dev: write the candidate file here")
    ap.add_argument("--margin", type=float, default=MARGIN,
                    help=f"dev: the margin over the clean heads' largest lead ({MARGIN})")
    ap.add_argument("--json", type=Path, help="the result as JSON")
    args = ap.parse_args(argv)
    rows = [r for spec in args.rows for r in read_rows(spec)]
    if not rows:
        fail("give --rows LABEL=RUNS[,TRUTH]")
    today = load_calibrators(args.today)
    if args.mode == "rows":
        import torch

        torch.set_num_threads(1)
        torch._C._jit_set_profiling_executor(False)  # a fixed graph: the search's cost
        zoos = dict(z.split("=", 1) for z in args.zoo)
        only = set(args.only.split(",")) if args.only else None
        if args.out is None:
            fail("rows: give --out")
        done = set()
        if args.out.is_file():
            done = {(r["pop"], r["name"]) for r in map(json.loads, args.out.open())}
        for r in rows:
            if (r["pop"], r["name"]) in done or (only and f"{r['pop']}/{r['name']}" not in only):
                continue
            if r["pop"] not in zoos or not (Path(zoos[r["pop"]]) / f"{r['name']}.pt").is_file():
                continue
            got, cpu = measure(Path(zoos[r["pop"]]), r["name"])
            r["report"]["features"].update(got)
            with args.out.open("a") as f:
                f.write(json.dumps({**r, "low_cpu_s": cpu}) + "\n")
        return
    if args.mode == "dev":
        res = dev(rows, today, args.margin)
        print_dev(res)
        if args.write:
            save_calibrators(with_low(today, rows, args.margin), args.write)
    else:
        if args.candidate is None:
            fail("rule77: give --candidate")
        today_cpu = [r["cpu_s"] for p in args.today_cpu for r in read_jsonl(Path(p))
                     if r.get("cpu_s") is not None]
        res = rule77(rows, today, load_calibrators(args.candidate), today_cpu)
        print_rule77(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, default=str) + "\n")


if __name__ == "__main__":
    run_main(main)
