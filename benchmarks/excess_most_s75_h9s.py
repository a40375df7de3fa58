"""A smaller cap on ``auto:excess`` for the flat MLP kind: scikit-learn MLP backdoors lowered
as far as clean leans (issue 9, stop 75: h9s).

The flat ReLU MLP kind (``784/10:activation:relu``) opens classes 2 and 3 (the reference's
own MLPs), 2 and 7 (stop 73 h9w's recipe) and 2, 3, 5, 6, 7 behind a guard (stop 74 h9u's), and
the term takes back up to ``most`` (4) logits there. On these models a weak scikit-learn
backdoor's target stands no farther above the class's clean median than a clean lean stands
(stop 74's ``154/skl-bd``, sparse at 2: ratio 1.54, excess 0.40, MM-BD anomaly 1.95 and gap
0.29, where clean leans read 1.33-1.57, anomaly to 3.7, gap to 0.31), so neither the line nor a
guard parts them; but a clean lean needs far less than 4 logits to be taken back, and the
backdoor lost 3.87 where the pixel probe raised it 2.83. The candidate gives the kind's entries
their own ``most`` (``class_excess.excess_cap``: the largest cap of the entries that open the
top class), the rest of the file unchanged; today is the shipped file without entry caps
(:func:`before_h9s`), so the readings re-run the same after a ship.

- ``--write FILE --most M [--guarded-most G] [--data-free]``: the candidate (``M`` on the
  kind's unguarded entries, ``G`` on its guarded one, default ``M``; ``--data-free`` sets them
  on the two data-free excess entries too);
- ``--candidate FILE [--user LABEL=ROWS] [--spent LABEL=ROWS] [--stored] [--rule LABEL]``:
  each ``user_mlp_s73_h9m.py read`` row scored by today's file and the candidate, with clean
  data (the report as read; a row h9d's ``--read`` made data-free is read data-free only) and
  data-free (h9d's reduction of the same report), and the stored
  runs both ways; ``--rule`` reads ``excess_most_s75_h9s_rule.md``'s conditions with ``LABEL``
  the fresh rows (checked: today's file must reproduce each stored p) and ``--spent`` rows
  re-scored;
- ``--ship FILE``: the candidate's excess entries into the shipped file (only where met).

    PYTHONPATH=src:benchmarks python benchmarks/excess_most_s75_h9s.py --write cand.json --most 3
    PYTHONPATH=src:benchmarks python benchmarks/excess_most_s75_h9s.py --candidate cand.json \\
        --stored --spent dev=rows.jsonl.gz --user fresh=fresh.jsonl --rule fresh --json out.json
"""

from __future__ import annotations

import argparse
import copy
import json
import math
from pathlib import Path

from _common import fail, run_main
from data_free_s74_h9d import at_risk, mark_scorer, model_rows, stored_data_free
from excess_dense_s73_h9w import caught
from excess_wide_s72_h9u import (
    FLAG,
    SHIPPED,
    loaded,
    lost_condition,
    report,
    score,
    stored_reading,
    verdict_lines,
)

DENSE = "784/10:activation:relu"
DATA_KEYS = ("auto:excess", "auto:out-of-coverage:excess")
FREE_KEYS = ("auto:data-free:excess", "auto:data-free:out-of-coverage:excess")
RULE = "benchmarks/excess_most_s75_h9s_rule.md"


def before_h9s(shipped: dict) -> dict:
    """Today: ``shipped`` (a calibration file's JSON) without any entry's own ``most``."""
    out = copy.deepcopy(shipped)
    for key in (*DATA_KEYS, *FREE_KEYS):
        fitted = out.get(key, {}).get("fitted_on", {})
        for entry in [*fitted.get("reference", {}).values(),
                      *(e for v in fitted.get("wide_recipes", {}).values() for e in v)]:
            entry.pop("most", None)
    return out


def with_kind_most(base: dict, most: float, guarded_most: float | None = None,
                   data_free: bool = False, kind: str = DENSE) -> dict:
    """``base`` with ``most`` on ``kind``'s reference and unguarded recipe entries and
    ``guarded_most`` (default ``most``) on its guarded ones, in the data path's two excess
    entries (and the data-free two with ``data_free``)."""
    out = copy.deepcopy(base)
    for key in (*DATA_KEYS, *(FREE_KEYS if data_free else ())):
        fitted = out[key]["fitted_on"]
        ref = fitted["reference"].get(kind)
        if ref is None:
            fail(f"{key}: no reference for {kind}")
        ref["most"] = most
        for entry in fitted.get("wide_recipes", {}).get(kind, []):
            entry["most"] = most if "guard" not in entry else (guarded_most or most)
        fitted["fitted_by"] = (f"{fitted.get('fitted_by', '')}; entry caps on {kind}: "
                               "benchmarks/excess_most_s75_h9s.py (issue 9, stop 75)")
    return out


