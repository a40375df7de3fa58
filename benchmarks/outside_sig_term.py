"""The SIG probe's second reading as a raise term on GAP heads, and the stop-78 rule (issue 9,
stop 78: h9sig).

Stop 77's SIG probe names every spent SIG backdoor's target, but a clean BatchNorm GAP head
answers the same sinusoids with its sink class about as far (9219 ``gap_cls_relu-cl01``: lead
0.70 at 0). Its sink answers fine vertical stripes at any position; a SIG backdoor answers its
own period at its own position. The second reading (``detect/sig_probe.py``: ``sig_phase_<c>``,
per class the largest range of one period's shares over four phases, amplitude 0.25, periods
2-12) is read by ``"<scorer>:sig"``: blend-low's raise with its own bars per trait set.

* ``join``: the development rows of ``outside_sig_twin.py rows --no-twins`` (spent zoos) joined
  to the stored ``detect`` runs of the same models, as runs whose reports carry
  ``sig_phase_<c>`` (written gzipped);
* ``dev``: the bars, and each zoo / architecture family held out of them, today against the
  candidate (``--write``: today's file plus the term fitted on every dev row);
* ``rule78``: the rule (``benchmarks/data/outside_s78_h9sig/outside_s78_h9sig_rule.md``) on the
  fresh runs, read once; ``beside``: each fresh head's two readings against its bar (after the
  rule, deciding nothing).

    PYTHONPATH=src:benchmarks python benchmarks/outside_sig_term.py dev --rows LABEL=RUNS …
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from _common import fail, read_jsonl, run_main
from outside_blend_low import (
    bars,
    fmt,
    lofo_low,
    print_rule_read,
    rule_points,
    rule_read,
    with_low,
)
from outside_blend_sink import gap_rows, print_verdict
from outside_named_rule import SHIPPED, model_lines, read_rows

MARGIN = 0.1  # the bars: a trait set's spent clean heads' largest lead plus this
ELSE_LEAD = 1.0  # a trait set with fewer than min_clean spent clean heads read: a full lead only
# (no clean evidence to set its bar on; the residual and depthwise heads' own clean leads reach
# 0.5-0.6 on spent zoos, and the SIG kinds each hold 24+ clean heads)
BY = "benchmarks/outside_sig_term.py (issue 9, stop 78: h9sig)"
# the rule's floors on the fresh union's GAP heads (SIG backdoors, clean heads, other
# backdoors); the CPU bound is outside_blend_low's (1.5)
FLOORS78 = {"bd_sig": 10, "clean": 14, "bd_other": 4}
DATA = Path(__file__).parent / "data"
RUNS = {  # the stored detect runs of each spent zoo (the stop that read it fresh)
    **{f"zoo-{s}": DATA / f"outside_s{d}/detect{s}_runs.jsonl.gz" for s, d in (
        (9213, "71_h9"), (9214, "71_h9r"), (9215, "72_h9"), (9216, "73_h9"), (9217, "74_h9"),
        (9218, "75_h9"), (9219, "76_h9"), (9220, "77_h9"), (9221, "77_h9g"), (9612, "71_h9"),
        (9613, "71_h9r"), (9614, "72_h9"), (9615, "73_h9"), (9616, "74_h9"), (9617, "75_h9"),
        (9618, "76_h9"), (9619, "77_h9"), (9620, "77_h9g"))},
    "zoo-9616b": DATA / "outside_s74_h9/detect9616_runs.jsonl.gz",
    "zoo-9616c": DATA / "outside_s74_h9/detect9616_runs.jsonl.gz",
}


def sig_of(r: dict) -> tuple[int, float, float] | None:
    from trojanscope.detect.sig_probe import sig_phase_lead

    return sig_phase_lead(r["report"]["features"])


def with_sig(today: dict, rows: list[dict], margin: float = MARGIN) -> dict:
    """``today`` plus ``"<scorer>:sig"``, the bars fitted on ``rows``; a trait set without its
    own bar reads :data:`ELSE_LEAD` (the largest lead of every clean head + the margin is kept
    as ``lead_all``, read by nothing)."""
    from trojanscope.detect.sig_probe import TERM

    out = with_low(today, rows, margin, TERM, sig_of, BY)
    for key, entry in out.items():
        if key.endswith(f":{TERM}"):
            entry.fitted_on = {**entry.fitted_on, "lead_all": entry.fitted_on["lead"],
                               "lead": ELSE_LEAD}
    return out


def phase_reading(row: dict) -> list[float]:
    """Per class, the largest range of one period's shares over its phases, from a dev row's
    (sinusoid x class) matrix (period-major, phases inner): ``sig_probe.phase_ranges``."""
    from trojanscope.detect.sig_probe import PHASES

    sig, n = row["sig"], len(PHASES)
    groups = [sig[i:i + n] for i in range(0, len(sig), n)]
    return [max(max(s[c] for s in g) - min(s[c] for s in g) for g in groups)
            for c in range(len(sig[0]))]


def join(dev_file: Path, out: Path) -> int:
    """Write the dev rows joined to their stored runs (module docstring), one file per zoo
    under the folder ``out`` (``read_rows`` keeps one run per name); returns the count."""
    from trojanscope.detect.sig_probe import SIG_PHASE

    runs: dict[tuple[str, str], dict] = {}
    for path in sorted(set(RUNS.values())):
        for r in read_jsonl(path):
            if r.get("report") and (r.get("zoo"), r["name"]) not in runs:
                runs[r.get("zoo"), r["name"]] = r
    by_zoo: dict[str, list[str]] = {}
    for d in read_jsonl(dev_file):
        run = runs.get((d["zoo"], d["name"]))
        if run is None:
            continue
        feats = {**run["report"]["features"],
                 **{f"{SIG_PHASE}{c}": round(v, 6) for c, v in enumerate(phase_reading(d))}}
        by_zoo.setdefault(d["zoo"], []).append(json.dumps({
            **run, "report": {**run["report"], "features": feats}, "arch_family": d["arch"],
            "backdoored": d["family"] != "clean", "target": d["target"],
            "trigger_family": None if d["family"] == "clean" else d["family"]}))
    out.mkdir(parents=True, exist_ok=True)
    for zoo, lines in by_zoo.items():
        with gzip.open(out / f"{zoo}.jsonl.gz", "wt") as fh:
            fh.write("\n".join(lines) + "\n")
    return sum(len(v) for v in by_zoo.values())


def at_sig(lines: list[dict], which: str) -> int:
    """SIG backdoors flagged at their target, read ``which`` way."""
    return sum(m["backdoored"] and m["trigger_family"] == "sig" and m[which][0] >= 0.5
               and m[which][1] == m["target"] for m in lines)


def dev(rows: list[dict], today: dict, margin: float = MARGIN) -> dict:
    """Bars on every dev row; each zoo and each architecture family held out of them."""
    per_kind: dict[str, list] = {}
    for r in rows:
        if (x := sig_of(r)) is not None and not r["backdoored"]:
            per_kind.setdefault(r["arch_family"], []).append((x[2], f"{r['pop']}/{r['name']}"))
    lines = model_lines(rows, today, with_sig(today, rows, margin))
    bd = [{"model": f"{m['pop']}/{m['name']}", "target": m["target"], "sig": list(sig_of(r)),
           "today": m["today"], "candidate": m["candidate"]}
          for m, r in zip(lines, rows, strict=True) if m["backdoored"]]
    out = {"bars": bars(rows, margin, sig_of), "margin": margin, "backdoors": bd,
           "clean_max": {k: max(v) for k, v in sorted(per_kind.items())},
           "clean_n": {k: len(v) for k, v in sorted(per_kind.items())}}
    for key, group in (("by_zoo", lambda r: r["pop"]), ("by_arch", lambda r: r["arch_family"])):
        got = lofo_low(rows, today, group, margin, with_sig, ("sig",))
        got["flagged_clean"] = {w: [f"{m}" for m in got["moved"] if "clean" in m]
                                for w in ("candidate",)}
        out[key] = got
    return out


def print_dev(res: dict) -> None:
    b = res["bars"]
    print(f"bars: a trait set without its own reads {ELSE_LEAD} (every spent clean head's "
          f"largest lead + {res['margin']} would be {b['lead']}; {b['n_clean']} heads); per "
          f"trait set with >= {b['min_clean']} clean heads, its largest lead + the margin:")
    for k, v in b["kinds"].items():
        print(f"  {k}: n {v['n_clean']} lead >= {v['lead']}"
              + ("" if v["n_clean"] >= b["min_clean"] else " (not read: too few)"))
    for k, (lead, who) in res["clean_max"].items():
        print(f"  clean {k:14s} n {res['clean_n'][k]:3d}  largest lead {lead:.3f} ({who})")
    print("backdoors (second reading: top class, range, lead; today; candidate, all rows):")
    for d in res["backdoors"]:
        print(f"  {d['model']:30s} -> {d['target']}  {[round(v, 3) for v in d['sig']]}  "
              f"{d['today']}  {d['candidate']}")
    for key, held in (("by_zoo", "zoo"), ("by_arch", "architecture family")):
        x = res[key]
        u = x["union"]
        print(f"each {held} held out: ROC-AUC / CE today {fmt(u['today']['roc_auc'])} / "
              f"{u['today']['ce']:.3f}, candidate {fmt(u['candidate']['roc_auc'])} / "
              f"{u['candidate']['ce']:.3f}; clean flagged {u['today']['clean_flagged']} -> "
              f"{u['candidate']['clean_flagged']}; backdoors flagged {u['today']['bd_flagged']}"
              f" -> {u['candidate']['bd_flagged']}; SIG at their target "
              f"{x['at_target']['today']} -> {x['at_target']['candidate']}; lost or renamed "
              f"{x['lost'] or 'none'}")
        for line in x["moved"]:
            print(f"    {line}")


def floors78_of(rows: list[dict]) -> dict:
    gap = gap_rows(rows)
    return {"bd_sig": sum(r["backdoored"] and r["trigger_family"] == "sig" for r in gap),
            "clean": sum(not r["backdoored"] for r in gap),
            "bd_other": sum(r["backdoored"] and r["trigger_family"] != "sig" for r in gap)}


def rule78(rows: list[dict], today: dict, cand: dict, today_cpu: list[float],
           floors_at: dict | None = None) -> dict:
    """The stop-78 rule on the fresh union (the rule file; stop 79's with its own
    ``floors_at``)."""
    floors = floors78_of(rows)
    got = rule_read(rows, today, cand, today_cpu, at_sig)
    out = {"floors": floors, **{k: v for k, v in got.items() if k not in ("lines", "worst_ce")}}
    if any(floors[k] < v for k, v in (floors_at or FLOORS78).items()):
        return {**out, "read": False, "met": False}
    t, c = got["union"]["today"], got["union"]["candidate"]
    points = [
        {"point": "more SIG backdoors flagged at their target",
         "holds": out["at_target"]["candidate"] > out["at_target"]["today"],
         "figures": f"today {out['at_target']['today']}, candidate "
                    f"{out['at_target']['candidate']} of {floors['bd_sig']}"},
        {"point": "no clean GAP head flagged that today does not flag",
         "holds": not any(not m["backdoored"] and m["candidate"][0] >= 0.5 > m["today"][0]
                          for m in got["lines"]),
         "figures": f"today {t['clean_flagged']}, candidate {c['clean_flagged']} of "
                    f"{t['n'] - t['n_bd']}"},
        *rule_points(got),
    ]
    return {**out, "read": True, "met": all(p["holds"] for p in points), "points": points}


def print_rule78(res: dict, floors_at: dict | None = None, rule: str = "rule78",
                 what_: str = "the SIG term") -> None:
    fl = ", ".join(f"{k} {res['floors'][k]} (floor {v})"
                   for k, v in (floors_at or FLOORS78).items())
    print(f"floors: {fl}")
    print_rule_read(res)
    print(f"SIG backdoors flagged at their target: {res['at_target']}; read apart "
          f"{res['apart']}; median CPU {res['cpu']}")
    print_verdict(res, rule, fl, what_, "")


def beside(rows: list[dict], cand: dict) -> list[str]:
    """Per fresh GAP head (read after the rule, deciding nothing): the second reading's top
    class, range and lead against its bar, and stop 77's share reading."""
    from trojanscope.detect.blend_low import low_bar
    from trojanscope.detect.sig_probe import TERM, sig_lead, sig_phase_lead

    fitted = cand[f"auto:{TERM}"].fitted_on
    out = []
    for r in gap_rows(rows):
        f, traits = r["report"]["features"], r["report"].get("traits") or []
        ph, sh = sig_phase_lead(f), sig_lead(f)
        if ph is None or sh is None:
            continue
        what_ = f"{r['trigger_family']} -> {r['target']}" if r["backdoored"] else "clean"
        out.append(f"{r['pop']}/{r['name']:20s} {what_:22s} phase top {ph[0]} range "
                   f"{ph[1]:.2f} lead {ph[2]:.2f} (bar {low_bar(f, traits, fitted):.2f}); "
                   f"share top {sh[0]} {sh[1]:.2f} lead {sh[2]:.2f}")
    return out


