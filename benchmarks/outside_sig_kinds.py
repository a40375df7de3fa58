"""SIG bars for the outside maker's GAP kinds that hold none (issue 9, stop 80: h9sig).

Stop 79 shipped the SIG probe's two raise terms (``"<scorer>:sig"``, the phase reading, and
``"<scorer>:sig-share"``, the share), each with a bar per trait set read from spent clean heads of
the kind, at least ``min_clean`` (8) of them; a trait set with fewer reads a full lead (1.0) and
is never raised. The outside maker puts SIG backdoors on five GAP kinds, but only three
(``gap_cls_relu``, ``gap_cnn``, ``gap_relu``) had eight spent clean heads read with the probe:
``gap_leaky_bn`` (LeakyReLU, BatchNorm) had 5, ``res_gn`` (residual, GroupNorm) 1, and no SIG
backdoor of either kind had been read. Of the SIG models the maker plans, 7 of 19 lie there.

The candidate: today's shipped file with those kinds' bars read, in both terms, from spent clean
heads of the kind (stop 79's development rows, stop 79's fresh heads of 9223, now spent, and
clean heads of spent seeds built at stop 80), margin and ``min_clean`` as shipped; every other
trait set's bar as shipped.

* ``dev``: each variant (terms x margins) with each seed held out of the bars, today against
  the candidate, on every spent GAP head; ``--write``: the chosen one fitted on every row;
* ``heads``: per spent head of the new kinds, both readings' top class and lead, today's p;
* ``rule80``: the rule (``benchmarks/data/outside_s80_h9sig/rule.md``) on the fresh runs, once.

    PYTHONPATH=src:benchmarks python benchmarks/outside_sig_kinds.py dev --dev80 LABEL=RUNS,TRUTH
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from _common import fail, read_jsonl, run_main

DATA = Path(__file__).parent / "data"
S79 = DATA / "outside_s79_h9sig"
DEV79 = S79 / "dev_rows79.jsonl.gz"
FRESH79 = ("zoo-9223", "zoo-9223b", "zoo-9622")  # stop 79's fresh heads, now spent
MARGINS = (0.1, 0.15)
TERMS = ("sig", "sig-share")
VARIANTS = {"both terms": TERMS, "phase term alone": ("sig",), "share term alone": ("sig-share",)}
CHOSEN = ("both terms", 0.15)  # the candidate the rule reads (dev80.txt)
NEW_KINDS = ("gap_leaky_bn", "res_gn")  # the outside maker's SIG-carrying GAP kinds with no bar
BY = "benchmarks/outside_sig_kinds.py (issue 9, stop 80: h9sig)"
FLOORS80 = {"bd_sig_new": 5, "clean_new": 4, "clean_leaky": 1}  # the rule file's floors
FAMILY_ROOM = 0.05  # the most CE any family may lose under the candidate (the rule file)


def seed_of(r: dict) -> str:
    """A row's seed: its label's four digits (9223, 9223b and stop 80's dev 9223 are one)."""
    got = re.search(r"\d{4}", r["pop"])
    return got.group(0) if got else r["pop"]


def spent_rows(dev80: list[str]) -> list[dict]:
    """Every spent GAP head read with the probe's stop-79 readings: stop 79's development rows
    (joined onto their stored runs, quarter phases and the share grid 2-12, as shipped), stop
    79's fresh runs of 9223 / 9223b / 9622, and stop 80's development runs (``dev80``)."""
    from outside_blend_sink import gap_rows
    from outside_named_rule import read_rows
    from outside_sig_both import CHOSEN as CHOSEN79
    from outside_sig_both import VARIANTS as VARIANTS79
    from outside_sig_both import joined

    extra, fine, _ = VARIANTS79[CHOSEN79[0]]
    rows = joined(list(read_jsonl(DEV79)), extra, fine)
    for z in FRESH79:
        rows += read_rows(f"{z}={S79}/detect_{z}_runs.jsonl.gz,{S79}/{z}_truth.json.gz")
    rows += [r for spec in dev80 for r in read_rows(spec)]
    return gap_rows(rows)


def with_kinds(today: dict, rows: list[dict], margin: float, terms: tuple[str, ...] = TERMS
               ) -> dict:
    """``today`` with, in each of ``terms``' entries, the bar of every trait set today reads no
    bar for (fewer than ``min_clean`` clean heads) refitted on ``rows``' clean heads (their
    largest lead plus ``margin``) where ``rows`` hold ``min_clean`` of them; every other bar,
    and every other entry, as today."""
    from outside_blend_low import bars
    from outside_sig_both import share_of
    from outside_sig_term import sig_of
    from trojanscope.detect.calibration import Calibrator

    out = dict(today)
    for term, read in (("sig", sig_of), ("sig-share", share_of)):
        if term not in terms:
            continue
        fit = bars(rows, margin, read)
        if fit is None:
            continue
        for key, entry in today.items():
            if not key.endswith(f":{term}"):
                continue
            fitted = json.loads(json.dumps(entry.fitted_on))
            least = int(fitted.get("min_clean", 1))
            kinds = fitted.setdefault("kinds", {})
            added = {}
            for kind, got in fit["kinds"].items():
                old = kinds.get(kind)
                if old is not None and int(old["n_clean"]) >= least:
                    continue
                if got["n_clean"] >= least:
                    kinds[kind] = {"n_clean": got["n_clean"], "lead": got["lead"]}
                    added[kind] = kinds[kind]
            if added:
                fitted["kinds"] = dict(sorted(kinds.items()))
                fitted["added_s80"] = {"margin": margin, "fitted_by": BY,
                                       "kinds": sorted(added)}
            out[key] = Calibrator(method=entry.method, features=list(entry.features),
                                  coef=list(entry.coef), intercept=entry.intercept,
                                  fitted_on=fitted, mean=entry.mean, scale=entry.scale,
                                  transform=entry.transform)
    return out


def dev(rows: list[dict], today: dict) -> list[dict]:
    """Each variant and margin: each seed held out of the bars (the union of the held-out
    readings), and the bars fitted on every row."""
    from functools import partial

    from outside_blend_low import lofo_low, lost_or_renamed
    from outside_named_rule import model_lines
    from outside_sig_both import at_sig

    out = []
    for name, terms in VARIANTS.items():
        for margin in MARGINS:
            fit = partial(with_kinds, terms=terms)
            held = lofo_low(rows, today, seed_of, margin, fit, ("sig",))
            cand = fit(today, rows, margin)
            lines = model_lines(rows, today, cand)
            out.append({"variant": name, "margin": margin, "by_seed": held,
                        "bars": {t: {k: cand[f"auto:{t}"].fitted_on["kinds"].get(k)
                                     for k in new_kind_keys(rows)} for t in terms},
                        "all_rows": {"at_target": {w: at_sig(lines, w)
                                                   for w in ("today", "candidate")},
                                     "clean_flagged": [f"{m['pop']}/{m['name']}" for m in lines
                                                       if not m["backdoored"]
                                                       and m["candidate"][0] >= 0.5],
                                     "lost": lost_or_renamed(lines)}})
    return out


def new_kind_keys(rows: list[dict]) -> list[str]:
    """The trait sets of the rows' heads of :data:`NEW_KINDS`."""
    from trojanscope.detect.blend_sink import trait_kind

    return sorted({k for r in rows if r["arch_family"] in NEW_KINDS
                   and (k := trait_kind(r["report"]["features"], r["report"].get("traits")
                                        or [])) is not None})


def print_dev(res: list[dict], rows: list[dict]) -> None:
    from outside_blend_low import fmt

    new = [r for r in rows if r["arch_family"] in NEW_KINDS]
    n_sig = sum(r["trigger_family"] == "sig" for r in rows)
    print(f"{len(rows)} spent GAP heads ({sum(not r['backdoored'] for r in rows)} clean, {n_sig} "
          f"SIG); of {', '.join(NEW_KINDS)}: {len(new)} ({sum(not r['backdoored'] for r in new)}"
          f" clean, {sum(r['trigger_family'] == 'sig' for r in new)} SIG); "
          f"{len(res)} variants x margins read")
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
            print(f"   {t} bars of the new kinds: "
                  + ", ".join(f"{k.split(':', 1)[1]} {e}" for k, e in b.items()))


def heads(rows: list[dict], today: dict, kinds: tuple[str, ...] = NEW_KINDS) -> list[str]:
    """Per head of ``kinds``: both readings' top class, value and lead; today's p and class."""
    from outside_named_rule import model_lines
    from trojanscope.detect.sig_probe import sig_lead, sig_phase_lead

    sel = [r for r in rows if r["arch_family"] in kinds]
    out = []
    for r, m in zip(sel, model_lines(sel, today, today), strict=True):
        f = r["report"]["features"]
        ph, sh = sig_phase_lead(f), sig_lead(f)
        what_ = f"{r['trigger_family']} -> {r['target']}" if r["backdoored"] else "clean"
        out.append(f"{r['pop']}/{r['name']:20s} {what_:20s} today {m['today']}  "
                   + (f"phase top {ph[0]} {ph[1]:.2f} lead {ph[2]:.2f}; " if ph else "phase -; ")
                   + (f"share top {sh[0]} {sh[1]:.2f} lead {sh[2]:.2f}" if sh else "share -"))
    return out


def floors80_of(rows: list[dict]) -> dict:
    from outside_blend_sink import gap_rows

    gap = gap_rows(rows)
    new = [r for r in gap if r["arch_family"] in NEW_KINDS]
    return {"bd_sig_new": sum(r["trigger_family"] == "sig" for r in new),
            "clean_new": sum(not r["backdoored"] for r in new),
            "clean_leaky": sum(not r["backdoored"] and r["arch_family"] == "gap_leaky_bn"
                               for r in new),
            "bd_other": sum(r["backdoored"] and r["trigger_family"] != "sig" for r in gap)}


def rule80(rows: list[dict], today: dict, cand: dict, today_cpu: list[float]) -> dict:
    """The stop-80 rule on the fresh union (the rule file): stop 79's points and each family's
    CE within :data:`FAMILY_ROOM` of today's, on :data:`FLOORS80`."""
    from outside_sig_term import rule78

    res = rule78(rows, today, cand, today_cpu, {"bd_sig": 0})  # this rule's floors below
    # (an empty dict would read as stop 78's FLOORS78: the first run stopped on that, 15:56)
    floors = floors80_of(rows)
    res["floors"] = {**res["floors"], **floors}
    if any(floors[k] < v for k, v in FLOORS80.items()):
        return {**res, "read": False, "met": False}
    worse = [f"{f['family']} {f['today']['ce']:.3f} -> {f['candidate']['ce']:.3f}"
             for f in res["families"]
             if f["candidate"]["ce"] > f["today"]["ce"] + FAMILY_ROOM + 1e-12]
    res["points"].append({"point": f"no family's CE higher by more than {FAMILY_ROOM}",
                          "holds": not worse, "figures": f"{worse or 'none'}"})
    res["met"] = all(p["holds"] for p in res["points"])
    return res


def main(argv: list[str] | None = None) -> None:
    from outside_named_rule import SHIPPED
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["dev", "heads", "rule80"])
    ap.add_argument("--dev80", action="append", default=[], metavar="LABEL=RUNS,TRUTH",
                    help="dev / heads: stop 80's development runs (spent seeds)")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS,TRUTH",
                    help="rule80: the fresh runs")
    ap.add_argument("--today", type=Path, default=SHIPPED, help="today's calibration file")
    ap.add_argument("--candidate", type=Path, help="rule80: the candidate file")
    ap.add_argument("--today-cpu", action="append", default=[], metavar="RUNS",
                    help="rule80: runs of today's default whose cpu_s give today's median")
    ap.add_argument("--write", type=Path, help="dev: write the candidate (CHOSEN) here")
    ap.add_argument("--json", type=Path, help="the result as JSON")
    args = ap.parse_args(argv)
    today = load_calibrators(args.today)
    if args.mode == "rule80":
        from outside_named_rule import read_rows
        from outside_sig_term import print_rule78

        rows = [r for spec in args.rows for r in read_rows(spec)]
        if not rows or args.candidate is None:
            fail("rule80: give --rows LABEL=RUNS,TRUTH and --candidate")
        today_cpu = [r["cpu_s"] for p in args.today_cpu for r in read_jsonl(Path(p))
                     if r.get("cpu_s") is not None]
        res = rule80(rows, today, load_calibrators(args.candidate), today_cpu)
        print_rule78(res, FLOORS80, "rule80", "the new kinds' SIG bars")
        if args.json:
            args.json.write_text(json.dumps(res, indent=1, default=str) + "\n")
        return
    rows = spent_rows(args.dev80)
    if args.mode == "heads":
        print("\n".join(heads(rows, today)))
        return
    res = dev(rows, today)
    print_dev(res, rows)
    if args.write:
        save_calibrators(with_kinds(today, rows, CHOSEN[1], VARIANTS[CHOSEN[0]]), args.write)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, default=str) + "\n")


if __name__ == "__main__":
    run_main(main)