def fresh_conds(data: dict, free: dict, spent: dict[str, list[dict]], stored: dict[str, dict],
                counts: dict[str, list[int]]) -> list[tuple[str, bool, str]]:
    """The rule's conditions (``excess_most_s75_h9s_rule.md``), each path apart."""
    out = []
    for path, fresh in (("data", data), ("data-free", free)):
        every = next(g for g in fresh["groups"] if g["group"] == "all")
        out.append(lost_condition(f"H1 {path}: no fresh backdoor flagged today lost or renamed",
                                  fresh))
        c = every["clean_flagged"]
        out.append((f"H2 {path}: fresh clean flags not more", c[1] <= c[0],
                    f"{c[0]} -> {c[1]} of {every['models'] - every['backdoored']}"))
        lost = [x for g in (stored[path], *spent[path]) for x in next(
            a for a in g["groups"] if a["group"] == "all")["lost"]]
        renamed = [x for g in (stored[path], *spent[path]) for x in g["renamed"]]
        risky = stored[path]["at_risk"]
        out.append((f"H3 {path}: no stored or spent backdoor lost, renamed or at risk",
                    not lost and not renamed and not risky,
                    f"lost {lost}, renamed {renamed}, at risk {risky}"))
    more = {p: c[1] - c[0] for p, c in counts.items()}
    out.append(("H4 at least one fresh backdoor more caught at its target (either path)",
                any(v > 0 for v in more.values()),
                "; ".join(f"{p} {c[0]} -> {c[1]}" for p, c in counts.items())
                + ("" if any(v != 0 for v in more.values()) else " (nothing moved)")))
    return out


def misses(rows: list[dict], which: str, cals: dict) -> list[str]:
    """Each backdoor not flagged at its target ``which`` way (scored rows; ``cals`` that way's
    calibrators, loaded), with what its
    verdict read: MM-BD's top class and its ratio, anomaly and gap, the excess and the logits the
    excess, raise and dense terms added, and a cause: MM-BD's top class elsewhere, the excess
    lowering (flagged at the target without it), or MM-BD's reading too weak."""
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.class_excess import EXCESS_LOGIT, class_ratios
    from trojanscope.detect.logits import logit, shift_logit

    out = []
    for r in rows:
        p, named = r[which]
        if not r["backdoored"] or (p >= FLAG and named == r["target"]):
            continue
        v = calibrate(verdict(r["report"]), cals)
        f = v.features
        ratios = class_ratios(f) or [math.nan]
        top = ratios.index(max(ratios))
        lift = float(f.get(EXCESS_LOGIT, 0.0))
        unlowered = shift_logit(p, -lift) if lift < 0 else p
        cause = ("MM-BD's top class elsewhere" if top != r["target"] and named != r["target"]
                 else "excess lowering" if unlowered >= FLAG and named == r["target"]
                 else "MM-BD's reading weak")
        out.append(f"{r['pop']}/{r['name']} {r['family']} target {r['target']}: p {p:.3f} "
                   f"named {named}; MM-BD top {top} ratio {max(ratios):.2f} anomaly "
                   f"{f.get('mmbd_anomaly', math.nan):.2f} gap {f.get('mmbd_gap', math.nan):.3f}"
                   f"; excess {f.get('mmbd_class_excess', math.nan):.3f} term {lift:+.2f} "
                   f"raise {f.get('raise_logit', 0.0):+.2f} dense {f.get('lower_logit', 0.0):+.2f}"
                   f" (logit {logit(min(max(p, 1e-12), 1 - 1e-12)):+.2f}): {cause}")
    return out