def main(argv: list[str] | None = None) -> None:
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["join", "dev", "rule78", "beside"])
    ap.add_argument("--dev-rows", type=Path, help="join: outside_sig_twin.py's rows file")
    ap.add_argument("--out", type=Path, help="join: the folder the joined runs are written to")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    ap.add_argument("--today", type=Path, default=SHIPPED, help="today's calibration file")
    ap.add_argument("--candidate", type=Path, help="rule78: the candidate file")
    ap.add_argument("--today-cpu", action="append", default=[], metavar="RUNS",
                    help="rule78: runs of today's default whose cpu_s give today's median")
    ap.add_argument("--write", type=Path, help="dev: write the candidate file here")
    ap.add_argument("--margin", type=float, default=MARGIN)
    ap.add_argument("--json", type=Path, help="the result as JSON")
    args = ap.parse_args(argv)
    if args.mode == "join":
        if args.dev_rows is None or args.out is None:
            fail("join: give --dev-rows and --out")
        print(f"{join(args.dev_rows, args.out)} rows joined")
        return
    rows = [r for spec in args.rows for r in read_rows(spec)]
    if not rows:
        fail("give --rows LABEL=RUNS[,TRUTH]")
    today = load_calibrators(args.today)
    if args.mode == "beside":
        if args.candidate is None:
            fail("beside: give --candidate")
        print("\n".join(beside(rows, load_calibrators(args.candidate))))
        return
    if args.mode == "dev":
        res = dev(rows, today, args.margin)
        print_dev(res)
        if args.write:
            save_calibrators(with_sig(today, rows, args.margin), args.write)
    else:
        if args.candidate is None:
            fail("rule78: give --candidate")
        today_cpu = [r["cpu_s"] for p in args.today_cpu for r in read_jsonl(Path(p))
                     if r.get("cpu_s") is not None]
        res = rule78(rows, today, load_calibrators(args.candidate), today_cpu)
        print_rule78(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, default=str) + "\n")


if __name__ == "__main__":
    run_main(main)
