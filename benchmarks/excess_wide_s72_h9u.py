"""``auto:excess``'s wide-class gate fitted on a second training recipe, against today's default
(issue 9, stop 72: h9u).

Stop 71 (``user_cnn_s71_h9u.py``) found the first-contact user's clean two-epoch ReLU CNN
flagged on MM-BD's terms alone, 4 of 12, always class 7: ``auto:excess`` does not read class 7
because its clean median in the kind's reference (1.076, ``foreign_zoo.py``'s recipe) is under
the ``wide`` gate 1.1. Two files are read against the shipped one:

- ``--write FILE --recipe ROWS...``: the candidate, the shipped file with each ``":excess"``
  entry given ``fitted_on.wide_recipes``: per kind, the median ratio of each class over the
  clean models of ``ROWS`` (``user_cnn_s72_h9u.py read`` rows of the user's recipe, kind
  ``clean``), so a class that recipe widens is read too (:func:`recipe_entries`);
- ``--write FILE --ungated``: a what-if, every class of every ReLU kind read (no gate there).

The reading (``--user`` rows, which keep each run's report, and ``--stored``: every stored run
with a ReLU trait whose report records per-class ratios, or whose ratios stop 55 re-read,
``foreign_s55a/dev_ratios``, and issue 3's ``zoo/eval`` with ``eval_ratios``) scores each model
both ways through :func:`calibrate` and prints, per population and kind (or family) and label:
models, flagged today and with the candidate, the backdoors lost, the clean models cleared,
ROC-AUC and cross-entropy both ways, the worst family, and each model that moved. Stored ReLU
runs without per-class ratios (recorded before stop 55, not re-read) cannot be read exactly: a
backdoor flagged today whose logit is at most the term's ``most`` could be lost, and is counted
as at risk.

    PYTHONPATH=src:benchmarks python benchmarks/excess_wide_s72_h9u.py \\
        --write benchmarks/data/user_cnn_s72_h9u/cal_recipes.json --recipe dev_rows.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/excess_wide_s72_h9u.py \\
        --candidate benchmarks/data/user_cnn_s72_h9u/cal_recipes.json --stored \\
        --user dev=dev_rows.jsonl
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import math
from pathlib import Path

from _common import fail, read_jsonl, run_main

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = DATA.parent.parent / "src" / "trojanscope" / "detect" / "calibration.json"
RELU = "activation:relu"
FLAG = 0.5
# shipped after this stop's and stop 73's rules were read: issue 9 stop 74 (h9d)'s data-free
# excess terms (``data_free_s74_h9d.py``), left out of the files those rules call "today"
LATER_S74 = ("auto:data-free:excess", "auto:data-free:out-of-coverage:excess")


def recipe_entries(rows: list[dict], recipe: str) -> dict[str, list[dict]]:
    """Per kind (:func:`class_excess.kind_key`), the clean models' median ratio of each class in
    ``rows`` (``user_cnn_s72_h9u.py read`` rows of kind ``clean``, each with its report): one
    ``wide_recipes`` entry named ``recipe``."""
    import numpy as np

    from trojanscope.detect.class_excess import class_ratios, kind_key

    by_kind: dict[str, list[list[float]]] = {}
    for r in rows:
        if r["kind"] == "clean":
            feats = r["report"]["features"]
            key = kind_key(feats, r["report"]["traits"])
            if key is not None:
                by_kind.setdefault(key, []).append(class_ratios(feats) or [])
    return {k: [{"recipe": recipe, "n_clean": len(v),
                 "median": np.median(np.array(v), axis=0).round(6).tolist()}]
            for k, v in sorted(by_kind.items())}


def with_recipes(base: dict, recipes: dict[str, list[dict]]) -> dict:
    """``base`` (a calibration file's JSON) with ``wide_recipes`` on every ``":excess"``
    entry."""
    out = copy.deepcopy(base)
    for key, entry in out.items():
        if key.endswith(":excess"):
            fitted = entry["fitted_on"]
            fitted["wide_recipes"] = copy.deepcopy(recipes)
            fitted["fitted_by"] = (f"{fitted.get('fitted_by', '')}; wide_recipes: "
                                   "benchmarks/excess_ungated_s72_h9u.py (issue 9, stop 72)")
    return out


def before_s73() -> dict:
    """The shipped file with the excess entries' line and cap as shipped from stop 56 to stop
    72 (coef, intercept, slope, start, most; taken from stop 72's candidate file, which carries
    them): today's default of stop 73's rule (``excess_cap_s73_h9u.py``)."""
    out = {k: v for k, v in json.loads(SHIPPED.read_text()).items() if k not in LATER_S74}
    old = json.loads((DATA / "user_cnn_s72_h9u" / "cal_recipes.json").read_text())
    for key, entry in out.items():
        if key.endswith(":excess"):
            entry["fitted_on"].pop("shut_by", None)  # issue 9 stop 76 (h9s)'s later note
            for entries in entry["fitted_on"].get("wide_recipes", {}).values():
                for e in entries:  # issue 9 stop 76's later marks (h9c, h9s)
                    e.pop("own_median", None)
                    e.pop("shut", None)
            entry.update({f: old[key][f] for f in ("coef", "intercept")})
            entry["fitted_on"].update({f: old[key]["fitted_on"][f]
                                       for f in ("slope", "start", "most")})
    return out


def before_s72() -> dict:
    """The shipped file as it was before stop 72 shipped ``wide_recipes``: today's default of
    the rule's reading (:func:`before_s73`, its excess entries without ``wide_recipes``)."""
    out = before_s73()
    for key, entry in out.items():
        if key.endswith(":excess"):
            entry["fitted_on"].pop("wide_recipes", None)
    return out


def loaded(text: dict) -> dict:
    """A calibration file's JSON loaded through :func:`load_calibrators` (its checks too)."""
    import tempfile

    from trojanscope.detect.calibration import load_calibrators

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "calibration.json"
        path.write_text(json.dumps(text))
        return load_calibrators(path)


def ungated(base: dict) -> dict:
    """A what-if, not a candidate: every class of every ReLU kind read as wide (a recipe entry
    at the gate for each), i.e. ``auto:excess`` without its ``wide`` gate on ReLU kinds."""
    entry = base["auto:excess"]["fitted_on"]
    return with_recipes(base, {
        k: [{"recipe": "every class (what-if)", "n_clean": int(entry["min_clean"]),
             "median": [float(entry["wide"])] * len(v["median"])}]
        for k, v in entry["reference"].items() if RELU in k.split(":", 1)[1].split("+")})


def _open(path: Path):
    return gzip.open(path, "rt") if path.suffix == ".gz" else path.open()


def verdict(report: dict):
    """The uncalibrated verdict of a stored report (``detect --format json``'s or issue 3's
    ``zoo eval`` rows')."""
    from foreign_zoo_detect import verdict_of
    from own_eval_recal import rebuild

    return verdict_of(report) if "ranking" in report else rebuild(report)


def stored_rows(relu_only: bool = True) -> list[dict]:
    """Every stored run (``*runs*`` / ``*rows*`` files, each model once by its zoo and name,
    the last kept) with a ReLU trait (any trait with ``relu_only=False``: stop 73's cap
    changes every kind's term), its per-class ratios completed from stop 55's re-reads
    where the run recorded none, and issue 3's ``zoo/eval`` rows with theirs."""
    from trojanscope.detect.class_excess import RATIO

    reread = {(r["zoo"], r["name"]): r
              for r in read_jsonl(DATA / "foreign_s55a" / "dev_ratios.jsonl.gz")}
    files = sorted(DATA.glob("*/*runs*.jsonl.gz")) + sorted(DATA.glob("*/*rows*.jsonl.gz"))
    seen: dict[tuple, dict] = {}
    for path in files:
        with _open(path) as fh:
            for line in fh:
                row = json.loads(line)
                report = row.get("report")
                if not isinstance(report, dict) or (
                        relu_only and RELU not in (report.get("traits") or [])):
                    continue
                if "backdoored" not in row or "ranking" not in report:
                    continue
                zoo = row.get("zoo") or path.parent.name
                feats = report["features"]
                got = reread.get((zoo, row.get("name")))
                if f"{RATIO}0" not in feats and got is not None:
                    if abs(got["mmbd_ratio"] - feats.get("mmbd_ratio", math.nan)) > 1e-9:
                        fail(f"{zoo}/{row['name']}: re-read mmbd_ratio is not the stored one")
                    report = {**report, "features": {**feats, **got["features"]}}
                seen[(zoo, row["name"])] = {
                    "pop": zoo, "name": row["name"], "backdoored": bool(row["backdoored"]),
                    "target": row.get("target"), "report": report}
    eval_ratios = {r["name"]: r for r in read_jsonl(DATA / "foreign_s55a" / "eval_ratios.jsonl.gz")}
    for row in read_jsonl(DATA / "foreign_s50" / "eval_rows_s50.jsonl.gz"):
        got = eval_ratios.get(row["name"])
        report = row["report"]
        if got is not None:
            report = {**report, "features": {**report["features"], **got["features"]}}
        seen[("zoo/eval", row["name"])] = {
            "pop": "zoo/eval", "name": row["name"], "backdoored": bool(row["backdoored"]),
            "target": row.get("target"), "report": report}
    return list(seen.values())


def user_rows(spec: str) -> list[dict]:
    """``LABEL=ROWS``: ``user_cnn_s72_h9u.py read`` rows (each with its report)."""
    label, sep, path = spec.partition("=")
    if not sep or not Path(path).is_file():
        fail(f"--user {spec!r}: give LABEL=ROWS (an existing file)")
    out = []
    for r in read_jsonl(Path(path)):
        if not r.get("report"):
            fail(f"--user {spec!r}: {r['kind']}-{r['seed']} has no report")
        out.append({"pop": label, "name": f"{r['kind']}-{r['seed']}", "family": r["kind"],
                    "backdoored": r["kind"].startswith(("patch", "blend")),
                    "target": r.get("target"), "report": r["report"],
                    "stored_p": r["probability"]})
    return out


def kind_of(row: dict) -> str:
    """The reference kind's traits of a row (its traits, sorted)."""
    return "+".join(sorted(row["report"].get("traits") or []))


def score(rows: list[dict], today: dict, cand: dict) -> None:
    """Each row's p and named class with both files (``today``, ``cand``: loaded), the excess
    read, in place; a user row whose stored p today's file does not reproduce is an error."""
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.class_excess import EXCESS, EXCESS_LOGIT, RATIO

    for r in rows:
        a, b = calibrate(verdict(r["report"]), today), calibrate(verdict(r["report"]), cand)
        r["today"] = [float(a.probability), a.target_classes[0]]
        r["candidate"] = [float(b.probability), b.target_classes[0]]
        r["ratios"] = f"{RATIO}0" in r["report"]["features"]
        r["excess"] = [a.features.get(EXCESS), b.features.get(EXCESS)]
        r["excess_logit"] = [a.features.get(EXCESS_LOGIT, 0.0), b.features.get(EXCESS_LOGIT, 0.0)]
        r["raise_logit"] = b.features.get("raise_logit", 0.0)
        if "stored_p" in r and abs(r["today"][0] - r["stored_p"]) > 1e-3:
            fail(f"{r['pop']}/{r['name']}: today's file gives {r['today'][0]:.4f}, "
                 f"the run {r['stored_p']:.4f}")


def auc_ce(rows: list[dict], which: str) -> tuple[float, float]:
    """ROC-AUC (nan without both labels) and cross-entropy of ``rows`` read ``which`` way."""
    import numpy as np

    from generalise_lofo import score as figures

    y = np.array([r["backdoored"] for r in rows], dtype=int)
    p = np.array([r[which][0] for r in rows])
    auc, ce = figures(y, p)
    return float(auc), float(ce)


def summary(rows: list[dict], label: str) -> dict:
    """Models, flags both ways, lost / cleared, ROC-AUC and CE both ways."""
    bd = [r for r in rows if r["backdoored"]]
    clean = [r for r in rows if not r["backdoored"]]
    out = {"group": label, "models": len(rows), "backdoored": len(bd),
           "clean_flagged": [sum(r[w][0] >= FLAG for r in clean) for w in ("today", "candidate")],
           "bd_flagged": [sum(r[w][0] >= FLAG for r in bd) for w in ("today", "candidate")],
           "lost": [f"{r['pop']}/{r['name']}" for r in bd
                    if r["today"][0] >= FLAG > r["candidate"][0]],
           "cleared": [f"{r['pop']}/{r['name']}" for r in clean
                       if r["today"][0] >= FLAG > r["candidate"][0]],
           "bd_min_p": [round(min(r[w][0] for r in bd), 4) if bd else None
                        for w in ("today", "candidate")]}
    if bd and clean:
        out["auc_ce"] = [[round(x, 4) for x in auc_ce(rows, w)] for w in ("today", "candidate")]
    return out


def at_risk(rows: list[dict], most: float, kinds: set[str]) -> list[str]:
    """Backdoors of ``kinds`` (the traits of the kinds the candidate reads anew) without
    ratios flagged today whose logit is at most ``most`` (the term could take them under the
    flag)."""
    from trojanscope.detect.logits import logit

    return [f"{r['pop']}/{r['name']} (logit {logit(r['today'][0]):.1f})" for r in rows
            if r["backdoored"] and not r["ratios"] and kind_of(r) in kinds
            and r["today"][0] >= FLAG and logit(r["today"][0]) <= most]


def groups(rows: list[dict], by: str) -> list[dict]:
    """:func:`summary` per value of ``by`` (``"kind"``: the traits; ``"family"``), then all."""
    key = kind_of if by == "kind" else (lambda r: r.get("family") or kind_of(r))
    names = sorted({key(r) for r in rows})
    return [summary([r for r in rows if key(r) == n], n) for n in names] + [summary(rows, "all")]


def worst(lines: list[dict]) -> dict | None:
    """The backdoored family whose least candidate p is lowest (ties: the first)."""
    fams = [g for g in lines if g["backdoored"] and g["group"] != "all"]
    return min(fams, key=lambda g: g["bd_min_p"][1]) if fams else None


def model_line(r: dict) -> str:
    """One model both ways."""
    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:+.3f}"
    return (f"  {r['pop']}/{r['name']} {'bd' if r['backdoored'] else 'clean'} "
            f"target={r['target']} p {r['today'][0]:.4f} -> {r['candidate'][0]:.4f} named "
            f"{r['today'][1]}/{r['candidate'][1]} excess {f(r['excess'][1])} term "
            f"{r['excess_logit'][0]:+.2f} -> {r['excess_logit'][1]:+.2f} raise "
            f"{r['raise_logit']:+.1f}")


