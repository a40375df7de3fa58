"""The SIG probe's two readings as one raise, with finer phase steps for short periods (issue 9,
stop 79: h9sig).

Stop 78's rule was not met: the fresh SIG backdoors today misses are all of period counts 9-10
(a period of about 3 pixels across 28), which answer every phase alike at quarter-period steps,
so the phase reading (``sig_phase_<c>``) cannot see them, while stop 77's share reading
(``sig_share_<c>``) names all five but is fooled by a clean sink head that answers any fine
stripes. The candidate: ``"<scorer>:sig"`` (the phase reading, now stepping an eighth of a period
from period count 8 on) **or** ``"<scorer>:sig-share"`` (the share, its grid now 2-12), each
beyond its own bar per trait set.

* ``rows``: per clean or SIG GAP head of spent zoos (stop 78's 149 dev heads and every head of
  fresh-then 9222 / 9621, now spent), in-process, the share matrix (period counts 2-12 x four
  phases at amplitude 0.15) and the phase matrix at 0.25 (four phases for 2-12, stop 78's rows
  reused where they hold the head; the odd eighth phases for 8-12), with the same inputs
  ``detect`` draws (seed 0);
* ``join``: those rows onto the stored ``detect`` runs, as runs whose reports carry the new
  ``sig_share_<c>`` / ``sig_phase_<c>`` (one folder, one file per zoo);
* ``dev``: bars per trait set for each reading, each zoo / arch family held out, today against
  the candidate and its variants (``--write``: today's file plus both entries, fitted on every
  dev row);
* ``rule79``: the rule (``benchmarks/data/outside_s79_h9sig/outside_s79_h9sig_rule.md``) on the
  fresh runs, read once.

    PYTHONPATH=src:benchmarks python benchmarks/outside_sig_both.py dev --rows LABEL=RUNS …
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
from pathlib import Path

from _common import fail, read_jsonl, run_main

SHARE_AMP = 0.15
PHASE_AMP = 0.25
EXTRA = (2, 9, 11)  # the share grid's period counts stop 77's (3-8, 10, 12) did not read
FINE = (8, 9, 10, 11, 12)  # the period counts read at eighth-period phase steps
QUARTER = tuple(k * 0.25 * math.pi for k in (0, 2, 4, 6))
EIGHTHS = tuple(k * 0.25 * math.pi for k in range(8))
MARGIN = 0.1  # the bars: a trait set's spent clean heads' largest lead plus this
BY = "benchmarks/outside_sig_both.py (issue 9, stop 79: h9sig)"
DATA = Path(__file__).parent / "data"
DEV77 = DATA / "outside_s77_h9sig/amp_rows_both.jsonl"
DEV78 = DATA / "outside_s78_h9sig/dev_phase_rows.jsonl.gz"
FRESH78 = ("zoo-9222", "zoo-9222b", "zoo-9621")


def cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def heads() -> list[dict]:
    """Stop 78's dev heads with what stops 77-78 read of them (the share's per-class largest on
    stop 77's grid at 0.15, the quarter-phase matrix at 0.25), then every kept head of 9222 /
    9222b / 9621 (stop 78's fresh, now spent; their stored runs hold both stop-78 readings)."""
    from outside_sig_term import phase_reading

    s77 = {(r["zoo"], r["name"]): r["amp"]["0.15"] for r in read_jsonl(DEV77)}
    out = []
    for d in read_jsonl(DEV78):
        q = [d["sig"][i * 4:(i + 1) * 4] for i in range(len(d["freqs"]))]
        fine = {f: q[i] for i, f in enumerate(d["freqs"]) if f in FINE}
        out.append({**{k: d[k] for k in ("zoo", "name", "arch", "family", "target")},
                    "share77": s77[d["zoo"], d["name"]], "phase78": phase_reading(d),
                    "even": [fine[f] for f in FINE]})
    for zoo in FRESH78:
        with gzip.open(DATA / f"outside_s78_h9sig/{zoo}_truth.json.gz", "rt") as fh:
            truth = json.load(fh)
        runs = {r["name"]: r for r in read_jsonl(DATA / f"outside_s78_h9sig/detect_{zoo}_runs"
                                                        ".jsonl.gz") if r.get("report")}
        for m in truth["models"]:
            f = runs[m["name"]]["report"]["features"]
            out.append({"zoo": zoo, "name": m["name"], "arch": m["arch_family"],
                        "family": m["trigger_family"] if m["backdoored"] else "clean",
                        "target": m["target"],
                        "share77": [f[f"sig_share_{c}"] for c in range(10)],
                        "phase78": [f[f"sig_phase_{c}"] for c in range(10)]})
    return out


def zoo_dir(zoo: str) -> Path:
    """A spent zoo's folder under /tmp (stops 71-78's scratch; never this stop's)."""
    if zoo in FRESH78:
        return Path("/tmp/h9sig78/run") / zoo
    return next(p for p in sorted(Path("/tmp").glob(f"*/run/{zoo}")) if "79" not in p.parts[2])


SIG_KINDS = ("gap_cls_relu", "gap_cnn", "gap_relu", "gap_leaky_bn", "res_gn")  # the outside
# maker's GAP kinds, the ones it puts SIG on; the fourth maker's residual and depthwise heads
# (no SIG backdoor among the spent ones) were not read (stop 79: the CPU went to the builds),
# so the candidate holds no bar of theirs and reads them a full lead (never raised)


def rows(out: Path, limit: int | None = None) -> None:
    """Append one row per head not yet in ``out``: the share at the period counts
    :data:`EXTRA` (four phases, 0.15) and the eighth-step phases of :data:`FINE` at 0.25 (the
    odd ones alone where stop 78's quarter matrix is reused), with ``detect``'s inputs."""
    import torch

    from outside_sig_twin import own_model
    from trojanscope.detect.base import InspectionTarget
    from trojanscope.detect.sig_probe import PER_CLASS, PHASE_PER_CLASS, grid_shares

    torch.set_num_threads(1)
    done = {(r["zoo"], r["name"]) for r in read_jsonl(out)} if out.exists() else set()
    hs = heads()  # 9222 / 9621 first: they hold the period 9-10 misses
    hs = [h for h in hs if h["zoo"] in FRESH78] + [h for h in hs if h["zoo"] not in FRESH78]
    todo = [h for h in hs if (h["zoo"], h["name"]) not in done
            and (h["zoo"] in FRESH78 or h["arch"] in SIG_KINDS)][:limit]
    with out.open("a") as fh:
        for h in todo:
            start = cpu()
            model, data = own_model(zoo_dir(h["zoo"]), h["name"])
            target = InspectionTarget(model, tuple(data.x.shape[1:]), 10, data)

            def grid(freqs, amp, phases, n, target=target):
                got = grid_shares(target, torch.Generator().manual_seed(0), freqs, (amp,),
                                  phases, n)[:, 0]  # (freqs, phases, classes)
                return [[[round(v, 4) for v in p] for p in f] for f in got.tolist()]

            extra = grid(EXTRA, SHARE_AMP, QUARTER, PER_CLASS)
            if "even" in h:
                odd = grid(FINE, PHASE_AMP, EIGHTHS[1::2], PHASE_PER_CLASS)
                fine = [[x for pair in zip(e, o, strict=True) for x in pair]
                        for e, o in zip(h["even"], odd, strict=True)]
            else:
                fine = grid(FINE, PHASE_AMP, EIGHTHS, PHASE_PER_CLASS)
            row = {**{k: h[k] for k in ("zoo", "name", "arch", "family", "target", "share77",
                                        "phase78")}, "extra": extra, "fine": fine}
            row["cpu_s"] = round(cpu() - start, 2)
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            print(h["zoo"], h["name"], row["cpu_s"], flush=True)


def readings(row: dict, extra: bool = True, fine: bool = True) -> tuple[list[float], list[float]]:
    """Per class, the share reading (the largest share one sinusoid sends there; with
    ``extra`` the period counts 2, 9, 11 too) and the phase reading (the largest range over
    one period's phases; with ``fine`` eighth steps at 8-12) of a row."""
    k = len(row["share77"])
    share = list(row["share77"])
    phase = list(row["phase78"])
    for c in range(k):
        if extra:
            share[c] = max(share[c], *(p[c] for f in row["extra"] for p in f))
        if fine:
            phase[c] = max(phase[c], *(max(p[c] for p in f) - min(p[c] for p in f)
                                       for f in row["fine"]))
    return share, phase


def runs_of(zoo: str) -> Path:
    """The stored ``detect`` runs of a spent zoo (the stop that read it fresh)."""
    from outside_sig_term import RUNS

    return DATA / f"outside_s78_h9sig/detect_{zoo}_runs.jsonl.gz" if zoo in FRESH78 else RUNS[zoo]


def joined(dev_rows: list[dict], extra: bool = True, fine: bool = True) -> list[dict]:
    """The dev rows as runs of ``read_rows``' form (their stored ``detect`` run, truth from
    the row) whose reports carry the two readings (:func:`readings`)."""
    from trojanscope.detect.sig_probe import SIG_PHASE, SIG_SHARE

    runs: dict[tuple[str, str], dict] = {}
    for path in sorted({runs_of(d["zoo"]) for d in dev_rows}):
        for r in read_jsonl(path):
            if r.get("report") and (r.get("zoo"), r["name"]) not in runs:
                runs[r.get("zoo"), r["name"]] = r
    out = []
    for d in dev_rows:
        run = runs[d["zoo"], d["name"]]
        share, phase = readings(d, extra, fine)
        feats = {**run["report"]["features"],
                 **{f"{SIG_SHARE}{c}": round(v, 6) for c, v in enumerate(share)},
                 **{f"{SIG_PHASE}{c}": round(v, 6) for c, v in enumerate(phase)}}
        out.append({**run, "report": {**run["report"], "features": feats}, "pop": d["zoo"],
                    "arch_family": d["arch"], "backdoored": d["family"] != "clean",
                    "target": d["target"],
                    "trigger_family": None if d["family"] == "clean" else d["family"]})
    return out


def share_of(r: dict) -> tuple[int, float, float] | None:
    from trojanscope.detect.sig_probe import sig_lead

    return sig_lead(r["report"]["features"])


def with_both(today: dict, rows: list[dict], margin: float = MARGIN,
              terms: tuple[str, ...] = ("sig", "sig-share"), rank: int = 1) -> dict:
    """``today`` plus ``"<scorer>:sig"`` (the phase reading) and ``"<scorer>:sig-share"`` (the
    share), each with its bars per trait set fitted on ``rows``; a trait set without its own
    bar reads a full lead (1.0: never raised); ``rank``: :func:`outside_blend_low.bars`'."""
    from outside_blend_low import with_low
    from outside_sig_term import ELSE_LEAD, sig_of

    out = dict(today)
    for term, read in (("sig", sig_of), ("sig-share", share_of)):
        if term not in terms:
            continue
        for key, entry in with_low(today, rows, margin, term, read, BY, rank).items():
            if key.endswith(f":{term}"):
                entry.fitted_on = {**entry.fitted_on, "lead_all": entry.fitted_on["lead"],
                                   "lead": ELSE_LEAD}
                out[key] = entry
    return out


def seed_of(r: dict) -> str:
    """A row's seed (9222 and 9222b are one seed's two folders; 9616b, 9616c one's too)."""
    return r["pop"].rstrip("bc")


def at_sig(lines: list[dict], which: str) -> int:
    from outside_sig_term import at_sig as at

    return at(lines, which)


CHOSEN = ("quarter phases", 0.15)  # the candidate the rule reads (dev79.txt: eighth steps
# read no period 9-10 SIG backdoor the quarter steps miss and lift the clean heads' ranges)
VARIANTS = {  # name: (share grid 2-12, eighth phase steps at 8-12, terms)
    "candidate": (True, True, ("sig", "sig-share")),
    "quarter phases": (True, False, ("sig", "sig-share")),
    "share on stop 77's grid": (False, True, ("sig", "sig-share")),
    "phase alone (fine)": (True, True, ("sig",)),
    "share alone (2-12)": (True, True, ("sig-share",)),
    "stop 78's term": (False, False, ("sig",)),
}


def dev(dev_rows: list[dict], today: dict, margins: tuple[float, ...]) -> list[dict]:
    """Each variant and margin: bars on every dev row, and each seed held out of them."""
    from functools import partial

    from outside_blend_low import bars, lofo_low, lost_or_renamed
    from outside_named_rule import model_lines
    from outside_sig_term import sig_of

    out = []
    for name, (extra, fine, terms) in VARIANTS.items():
        rows = joined(dev_rows, extra, fine)
        for margin in margins:
            fit = partial(with_both, terms=terms)
            held = lofo_low(rows, today, seed_of, margin, fit, ("sig",))
            lines = model_lines(rows, today, fit(today, rows, margin))
            out.append({"variant": name, "margin": margin, "terms": list(terms),
                        "bars": {t: bars(rows, margin, read) for t, read in
                                 (("sig", sig_of), ("sig-share", share_of)) if t in terms},
                        "by_seed": held,
                        "all_rows": {"at_target": {w: at_sig(lines, w)
                                                   for w in ("today", "candidate")},
                                     "clean_flagged": [f"{m['pop']}/{m['name']}" for m in lines
                                                       if not m["backdoored"]
                                                       and m["candidate"][0] >= 0.5],
                                     "lost": lost_or_renamed(lines)}})
    return out


def print_dev(res: list[dict], dev_rows: list[dict]) -> None:
    from outside_blend_low import fmt

    n_sig = sum(d["family"] == "sig" for d in dev_rows)
    n_clean = sum(d["family"] == "clean" for d in dev_rows)
    print(f"{len(dev_rows)} spent GAP heads ({n_clean} clean, {n_sig} SIG, "
          f"{len(dev_rows) - n_clean - n_sig} other); {len(res)} variants x margins read")
    for v in res:
        u = v["by_seed"]["union"]
        print(f"== {v['variant']}, margin {v['margin']}: each seed held out: ROC-AUC / CE "
              f"{fmt(u['today']['roc_auc'])} / {u['today']['ce']:.3f} -> "
              f"{fmt(u['candidate']['roc_auc'])} / {u['candidate']['ce']:.3f}; clean flagged "
              f"{u['today']['clean_flagged']} -> {u['candidate']['clean_flagged']}; SIG at "
              f"their target {v['by_seed']['at_target']['today']} -> "
              f"{v['by_seed']['at_target']['candidate']} of {n_sig}; lost or renamed "
              f"{v['by_seed']['lost'] or 'none'}")
        for line in v["by_seed"]["moved"]:
            print(f"    {line}")
        a = v["all_rows"]
        print(f"   bars on every row: SIG at target {a['at_target']['today']} -> "
              f"{a['at_target']['candidate']}; clean flagged {a['clean_flagged'] or 'none'}; "
              f"lost {a['lost'] or 'none'}")
        for t, b in v["bars"].items():
            kinds = ", ".join(f"{k.split(':', 1)[1]} n {e['n_clean']} {e['lead']}"
                              for k, e in b["kinds"].items() if e["n_clean"] >= b["min_clean"])
            print(f"   {t} bars (>= {b['min_clean']} clean): {kinds}")


def heads_table(dev_rows: list[dict], zoos: tuple[str, ...]) -> list[str]:
    """Each SIG backdoor and clean head of ``zoos``: both readings' top class and lead."""
    from trojanscope.detect.blend_low import share_lead

    out = []
    for d in dev_rows:
        if d["zoo"] not in zoos:
            continue
        got = []
        for extra, fine in ((False, False), (True, True)):
            share, phase = readings(d, extra, fine)
            s = share_lead({f"s{c}": v for c, v in enumerate(share)}, "s")
            p = share_lead({f"p{c}": v for c, v in enumerate(phase)}, "p")
            got.append(f"share {s[0]} {s[2]:.2f} phase {p[0]} {p[2]:.2f}")
        what_ = f"{d['family']} -> {d['target']}" if d["family"] != "clean" else "clean"
        out.append(f"{d['zoo']}/{d['name']:20s} {what_:18s} stop 78: {got[0]};  now: {got[1]}")
    return out


FLOORS79 = {"bd_sig": 11, "clean": 15, "bd_other": 4}  # the rule file's floors (fresh GAP heads;
# 12 / 16 / 4 here at the rule's commit were stale: the rule file said 11 / 15 / 4)


def rule79(rows: list[dict], today: dict, cand: dict, today_cpu: list[float]) -> dict:
    """The stop-79 rule on the fresh union (the rule file): stop 78's points, its own floors;
    the worst family's CE against 0.30 said beside (``worst_at_most_0.30``)."""
    from outside_sig_term import rule78

    return rule78(rows, today, cand, today_cpu, FLOORS79)


def beside(rows: list[dict], cand: dict) -> list[str]:
    """Per fresh GAP head (after the rule, deciding nothing): both readings' top class and
    lead against their bars."""
    from outside_blend_sink import gap_rows
    from trojanscope.detect.blend_low import low_bar
    from trojanscope.detect.sig_probe import SHARE_TERM, TERM, sig_lead, sig_phase_lead

    out = []
    for r in gap_rows(rows):
        f, traits = r["report"]["features"], r["report"].get("traits") or []
        got = []
        for term, read in ((TERM, sig_phase_lead), (SHARE_TERM, sig_lead)):
            x = read(f)
            entry = cand.get(f"{r['report']['method']}:{term}") or cand.get(f"auto:{term}")
            if x is None or entry is None:
                got.append(f"{term} -")
                continue
            got.append(f"{term} top {x[0]} lead {x[2]:.2f} (bar "
                       f"{low_bar(f, traits, entry.fitted_on):.2f})")
        what_ = f"{r['trigger_family']} -> {r['target']}" if r["backdoored"] else "clean"
        out.append(f"{r['pop']}/{r['name']:20s} {what_:22s} " + "; ".join(got))
    return out


def main(argv: list[str] | None = None) -> None:
    from outside_named_rule import SHIPPED
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["rows", "dev", "heads", "rule79", "beside"])
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]",
                    help="rule79 / beside: the fresh runs")
    ap.add_argument("--candidate", type=Path, help="rule79 / beside: the candidate file")
    ap.add_argument("--today-cpu", action="append", default=[], metavar="RUNS",
                    help="rule79: runs of today's default whose cpu_s give today's median")
    ap.add_argument("--out", type=Path, help="rows: the rows file appended to")
    ap.add_argument("--dev-rows", type=Path, help="dev / heads: the rows file")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--today", type=Path, default=SHIPPED, help="today's calibration file")
    ap.add_argument("--margins", default="0.1,0.15")
    ap.add_argument("--write", type=Path, help="dev: write the candidate (CHOSEN) here")
    ap.add_argument("--json", type=Path, help="dev: the result as JSON")
    args = ap.parse_args(argv)
    if args.mode == "rows":
        if args.out is None:
            fail("rows: give --out")
        rows(args.out, args.limit)
        return
    if args.mode in ("rule79", "beside"):
        from outside_named_rule import read_rows
        from outside_sig_term import print_rule78

        rows_ = [r for spec in args.rows for r in read_rows(spec)]
        if not rows_ or args.candidate is None:
            fail(f"{args.mode}: give --rows LABEL=RUNS[,TRUTH] and --candidate")
        cand = load_calibrators(args.candidate)
        if args.mode == "beside":
            print("\n".join(beside(rows_, cand)))
            return
        today_cpu = [r["cpu_s"] for p in args.today_cpu for r in read_jsonl(Path(p))
                     if r.get("cpu_s") is not None]
        res = rule79(rows_, load_calibrators(args.today), cand, today_cpu)
        print_rule78(res, FLOORS79, "rule79", "the SIG terms (phase or share)")
        if args.json:
            args.json.write_text(json.dumps(res, indent=1, default=str) + "\n")
        return
    if args.dev_rows is None:
        fail(f"{args.mode}: give --dev-rows")
    dev_rows = list(read_jsonl(args.dev_rows))
    if args.mode == "heads":
        print("\n".join(heads_table(dev_rows, FRESH78)))
        return
    today = load_calibrators(args.today)
    margins = tuple(float(m) for m in args.margins.split(","))
    res = dev(dev_rows, today, margins)
    print_dev(res, dev_rows)
    if args.write:
        extra, fine, terms = VARIANTS[CHOSEN[0]]
        save_calibrators(with_both(today, joined(dev_rows, extra, fine), CHOSEN[1], terms),
                         args.write)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, default=str) + "\n")


if __name__ == "__main__":
    run_main(main)