def reading(args: argparse.Namespace) -> None:
    """``--candidate``: the user rows and stored runs, both paths, both files."""
    from trojanscope.detect.calibration import load_calibrators

    today = loaded(before_h9s(json.loads(SHIPPED.read_text())))
    cand = load_calibrators(args.candidate)
    most = float(cand["auto:excess"].fitted_on.get("most", math.inf))
    kinds = {DENSE.split(":", 1)[1]}
    out: dict = {"data": {}, "data-free": {}}
    counts: dict[str, list[int]] = {}
    for spec in args.user + args.spent:
        label, sep, path = spec.partition("=")
        if not sep or not Path(path).is_file():
            fail(f"--user / --spent {spec!r}: give LABEL=ROWS (an existing file)")
        rows = [r for r in model_rows(Path(path), label, data_free=False,
                                      check=spec in args.user) if not r["report"]["data_free"]]
        if rows:
            score(rows, today, cand)
            out["data"][label] = report(rows, "family", f"user {spec} (data)", most, kinds)
        free = model_rows(Path(path), label)
        score(free, today, cand)
        out["data-free"][label] = report(free, "family", f"user {spec} (data-free)", most, kinds)
        if label == args.rule:
            counts = {"data": [caught(rows, w) for w in ("today", "candidate")],
                      "data-free": [caught(free, w) for w in ("today", "candidate")]}
            for path, got in (("data", rows), ("data-free", free)):
                out[path][label]["misses"] = {w: misses(got, w, c) for w, c in (
                    ("today", today), ("candidate", cand))}
                print(f"## {label} ({path}): backdoors missed today, by cause")
                print("\n".join(f"- {line}" for line in out[path][label]["misses"]["today"]))
    stored = {}
    if args.stored:
        stored["data"] = stored_reading(today, cand, most, kinds)["stored"]
        rows = stored_data_free()
        score(rows, today, cand)
        mark_scorer(rows, today)
        stored["data-free"] = report(rows, "kind", "stored runs (data-free)", most, kinds)
        stored["data-free"]["at_risk"] = at_risk(rows, cand)
        out["stored"] = stored
    if args.rule:
        if args.rule not in out["data"] or not stored:
            fail(f"--rule {args.rule}: give --stored and --user {args.rule}=ROWS")
        spent = {p: [v for k, v in out[p].items() if k != args.rule] for p in stored}
        worst = [f"worst family ({p}, reported): {w['group']}, least backdoor p "
                 f"{w['bd_min_p'][0]} -> {w['bd_min_p'][1]}"
                 for p in stored if (w := out[p][args.rule]["worst"]) is not None]
        out["rule"] = verdict_lines(fresh_conds(out["data"][args.rule],
                                                out["data-free"][args.rule], spent, stored,
                                                counts), None, worst)
        print(f"## rule ({RULE})")
        print("\n".join(f"- {line}" for line in out["rule"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


def ship(path: Path) -> None:
    """The candidate's four excess entries written into the shipped file (rule met only)."""
    if not path.is_file():
        fail(f"--ship {path}: no such file")
    cand, shipped = json.loads(path.read_text()), json.loads(SHIPPED.read_text())
    for key in (*DATA_KEYS, *FREE_KEYS):
        shipped[key] = cand[key]
    SHIPPED.write_text(json.dumps(shipped, indent=1) + "\n")
    print(f"{SHIPPED}: {', '.join((*DATA_KEYS, *FREE_KEYS))} from {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, help="write the candidate here (with --most)")
    ap.add_argument("--most", type=float, help="the kind's cap (logits, > 0)")
    ap.add_argument("--guarded-most", type=float, help="the guarded entry's cap (default --most)")
    ap.add_argument("--data-free", action="store_true", help="cap the data-free entries too")
    ap.add_argument("--candidate", type=Path, help="the candidate file to read")
    ap.add_argument("--user", action="append", default=[], help="LABEL=ROWS, checked")
    ap.add_argument("--spent", action="append", default=[], help="LABEL=ROWS, re-scored")
    ap.add_argument("--stored", action="store_true", help="read every stored run too")
    ap.add_argument("--rule", help="with --stored: the rule on this --user LABEL")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--ship", type=Path, help="the candidate's excess entries, shipped")
    args = ap.parse_args()
    if args.write:
        caps = [c for c in (args.most, args.guarded_most) if c is not None]
        if args.most is None or not all(math.isfinite(c) and c > 0 for c in caps):
            fail("--write: give --most M (a number > 0; --guarded-most likewise)")
        base = before_h9s(json.loads(SHIPPED.read_text()))
        args.write.write_text(json.dumps(with_kind_most(base, args.most, args.guarded_most,
                                                        args.data_free), indent=1) + "\n")
        print(f"wrote {args.write}: most {args.most} (guarded {args.guarded_most or args.most})"
              f" on {DENSE}{', data-free too' if args.data_free else ''}")
        return
    if args.ship:
        ship(args.ship)
        return
    if args.candidate is None or not args.candidate.is_file():
        fail("give --write FILE --most M, --candidate FILE or --ship FILE")
    if args.rule and not args.stored:
        fail("--rule: give --stored too")
    reading(args)


if __name__ == "__main__":
    run_main(main)