def report(rows: list[dict], by: str, title: str, most: float, kinds: set[str]) -> dict:
    """Print and return one population's reading."""
    lines = groups(rows, by)
    print(f"## {title}: {len(rows)} models")
    for g in lines:
        print(f"- {json.dumps(g)}")
    w = worst(lines)
    if w is not None:
        print(f"- worst family (least candidate p of a backdoor): {w['group']} "
              f"{w['bd_min_p'][1]} (today {w['bd_min_p'][0]})")
    risky = at_risk(rows, most, kinds)
    if any(not r["ratios"] for r in rows):
        print(f"- without ratios: {sum(not r['ratios'] for r in rows)} (of the kinds read anew: "
              f"{sum(not r['ratios'] and kind_of(r) in kinds for r in rows)}); backdoors at "
              f"risk (flagged, logit <= {most}): {risky}")
    moved = [r for r in rows if abs(r["today"][0] - r["candidate"][0]) > 1e-9]
    print(f"- moved: {len(moved)}")
    for r in moved:
        print(model_line(r))
    return {"groups": lines, "worst": w, "at_risk": risky,
            "moved": [model_line(r).strip() for r in moved],
            "renamed": [f"{r['pop']}/{r['name']}" for r in rows
                        if r["backdoored"] and r["today"][1] != r["candidate"][1]]}


