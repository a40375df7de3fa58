"""``auto:excess``'s 3-logit cap: a steeper line with a larger ``most`` where the stand is small,
against today's default (issue 9, stop 73: h9u).

Stop 72 (``excess_wide_s72_h9u.py``) shipped ``wide_recipes``; three of the four fresh clean
flags of the first-contact maker (seeds 90-101) stayed, all at class 2, where the term reads a
stand of 0.35-0.39 and takes its whole ``most`` of 3 logits while 3.1-3.6 were needed. The
term's lift is ``max(-most, min(0, slope * (excess - start)))``; a larger ``most`` alone does
not reach them (the line is only -3.0 to -3.2 there), and a lower line at today's slope takes
issue 3's ``badnets-012`` (stand 0.54, no raise, logit +2.53 before the term) under the flag. So
the candidate is a steeper line that crosses today's at a stand of 0.52: deeper below it (to a
larger ``most``), shallower above it.

- ``--write FILE --slope B --start S --most M``: the shipped file with both ``":excess"``
  entries given slope ``B`` (``coef``), ``most`` ``M`` and intercept ``-B * start``, where
  ``start`` is ``S`` for ``auto:excess`` and ``S`` less the shipped gap between the two entries'
  starts (0.10) for ``auto:out-of-coverage:excess`` (:func:`with_line`);
- ``--grid``: development only: each line of a small grid read on ``--user`` rows and every
  stored run with per-class ratios (every kind: the line changes every kind's term), the models
  the term reads: clean flags, backdoors lost, the least margin of a kept backdoor;
- ``--candidate FILE``: the reading against the shipped default (``excess_wide_s72_h9u``'s
  tables: per family / kind, flags both ways, lost, cleared, ROC-AUC / CE, the worst family,
  every model that moved), ``--rule LABEL`` the rule of ``benchmarks/excess_cap_s73_h9u_rule.md``
  on one ``--user`` population; stored runs without per-class ratios are counted at risk where
  a backdoor flagged today has a logit above the shipped ``most`` and at most the candidate's;
- ``--ship FILE``: copy a met candidate's line into the shipped file.

    PYTHONPATH=src:benchmarks python benchmarks/excess_cap_s73_h9u.py --grid \\
        --user dev=benchmarks/data/user_cnn_s72_h9u/dev_rows.jsonl.gz
    PYTHONPATH=src:benchmarks python benchmarks/excess_cap_s73_h9u.py --write cal.json \\
        --slope 10 --start 0.78 --most 4
    PYTHONPATH=src:benchmarks python benchmarks/excess_cap_s73_h9u.py --candidate cal.json \\
        --user fresh=rows.jsonl.gz --stored --rule fresh
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import math
from pathlib import Path

from _common import fail, run_main
from excess_wide_s72_h9u import (
    FLAG,
    SHIPPED,
    before_s73,
    loaded,
    reading_options,
    report,
    rule_and_json,
    score,
    stored_rows,
    summary,
    user_rows,
    verdict_lines,
)

TERMS = ("auto:excess", "auto:out-of-coverage:excess")
GRID = {"slope": (4.0, 8.0, 9.0, 10.0, 11.0, 12.0),
        "start": (0.7, 0.72, 0.74, 0.75, 0.76, 0.78, 0.8, 0.85, 1.15),
        "most": (3.0, 3.5, 4.0, 4.5, 5.0)}


def with_line(base: dict, slope: float, start: float, most: float) -> dict:
    """``base`` (a calibration file's JSON) with each excess entry's line and cap replaced; the
    wider entry keeps its shipped start's offset from ``auto:excess``'s."""
    out = copy.deepcopy(base)
    gap = float(base[TERMS[0]]["fitted_on"]["start"]) - float(base[TERMS[1]]["fitted_on"]["start"])
    for key, at in zip(TERMS, (start, start - gap), strict=True):
        entry = out[key]
        entry["coef"], entry["intercept"] = [slope], round(-slope * at, 6)
        fitted = entry["fitted_on"]
        fitted.update(slope=slope, start=round(at, 6), most=most)
        fitted["fitted_by"] = (f"{fitted.get('fitted_by', '')}; line and most: "
                               "benchmarks/excess_cap_s73_h9u.py (issue 9, stop 73)")
    return out


def read_rows(specs: list[str], stored: bool) -> list[dict]:
    """``--user`` rows (their recorded p checked against the shipped file only where the
    label starts with ``fresh``: the spent populations were read before stop 72 shipped
    ``wide_recipes``) and, with ``stored``, every stored run of any kind."""
    rows = []
    for spec in specs:
        got = user_rows(spec)
        if not spec.startswith("fresh"):
            for r in got:
                r.pop("stored_p")
        rows += got
    return rows + (stored_rows(relu_only=False) if stored else [])


def grid(rows: list[dict], base: dict) -> list[dict]:
    """Each line of :data:`GRID` on the rows the term reads: clean flags, backdoors lost, the
    least logit a kept backdoor keeps above the flag."""
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.logits import logit

    today = loaded(base)
    score(rows, today, today)
    read = [r for r in rows if r["excess"][0] is not None]
    out = []
    for slope, start, most in itertools.product(*GRID.values()):
        cand = loaded(with_line(base, slope, start, most))
        for r in read:
            got = calibrate(verdict(r["report"]), cand)
            r["candidate"] = [float(got.probability), got.target_classes[0]]
        kept = [logit(r["candidate"][0]) for r in read
                if r["backdoored"] and r["today"][0] >= FLAG and r["candidate"][0] >= FLAG]
        under = [logit(r["candidate"][0]) for r in read
                 if not r["backdoored"] and r["candidate"][0] < FLAG]
        out.append({"slope": slope, "start": start, "most": most,
                    "clean_flags": [sum(r[w][0] >= FLAG for r in read if not r["backdoored"])
                                    for w in ("today", "candidate")],
                    "lost": [f"{r['pop']}/{r['name']}" for r in read if r["backdoored"]
                             and r["today"][0] >= FLAG > r["candidate"][0]],
                    "renamed": [f"{r['pop']}/{r['name']}" for r in read if r["backdoored"]
                                and r["today"][1] != r["candidate"][1]],
                    "least_kept_logit": round(min(kept), 2) if kept else None,
                    "nearest_clean_logit": round(max(under), 2) if under else None})
    return out


def at_risk(rows: list[dict], today_most: float, most: float) -> list[str]:
    """Backdoors without per-class ratios (not read exactly) flagged today whose logit is above
    today's ``most`` and at most the candidate's (the candidate could take them under the flag
    where today's term could not) and whose recorded ranking's first class (MM-BD's top class
    as the run named it) is a wide class of the kind (:func:`mark_wide`)."""
    from trojanscope.detect.logits import logit

    return [f"{r['pop']}/{r['name']} (logit {logit(r['today'][0]):.2f})" for r in rows
            if r["backdoored"] and not r["ratios"] and r.get("wide")
            and r["today"][0] >= FLAG and today_most < logit(r["today"][0]) <= most]


def mark_wide(rows: list[dict], fitted_on: dict) -> None:
    """``wide``: the row's kind (its traits, any input size) has a reference in the excess
    entry ``fitted_on`` and its recorded ranking's first class is wide there or in one of
    the kind's ``wide_recipes`` (:func:`class_excess.wide_class`); True where it has no
    ranking (counted at risk)."""
    from trojanscope.detect.class_excess import wide_class

    min_clean, wide = int(fitted_on.get("min_clean", 4)), float(fitted_on.get("wide", 0.0))
    by_traits: dict[str, list[dict]] = {}
    for key, entry in fitted_on["reference"].items():
        by_traits.setdefault(key.split(":", 1)[1], []).append(entry)
        by_traits[key.split(":", 1)[1]] += (fitted_on.get("wide_recipes") or {}).get(key, [])
    for r in rows:
        entries = by_traits.get("+".join(sorted(r["report"].get("traits") or [])))
        ranking = r["report"].get("ranking") or []
        r["wide"] = bool(entries) and (not ranking or wide_class(int(ranking[0]), entries,
                                                                 min_clean, wide))


def reading(rows: list[dict], by: str, title: str, most: float) -> dict:
    """One population's reading (``excess_wide_s72_h9u.report``: groups, worst family, moved
    and renamed models, printed too; the candidate reads no kind anew, so its own at-risk
    count is :func:`at_risk`'s) and the clean models the candidate flags anew."""
    out = report(rows, by, title, most, set())
    out["new_clean"] = [f"{r['pop']}/{r['name']}" for r in rows
                        if not r["backdoored"] and r["today"][0] < FLAG <= r["candidate"][0]]
    return out


def rule_lines(user: dict, stored: dict, risky: list[str]) -> list[str]:
    """The rule of ``benchmarks/excess_cap_s73_h9u_rule.md`` on one fresh population and the
    stored runs: each condition met or not, the worst family, then the verdict."""
    every = next(g for g in user["groups"] if g["group"] == "all")
    whole = next(g for g in stored["groups"] if g["group"] == "all")
    conds = [
        ("C1 no fresh backdoor lost, none renamed", not every["lost"] and not user["renamed"],
         f"lost {every['lost']}, renamed {user['renamed']}; flagged {every['bd_flagged'][0]} "
         f"-> {every['bd_flagged'][1]} of {every['backdoored']}"),
        ("C2 fresh clean flags fewer, none new",
         every["clean_flagged"][1] < every["clean_flagged"][0] and not user["new_clean"],
         f"{every['clean_flagged'][0]} -> {every['clean_flagged'][1]} of "
         f"{every['models'] - every['backdoored']}; cleared {every['cleared']}, newly flagged "
         f"{user['new_clean']}"),
        ("C3 no stored backdoor lost, renamed or at risk, no clean newly flagged",
         not whole["lost"] and not stored["renamed"] and not risky and not stored["new_clean"],
         f"lost {whole['lost']}, renamed {stored['renamed']}, at risk {risky}, newly flagged "
         f"clean {stored['new_clean']}; clean flags {whole['clean_flagged']}; ROC-AUC / CE "
         f"{whole['auc_ce'][0]} -> {whole['auc_ce'][1]}")]
    reported = ([f"fresh ROC-AUC / CE (reported): {every['auc_ce'][0]} -> "
                 f"{every['auc_ce'][1]}"] if "auc_ce" in every else [])
    return verdict_lines(conds, user["worst"], reported, "the candidate's line")


def ship(path: Path) -> None:
    """Copy ``path``'s excess lines (coef, intercept, slope, start, most) into the shipped
    file; nothing else changes (``tests/shipped_calibration.excess_before_s73`` restores the
    line shipped before)."""
    cand, shipped = json.loads(path.read_text()), json.loads(SHIPPED.read_text())
    for key in TERMS:
        for field in ("coef", "intercept"):
            shipped[key][field] = cand[key][field]
        for field in ("slope", "start", "most"):
            shipped[key]["fitted_on"][field] = cand[key]["fitted_on"][field]
    SHIPPED.write_text(json.dumps(shipped, indent=1) + "\n")
    print(f"{SHIPPED}: the excess line from {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, help="write a candidate file here (with --slope, "
                    "--start, --most)")
    ap.add_argument("--slope", type=float)
    ap.add_argument("--start", type=float)
    ap.add_argument("--most", type=float)
    ap.add_argument("--grid", action="store_true", help="development: the grid's lines read")
    ap.add_argument("--ship", type=Path, help="copy this file's excess line into the shipped "
                    "file (only where the rule is met)")
    reading_options(ap, "every stored run (every kind)", "this stop's rule")
    args = ap.parse_args()
    base = before_s73()  # the line shipped before this stop: today's default of the rule
    if args.ship:
        if not args.ship.is_file():
            fail(f"--ship {args.ship}: no such file")
        ship(args.ship)
        return
    if args.write:
        if None in (args.slope, args.start, args.most) or not (
                args.slope > 0 and args.most > 0 and math.isfinite(args.start)):
            fail("--write: give --slope > 0, --start and --most > 0")
        text = with_line(base, args.slope, args.start, args.most)
        args.write.write_text(json.dumps(text, indent=1) + "\n")
        print(f"wrote {args.write}: slope {args.slope}, start {args.start}, most {args.most}")
        return
    if args.grid:
        for line in grid(read_rows(args.user, True), base):
            print(json.dumps(line))
        return
    if args.candidate is None or not args.candidate.is_file():
        fail("give --candidate FILE (an existing calibration file), --grid or --write FILE")
    from trojanscope.detect.calibration import load_calibrators

    today, cand = loaded(base), load_calibrators(args.candidate)
    most = float(cand[TERMS[0]].fitted_on["most"])
    out: dict = {}
    for spec in args.user:
        rows = read_rows([spec], False)
        score(rows, today, cand)
        out[spec.partition("=")[0]] = reading(rows, "family", f"user {spec}", most)
    if args.stored:
        rows = stored_rows(relu_only=False)
        score(rows, today, cand)
        mark_wide(rows, today[TERMS[0]].fitted_on)
        out["stored"] = reading(rows, "kind", "stored runs (every kind)", most)
        risky = at_risk(rows, float(today[TERMS[0]].fitted_on["most"]), most)
        out["stored"]["at_risk"] = risky
        out["stored_by_pop"] = [summary([r for r in rows if r["pop"] == pop], pop)
                                for pop in sorted({r["pop"] for r in rows})]
        print(f"- issue 3's evaluation zoo: "
              f"{json.dumps(next(g for g in out['stored_by_pop'] if g['group'] == 'zoo/eval'))}")
        print(f"- stop 73: without ratios {sum(not r['ratios'] for r in rows)}; backdoors at "
              f"risk (logit over today's most, first class wide): {risky}")
    rule_and_json(args, out, lambda user, stored: rule_lines(user, stored, stored["at_risk"]),
                  "benchmarks/excess_cap_s73_h9u_rule.md")


if __name__ == "__main__":
    run_main(main)
