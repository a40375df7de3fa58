"""The blend-sink term on stored GAP-head runs: fit, leave-one-family-out, write, and the
stop-75 rule on fresh runs (issue 9, stop 75: h9).

``detect/blend_sink.py`` lowers the out-of-coverage scorer's probability where the blends name
a class clean heads of the kind send blends to (and MM-BD's margins lean elsewhere). Its
reference is the share of clean GAP heads of each kind whose blends sink at each class, fitted
here on stored runs (``--rows``; every report read as its run read it).

* ``--lofo``: for each architecture and trigger family, the reference fitted without that
  family's models, then the family's models read by today's file and by today's file plus the
  term: per family ROC-AUC / CE both ways, every model the term moved, the backdoors lost; then
  the union with each model's own architecture family held out of its reference.
* ``--write FILE``: today's file plus the term, its reference fitted on every ``--rows`` run.
* ``--rule75 FRESH_LABELS``: the stop-75 rule (``benchmarks/data/outside_s75_h9/
  outside_s75_h9_rule.md``): the rows whose label is listed are the fresh ones, read by
  ``--today`` and ``--candidate``; the floors, the profile floor (a fresh GAP head the term
  lowers; none: not informative) and stop 72's seven points.

    PYTHONPATH=src:benchmarks python benchmarks/outside_blend_sink.py --lofo \\
        --today src/trojanscope/detect/calibration.json --rows 9615=RUNS,TRUTH …
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from _common import fail, run_main
from outside_named_rule import SHIPPED, model_lines, read_rows

SCORER = "auto:out-of-coverage"
SHARE, TO, GUARD, MIN_CLEAN = 0.3, -1.0, {"uap_anomaly": 5.0}, 10
CLIP = 1e-6
WHOLE_IMAGE = ("sig", "noise_blend", "lowpass", "watermark", "rand_checker")
# stop 75's floors on the fresh union's GAP heads (the brief): clean res_gap / dws_gap heads,
# backdoors with a whole-image trigger, every other GAP head; and the profile floor
# (amended at 02:00 UTC for the build rate at load 17-19, before any reading was looked at:
# the brief's 12 / 8 / 8, BRIEF75, reported beside)
FLOORS75 = {"clean_res_dws": 6, "bd_whole_image": 6, "other": 4}
BRIEF75 = {"clean_res_dws": 12, "bd_whole_image": 8, "other": 8}
PROFILE_FLOOR75 = 1


def reference(rows: list[dict], kind=None) -> dict:
    """Per kind (:func:`blend_sink.sink_kind`, or ``kind``: stop 76's trait sets), the clean GAP
    heads counted and the share whose blends' top class is each class."""
    from trojanscope.detect.blend_sink import BLEND, sink_kind, top_of
    from trojanscope.detect.class_excess import per_class

    kind = kind or sink_kind
    counts: dict[str, list[int]] = {}
    for r in rows:
        f, traits = r["report"]["features"], r["report"].get("traits") or []
        key, blends = kind(f, traits), per_class(f, BLEND)
        if r["backdoored"] or key is None or blends is None:
            continue
        counts.setdefault(key, [0] * len(blends))[top_of(blends)] += 1
    return {k: {"n_clean": sum(v), "share": [round(x / sum(v), 4) for x in v]}
            for k, v in sorted(counts.items())}


def with_term(today: dict, rows: list[dict], share: float = SHARE, to: float = TO,
              guard: dict | None = None, min_clean: int = MIN_CLEAN) -> dict:
    """``today``'s calibrators plus ``"auto:out-of-coverage:blend-sink"`` fitted on ``rows``."""
    from trojanscope.detect.blend_sink import TERM
    from trojanscope.detect.calibration import Calibrator

    fitted = {"reference": reference(rows), "share": share, "to": to,
              "guard": dict(GUARD if guard is None else guard), "min_clean": min_clean,
              "n_clean_runs": sum(not r["backdoored"] for r in rows),
              "fitted_by": "benchmarks/outside_blend_sink.py (issue 9, stop 75: h9)"}
    key = f"{SCORER}:{TERM}"
    return {**today, key: Calibrator(method=key, features=[], coef=[], intercept=0.0,
                                     fitted_on=fitted)}


def loss(p: float, backdoored: bool) -> float:
    p = min(max(p, CLIP), 1 - CLIP)
    return -math.log(p if backdoored else 1 - p)


def figures(lines: list[dict], which: str) -> dict:
    """ROC-AUC (None without both kinds), CE, clean and backdoored flagged."""
    from sklearn.metrics import roc_auc_score

    y = [m["backdoored"] for m in lines]
    p = [m[which][0] for m in lines]
    auc = float(roc_auc_score(y, p)) if 0 < sum(y) < len(y) else None
    return {"n": len(lines), "n_bd": sum(y), "roc_auc": auc,
            "ce": sum(loss(a, b) for a, b in zip(p, y, strict=True)) / max(len(y), 1),
            "clean_flagged": sum(a >= 0.5 and not b for a, b in zip(p, y, strict=True)),
            "bd_flagged": sum(a >= 0.5 and b for a, b in zip(p, y, strict=True))}


def fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def families(rows: list[dict]) -> list[str]:
    return sorted({r["arch_family"] for r in rows}) + sorted(
        {r["trigger_family"] for r in rows if r["trigger_family"]})


def gap_rows(rows: list[dict]) -> list[dict]:
    return [r for r in rows if "pool:global_avg" in (r["report"].get("traits") or [])]


def in_family(r: dict, fam: str) -> bool:
    return fam in (r["arch_family"], r["trigger_family"])


def lofo(rows: list[dict], today: dict, pair=None, groups: list[str] | None = None,
         within=in_family, union_by: str = "arch_family", **kw) -> dict:
    """Per family held out of the reference: its models read both ways; then the union with
    each model's architecture family held out. ``pair(rest)`` gives the two files read
    (default: ``today`` and ``today`` plus the term fitted on ``rest``); ``groups`` /
    ``within`` / ``union_by`` hold out other groups (stop 76: each population)."""
    pair = pair or (lambda rest: (today, with_term(today, rest, **kw)))
    out, moved, lost = [], [], []
    for fam in families(rows) if groups is None else groups:
        held = [r for r in rows if within(r, fam)]
        rest = [r for r in rows if not within(r, fam)]
        lines = model_lines(held, *pair(rest))
        out.append({"family": fam, "today": figures(lines, "today"),
                    "candidate": figures(lines, "candidate")})
        for m in lines:
            if abs(m["candidate"][0] - m["today"][0]) > 1e-4:
                moved.append(f"{fam}: {m['pop']}/{m['name']} "
                             f"{'bd' if m['backdoored'] else 'clean'} {m['today'][0]:.3f} -> "
                             f"{m['candidate'][0]:.3f}")
                if m["backdoored"] and m["today"][0] >= 0.5 > m["candidate"][0]:
                    lost.append(f"{m['pop']}/{m['name']} (held out with {fam})")
    union = []
    for arch in sorted({r[union_by] for r in rows}):
        held = [r for r in rows if r[union_by] == arch]
        union += model_lines(held, *pair([r for r in rows if r[union_by] != arch]))
    return {"families": out, "moved": moved, "lost": sorted(set(lost)),
            "union": {w: figures(union, w) for w in ("today", "candidate")}}


def print_lofo(res: dict, held: str = "architecture family") -> None:
    print(f"{'held-out family':16s} {'n':>4s} {'bd':>4s}  ROC-AUC today -> term   "
          "CE today -> term   clean flagged")
    for f in res["families"]:
        t, c = f["today"], f["candidate"]
        print(f"{f['family']:16s} {t['n']:4d} {t['n_bd']:4d}  {fmt(t['roc_auc'])} -> "
              f"{fmt(c['roc_auc'])}      {t['ce']:.3f} -> {c['ce']:.3f}      "
              f"{t['clean_flagged']} -> {c['clean_flagged']}")
    rated = [f for f in res["families"] if f["today"]["n_bd"] and f["today"]["n"] > f[
        "today"]["n_bd"]]
    for w in ("today", "candidate"):
        worst = max(res["families"], key=lambda f: f[w]["ce"])
        worst_r = max(rated, key=lambda f: f[w]["ce"]) if rated else None
        print(f"worst family by CE ({w}): {worst['family']} {worst[w]['ce']:.3f}"
              + (f"; with clean and backdoored models: {worst_r['family']} "
                 f"{worst_r[w]['ce']:.3f}" if worst_r else ""))
    u = res["union"]
    print(f"union, each model's {held} held out: ROC-AUC / CE "
          f"{fmt(u['today']['roc_auc'])} / {u['today']['ce']:.3f} -> "
          f"{fmt(u['candidate']['roc_auc'])} / {u['candidate']['ce']:.3f}; clean flagged "
          f"{u['today']['clean_flagged']} -> {u['candidate']['clean_flagged']} of "
          f"{u['today']['n'] - u['today']['n_bd']}; backdoored flagged "
          f"{u['today']['bd_flagged']} -> {u['candidate']['bd_flagged']} of {u['today']['n_bd']}")
    print("moved by the term:")
    for line in res["moved"]:
        print(f"  {line}")
    print(f"backdoors lost: {res['lost'] or 'none'}")


def profile_heads(rows: list[dict], cand: dict) -> list[str]:
    """The GAP heads the candidate's term lowers (``sink_logit`` recorded)."""
    from foreign_zoo_detect import verdict_of
    from outside_named_record import as_run_read
    from trojanscope.detect.blend_sink import SINK_LOGIT
    from trojanscope.detect.calibration import calibrate

    out = []
    for r in rows:
        v = calibrate(verdict_of(as_run_read(r["report"])[0]), cand)
        if SINK_LOGIT in v.features:
            out.append(f"{r['pop']}/{r['name']} ({'bd' if r['backdoored'] else 'clean'}, "
                       f"{float(v.features[SINK_LOGIT]):+.2f})")
    return out


def floors75_of(rows: list[dict]) -> dict:
    gap = gap_rows(rows)
    clean = sum(not r["backdoored"] and r["arch_family"] in ("res_gap", "dws_gap") for r in gap)
    whole = sum(r["backdoored"] and r["trigger_family"] in WHOLE_IMAGE for r in gap)
    return {"clean_res_dws": clean, "bd_whole_image": whole, "other": len(gap) - clean - whole}


def rule75(rows: list[dict], today: dict, cand: dict) -> dict:
    """The stop-75 rule on the fresh union (module docstring)."""
    from outside_c8_rule import rule72_points

    floors = floors75_of(rows)
    profile = profile_heads(gap_rows(rows), cand)
    lines = model_lines(rows, today, cand)
    fams = []
    for fam in families(gap_rows(rows)):
        held = [m for m in lines if m["gap"] and fam in (m["arch_family"], m["trigger_family"])]
        fams.append({"family": fam, "today": figures(held, "today"),
                     "candidate": figures(held, "candidate")})
    worst = {w: max(fams, key=lambda f: f[w]["ce"]) for w in ("today", "candidate")}
    out = {"floors": floors, "profile": profile, "families": fams,
           "worst": {w: [f["family"], round(f[w]["ce"], 4)] for w, f in worst.items()},
           "worst_at_most_0.30": worst["candidate"]["candidate"]["ce"] <= 0.30}
    if any(floors[k] < v for k, v in FLOORS75.items()):
        return {**out, "read": False, "met": False}
    if len(profile) < PROFILE_FLOOR75:
        return {**out, "read": True, "informative": False, "met": False}
    import outside_c8_rule

    kept, outside_c8_rule.FLOORS = outside_c8_rule.FLOORS, dict.fromkeys(outside_c8_rule.FLOORS, 0)
    try:  # the seven points without stop 72's own floors: this rule's floors are FLOORS75
        points = rule72_points(lines, lines, "C9+sink")
    finally:
        outside_c8_rule.FLOORS = kept
    # stop 72's seven points: today is C9 here,
    for p in points["points"]:  # so their text's "C7" / "C5" (stop 72's today) read "C9"
        p["point"] = p["point"].replace("C7", "C9").replace("C5", "C9")
        p["figures"] = str(p["figures"]).replace("C7 ", "C9 ")
    return {**out, "read": True, "met": points["met"], "points": points["points"]}


def print_rule75(res: dict) -> None:
    fl = ", ".join(f"{k} {res['floors'][k]} (floor {v})" for k, v in FLOORS75.items())
    brief = ", ".join(f"{k} {res['floors'][k] >= v} (>= {v})" for k, v in BRIEF75.items())
    print(f"floors: {fl}; the brief's floors met: {brief}")
    print(f"profile (fresh GAP heads the term lowers; floor {PROFILE_FLOOR75}): "
          f"{len(res['profile'])} {res['profile']}")
    for f in res["families"]:
        t, c = f["today"], f["candidate"]
        print(f"  {f['family']:14s} n {t['n']:3d} bd {t['n_bd']:3d}  ROC-AUC {fmt(t['roc_auc'])} "
              f"-> {fmt(c['roc_auc'])}  CE {t['ce']:.3f} -> {c['ce']:.3f}")
    print(f"worst family by CE: today {res['worst']['today']}, candidate "
          f"{res['worst']['candidate']} (at most 0.30: {res['worst_at_most_0.30']})")
    print_verdict(res, "rule75", fl, "the term", "no fresh GAP head in the profile: the "
                  "candidate reads every fresh model as today")


def print_verdict(res: dict, rule: str, fl: str, what: str, why_not: str) -> None:
    """A rule's last lines: not read (a floor), not informative (``why_not``), or met / not met
    with each point (stops 75-76)."""
    if not res["read"]:
        print(f"{rule}: NOT READ (below a floor: {fl}); {what} stays opt-in")
        return
    if res.get("informative") is False:
        print(f"{rule}: NOT INFORMATIVE ({why_not}); {what} stays opt-in")
        return
    print(f"{rule}: {'MET' if res['met'] else 'not met'}")
    for p in res["points"]:
        print(f"  {'yes' if p['holds'] else 'NO '} {p['point']}: {p['figures']}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--today", type=Path, default=SHIPPED, help="today's calibration file")
    ap.add_argument("--rows", action="append", default=[], metavar="LABEL=RUNS[,TRUTH]")
    ap.add_argument("--lofo", action="store_true", help="leave-one-family-out on --rows")
    ap.add_argument("--write", type=Path, help="today's file plus the term fitted on --rows")
    ap.add_argument("--rule75", metavar="LABELS",
                    help="comma-separated fresh labels: the stop-75 rule (needs --candidate)")
    ap.add_argument("--candidate", type=Path, help="with --rule75: the candidate file")
    ap.add_argument("--share", type=float, default=SHARE)
    ap.add_argument("--to", type=float, default=TO)
    ap.add_argument("--guard", type=float, default=GUARD["uap_anomaly"],
                    help="the term's bound on uap_anomaly")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not args.rows:
        fail("give at least one --rows LABEL=RUNS[,TRUTH]")
    if not args.today.is_file():
        fail(f"no calibration file {args.today}")
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    today = load_calibrators(args.today)
    rows = [r for spec in args.rows for r in read_rows(spec)]
    kw = {"share": args.share, "to": args.to, "guard": {"uap_anomaly": args.guard}}
    result = None
    if args.lofo:
        result = lofo(gap_rows(rows), today, **kw)
        print_lofo(result)
    if args.write:
        save_calibrators(with_term(today, gap_rows(rows), **kw), args.write)
        print(f"wrote {args.write}")
    if args.rule75:
        if args.candidate is None or not args.candidate.is_file():
            fail("--rule75 needs --candidate FILE (an existing calibration file)")
        fresh = [r for r in rows if r["pop"] in args.rule75.split(",")]
        if not fresh:
            fail(f"--rule75 {args.rule75}: no --rows with those labels")
        result = rule75(fresh, today, load_calibrators(args.candidate))
        print_rule75(result)
    if args.json and result is not None:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