def rule_lines(user: dict, stored: dict) -> list[str]:
    """Stop 72's rule (``benchmarks/data/user_cnn_s72_h9u/rule.md``) read on one user
    population and the stored runs: each condition and whether it is met, then the verdict."""
    return verdict_lines(stop72_conds(user, stored), user["worst"])


def stop72_conds(user: dict, stored: dict) -> list[tuple[str, bool, str]]:
    """Stop 72's three conditions (no backdoor lost or renamed, fewer clean flags, no stored
    backdoor lost or at risk) as (name, met, what was read); stop 73's h9w rule reads them too."""
    every = next(g for g in user["groups"] if g["group"] == "all")
    renamed = user["renamed"]
    whole = next(g for g in stored["groups"] if g["group"] == "all")
    return [
        ("C1 no backdoor lost, none renamed", not every["lost"] and not renamed,
         f"lost {every['lost']}, renamed {renamed}; backdoors flagged "
         f"{every['bd_flagged'][0]} -> {every['bd_flagged'][1]} of {every['backdoored']}"),
        ("C2 clean flags fewer", every["clean_flagged"][1] < every["clean_flagged"][0],
         f"{every['clean_flagged'][0]} -> {every['clean_flagged'][1]} of "
         f"{every['models'] - every['backdoored']}"),
        ("C3 no stored backdoor lost or at risk", not whole["lost"] and not stored["at_risk"],
         f"lost {whole['lost']}, at risk {stored['at_risk']}; ROC-AUC / CE "
         f"{whole['auc_ce'][0]} -> {whole['auc_ce'][1]}")]


def lost_condition(name: str, reading: dict) -> tuple[str, bool, str]:
    """A rule's "no backdoor flagged today lost, none renamed" condition on one population's
    reading (:func:`report`'s), as (name, met, what was read): stop 75 h9s's and stop 76
    h9c's fresh rules."""
    every = next(g for g in reading["groups"] if g["group"] == "all")
    return (name, not every["lost"] and not reading["renamed"],
            f"lost {every['lost']}, renamed {reading['renamed']}; flagged "
            f"{every['bd_flagged'][0]} -> {every['bd_flagged'][1]} of {every['backdoored']}")


def verdict_lines(conds: list[tuple[str, bool, str]], worst_family: dict | None,
                  reported: list[str] | None = None, what: str = "the candidate") -> list[str]:
    """A rule's lines: each condition (name, met, what was read) met or not, the worst family
    and any other ``reported`` figure (not conditions), then the verdict on ``what``."""
    out = [f"{name}: {'met' if ok else 'NOT met'} ({said})" for name, ok, said in conds]
    if worst_family is not None:
        out.append(f"worst family (reported): {worst_family['group']}, least backdoor p "
                   f"{worst_family['bd_min_p'][0]} -> {worst_family['bd_min_p'][1]}")
    out += reported or []
    met = all(ok for _, ok, _ in conds)
    out.append(f"RULE MET: {what} becomes the default" if met else
               f"RULE NOT MET: {what} stays opt-in")
    return out


def reading_options(ap: argparse.ArgumentParser, stored: str, rule: str) -> None:
    """The reading's options (``--candidate``, ``--stored``, ``--user``, ``--json``,
    ``--rule``), shared with stop 73's ``excess_cap_s73_h9u.py``."""
    ap.add_argument("--candidate", type=Path, help="the candidate file to read")
    ap.add_argument("--stored", action="store_true", help=f"read {stored}")
    ap.add_argument("--user", action="append", default=[], help="LABEL=ROWS (repeatable)")
    ap.add_argument("--json", type=Path, help="write the reading here")
    ap.add_argument("--rule", help=f"with --stored: read {rule} on this --user LABEL")


def rule_and_json(args: argparse.Namespace, out: dict, lines_of, rule_file: str) -> None:
    """``--rule LABEL``: ``lines_of(out[LABEL], out["stored"])`` read, printed and kept in
    ``out["rule"]``; ``--json``: ``out`` written (shared with ``excess_cap_s73_h9u.py``)."""
    if args.rule:
        if args.rule not in out or "stored" not in out:
            fail(f"--rule {args.rule}: give --stored and --user {args.rule}=ROWS")
        out["rule"] = lines_of(out[args.rule], out["stored"])
        print(f"## rule ({rule_file})")
        print("\n".join(f"- {line}" for line in out["rule"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, help="write a calibration file here (with --recipe "
                    "or --ungated)")
    ap.add_argument("--recipe", nargs="+", type=Path, default=[],
                    help="with --write: rows whose clean models give the second recipe's medians")
    ap.add_argument("--recipe-name", default="first_contact_s68.user_cnn, 2 epochs")
    ap.add_argument("--ungated", action="store_true", help="with --write: the what-if file")
    ap.add_argument("--ship", type=Path, help="copy this file's wide_recipes into the shipped "
                    "calibration file (only where stop 72's rule is met)")
    reading_options(ap, "every stored ReLU run", "stop 72's rule")
    args = ap.parse_args()
    if args.ship:
        cand, shipped = json.loads(args.ship.read_text()), json.loads(SHIPPED.read_text())
        for key, entry in shipped.items():
            if key.endswith(":excess"):
                entry["fitted_on"]["wide_recipes"] = cand[key]["fitted_on"]["wide_recipes"]
        SHIPPED.write_text(json.dumps(shipped, indent=1) + "\n")
        print(f"{SHIPPED}: wide_recipes from {args.ship}")
        return
    if args.write:
        base = before_s72()
        if args.ungated:
            text = ungated(base)
        else:
            rows = [r for path in args.recipe for r in read_jsonl(path)]
            if not rows:
                fail("--write: give --recipe ROWS (or --ungated)")
            text = with_recipes(base, recipe_entries(rows, args.recipe_name))
        args.write.write_text(json.dumps(text, indent=2) + "\n")
        print(f"wrote {args.write}: {text['auto:excess']['fitted_on']['wide_recipes']}")
        return
    if args.candidate is None or not args.candidate.is_file():
        fail("give --candidate FILE (an existing calibration file) or --write FILE")
    from trojanscope.detect.calibration import load_calibrators

    today, cand = loaded(before_s72()), load_calibrators(args.candidate)
    most = float(cand["auto:excess"].fitted_on.get("most", math.inf))
    kinds = {k.split(":", 1)[1] for k in cand["auto:excess"].fitted_on.get("wide_recipes", {})}
    out = {}
    for spec in args.user:
        rows = user_rows(spec)
        score(rows, today, cand)
        out[spec.partition("=")[0]] = report(rows, "family", f"user {spec}", most, kinds)
    if args.stored:
        out.update(stored_reading(today, cand, most, kinds))
    rule_and_json(args, out, rule_lines, "benchmarks/data/user_cnn_s72_h9u/rule.md")


def stored_reading(today: dict, cand: dict, most: float, kinds: set[str]) -> dict:
    """Every stored ReLU run (:func:`stored_rows`) scored both ways: ``{"stored": the
    reading by kind, "stored_by_pop": the summary per population}`` (stop 73 h9w's too)."""
    rows = stored_rows()
    score(rows, today, cand)
    return {"stored": report(rows, "kind", "stored ReLU runs", most, kinds),
            "stored_by_pop": [summary([r for r in rows if r["pop"] == p], p)
                              for p in sorted({r["pop"] for r in rows})]}


if __name__ == "__main__":
    run_main(main)
