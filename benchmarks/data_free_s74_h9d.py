"""``detect --data-free`` on models made by other code, and the ``auto:excess`` term read there
too (issue 9, stop 74: h9d).

Stop 74's first contact read the user's clean two-epoch CNN BACKDOORED 0.69 at class 2 with
``--data-free`` (clean 0.04 with ``--data``). Without clean data ``auto`` is MM-BD's calibrated
verdict alone (``auto:data-free``), and no ``"auto:data-free:excess"`` entry exists, so the
term that takes back a naturally wide class's margin (``detect/class_excess.py``; its
``wide_recipes`` fitted on this maker's clean models at stops 72-73) is never read there.

MM-BD reads no clean data (``uses_data = False``) and ``auto`` seeds it alike with or without
data, so a stored ``detect --data`` report holds every feature a data-free run computes: its
``mmbd_*`` features (the per-class ratios among them) and its ranking. :func:`as_data_free`
reduces a stored report to that (``--check`` compares the reduction with real data-free runs).

- ``--write FILE``: the candidate, the shipped file with ``"auto:data-free:excess"`` and
  ``"auto:data-free:out-of-coverage:excess"``: copies of the data path's two excess entries
  (the same references, ``wide_recipes``, line and cap), each correcting its data-free scorer.
- ``--candidate FILE --stored --user LABEL=ROWS``: every stored run and the user rows read
  data-free, today's file against the candidate (stop 72's ``report``: per kind / family,
  flags both ways, lost, cleared, renamed, ROC-AUC / CE, the worst family, each model that
  moved); ``--rule LABEL`` reads this stop's rule (``data_free_s74_h9d_rule.md``) on it.
- ``--terms ROWS...``: what carries each clean flag data-free (each feature's logit share).
- ``--read FOLDERS... --rows OUT``: each built model (``model.pt`` with its ``clean.npz``, or
  an ``*.onnx`` under a seed folder with ``truth.json``) read as ``detect MODEL --data-free``
  reads it (in process: the detector, seed 0, today's file), one report a line.
- ``--rows ROWS --join BUILT``: the CNN maker's build facts (target, accuracy, attack success)
  added to the read rows.
- ``--check ROWS``: the reduction of each data-path report against the real data-free run.
- ``--ship FILE``: the candidate's two entries into the shipped file (only where the rule is met).

    PYTHONPATH=src:benchmarks python benchmarks/data_free_s74_h9d.py --write cand.json
    PYTHONPATH=src:benchmarks python benchmarks/data_free_s74_h9d.py --candidate cand.json \\
        --stored --user dev=rows.jsonl.gz
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import resource
from collections.abc import Callable
from pathlib import Path

from _common import fail, read_jsonl, run_main
from excess_wide_s72_h9u import (
    LATER_S74,
    SHIPPED,
    loaded,
    report,
    score,
    stop72_conds,
    stored_rows,
    verdict_lines,
)

KEEP = ("unraised_top_class", "unchecked_top_class")  # the orders calibrate undoes
ENTRIES = dict(zip(LATER_S74, ("auto:excess", "auto:out-of-coverage:excess"), strict=True))
RULE = "benchmarks/data_free_s74_h9d_rule.md"
# the MLP makers' rows, read as user rows (one name a seed: the stored reading keeps one)
USER_POPS = ("user_mlp_s73_h9m", "excess_dense_s73_h9w")


def as_data_free(rep: dict) -> dict:
    """A stored ``detect`` report as ``detect --data-free`` would have made it: MM-BD's
    features (and the orders a raise or check changed, which calibration undoes), data-free."""
    feats = {k: v for k, v in rep["features"].items()
             if k.startswith("mmbd_") or k in KEEP}
    return {**rep, "features": feats, "data_free": True}


def with_data_free_excess(base: dict, line: tuple[float, float, float] | None = None,
                          recipe_kinds: bool = False, guarded: bool = False) -> dict:
    """``base`` (a calibration file's JSON) with the data path's excess entries copied onto the
    data-free scorers; ``line`` (slope, start, most) replaces the copies' line and cap (the
    wider entry keeps its start's offset, as ``excess_cap_s73_h9u.with_line``); with
    ``recipe_kinds`` the copies' reference keeps only the kinds a ``wide_recipes`` entry
    names (the kinds of the makers' recipes the term was fitted on at stops 72-73). Guarded
    ``wide_recipes`` entries are copied only with ``guarded`` (the data-free line was ruled
    without them; issue 9 stop 74 h9g's candidate carries them, ``data_free_guard_s74_h9g.py``)."""
    out = copy.deepcopy(base)
    for key, source in ENTRIES.items():
        entry = copy.deepcopy(base[source])
        entry["method"] = key
        fitted = entry["fitted_on"]
        fitted["copied_from"] = f"{source} (issue 9, stop 74: h9d)"
        if "wide_recipes" in fitted and not guarded:  # h9u's guarded entries (stop 74)
            fitted["wide_recipes"] = {k: [e for e in v if "guard" not in e]
                                      for k, v in fitted["wide_recipes"].items()}
        if recipe_kinds:
            fitted["reference"] = {k: v for k, v in fitted["reference"].items()
                                   if k in fitted.get("wide_recipes", {})}
        out[key] = entry
    if line is not None:
        slope, start, most = line
        gap = (float(base[ENTRIES["auto:data-free:excess"]]["fitted_on"]["start"])
               - float(base[ENTRIES["auto:data-free:out-of-coverage:excess"]]["fitted_on"]
                       ["start"]))
        for key, at in zip(ENTRIES, (start, start - gap), strict=True):
            out[key]["coef"], out[key]["intercept"] = [slope], round(-slope * at, 6)
            out[key]["fitted_on"].update(slope=slope, start=round(at, 6), most=most)
    return out


def grid(rows: list[dict], today: dict, base: dict, labels: set[str]) -> list[dict]:
    """Lines (slope, start, most) on the copies restricted to the recipes' kinds: each line's
    clean flags (of them, those of the ``labels`` populations: the user rows) and backdoors
    lost (and which) over ``rows``, read from today's logit and the
    excess (the term's own arithmetic, :func:`~trojanscope.detect.class_excess.excess_term`)."""
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.class_excess import class_excess
    from trojanscope.detect.logits import logit

    fitted = with_data_free_excess(base, recipe_kinds=True)
    read = []
    for r in rows:
        v = calibrate(verdict(r["report"]), today)
        oc = bool(v.coverage_notes)  # scored by the wider calibrator
        f = fitted["auto:data-free:out-of-coverage:excess" if oc else "auto:data-free:excess"]
        e = class_excess(v.features, v.traits, f["fitted_on"]["reference"],
                         int(f["fitted_on"]["min_clean"]), float(f["fitted_on"]["wide"]),
                         f["fitted_on"]["wide_recipes"])
        read.append((r, logit(min(max(v.probability, 1e-12), 1 - 1e-12)), e, 0.1 if oc else 0.0))
    out = []
    for slope in (4.0, 6.0, 8.0, 11.0, 14.0, 18.0, 24.0):
        for start in [round(0.30 + 0.05 * i, 2) for i in range(12)]:
            for most in (1.0, 2.0, 3.0, 4.0, 6.0):
                clean, lost, users = 0, [], 0
                for r, z, e, shift in read:
                    lift = 0.0 if e is None else max(-most, min(0.0, slope * (e - start + shift)))
                    if r["backdoored"] and z >= 0 > z + lift:
                        lost.append(f"{r['pop']}/{r['name']}")
                    flag = (not r["backdoored"]) and z + lift >= 0
                    clean += flag
                    users += flag and r["pop"] in labels
                out.append({"slope": slope, "start": start, "most": most, "clean_flags": clean,
                            "user_clean_flags": users, "lost": lost})
    return out


def model_rows(path: Path, label: str, data_free: bool = True, check: bool = False
               ) -> list[dict]:
    """Rows of ``--read`` (or any rows whose lines hold ``report``, ``backdoored`` and a
    ``name``) as the reading takes them, reduced to data-free (``data_free=False``: the report
    as read, issue 9 stop 75; ``check``: the run's probability kept, for ``score`` to check)."""
    out = []
    for r in read_jsonl(path):
        if not r.get("report"):
            continue
        name = r.get("name") or f"{r['kind']}-{r['seed']}"
        if r.get("seed") is not None and "kind" not in r:  # the MLP maker's: one folder a seed
            name = f"{r['seed']}/{name}"
        out.append({"pop": label, "name": name, "family": family_of(r),
                    "backdoored": bool(r.get("backdoored", str(r.get("kind", "")).startswith(
                        ("patch", "blend")))),
                    "target": r.get("target"),
                    "report": as_data_free(r["report"]) if data_free else r["report"],
                    **({"stored_p": r["probability"]} if check else {})})
    return out


def family_of(r: dict) -> str:
    """A user row's family: the CNN maker's kind (``patch-t2`` as ``patch``) or the MLP
    maker's ``<maker>-<family or clean>``."""
    if "kind" in r:
        return str(r["kind"]).split("-t")[0]
    if "maker" in r:
        return f"{r['maker']}-{r.get('family') or 'clean'}"
    return str(r.get("family") or ("backdoored" if r.get("backdoored") else "clean"))


def mark_scorer(rows: list[dict], today: dict) -> None:
    """Each row's ``today_oc``: whether today's file scores it with the wider calibrator."""
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate

    for r in rows:
        r["today_oc"] = bool(calibrate(verdict(r["report"]), today).coverage_notes)


def stored_data_free() -> list[dict]:
    """Every stored run (:func:`stored_rows`, every kind) reduced to data-free."""
    rows = [r for r in stored_rows(relu_only=False) if r["pop"] not in USER_POPS]
    for r in rows:
        r["report"] = as_data_free(r["report"])
    return rows


def terms(rows: list[dict], calibrators: dict) -> list[dict]:
    """Each clean row flagged data-free: its scorer and each feature's share of the logit
    (``coef × standardised value``), the intercept apart."""
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import _clip, _transform, calibrate

    out = []
    for r in rows:
        v = calibrate(verdict(r["report"]), calibrators)
        if r["backdoored"] or v.probability < 0.5:
            continue
        cal = calibrators["auto:data-free:out-of-coverage" if v.coverage_notes
                          else "auto:data-free"]
        shares = {}
        for i, name in enumerate(cal.features):
            x = _transform(_clip(float(v.features[name])), cal.transform)
            shares[name] = round(cal.coef[i] * (x - cal.mean[i]) / cal.scale[i], 2)
        ratios = [round(v.features.get(f"mmbd_class_ratio_{c}", math.nan), 3) for c in range(10)]
        out.append({"model": f"{r['pop']}/{r['name']}", "p": round(v.probability, 3),
                    "named": v.target_classes[0], "intercept": round(cal.intercept, 2),
                    "shares": shares, "ratios": ratios, "scorer": cal.method})
    return out


def read_models(folders: list[Path], out: Path) -> None:
    """Each model under ``folders`` read data-free in process as the CLI does, one JSON line a
    model appended to ``out`` with its CPU seconds."""
    import numpy as np

    from trojanscope import registry
    from trojanscope.detect.calibration import calibrate, load_calibrators
    from trojanscope.io.models import load_model

    cals = load_calibrators()
    for folder in folders:
        jobs = []
        if (folder / "truth.json").is_file():  # the MLP maker's seed folder
            truth = json.loads((folder / "truth.json").read_text())
            jobs = [(folder / f"{name}.onnx", {"name": f"{folder.name}/{name}", **info})
                    for name, info in truth.items()]
        elif (folder / "model.pt").is_file():  # the CNN maker's model folder
            kind, _, seed = folder.name.rpartition("-")
            jobs = [(folder / "model.pt", {"name": folder.name, "kind": kind, "seed": int(seed),
                                           "backdoored": kind.startswith(("patch", "blend"))})]
        for path, row in jobs:
            before = resource.getrusage(resource.RUSAGE_SELF)
            model = load_model(path)
            shape = model.input_shape  # a traced model records none: the clean file's images'
            if shape is None:
                shape = tuple(np.load(path.parent / "clean.npz")["x"].shape[1:])
            v = registry.create("detector", "auto").inspect(
                model.module, None, input_shape=shape, num_classes=model.num_classes or 10,
                seed=0)
            calibrate(v, cals)
            after = resource.getrusage(resource.RUSAGE_SELF)
            rep = {"model": str(path), "format": model.format, **v.as_dict()}
            line = {**row, "verdict": v.verdict, "probability": v.probability,
                    "named": v.target_classes[0], "report": rep,
                    "cpu_s": round(after.ru_utime - before.ru_utime
                                   + after.ru_stime - before.ru_stime, 2)}
            with out.open("a") as fh:
                fh.write(json.dumps(line) + "\n")
            print(json.dumps({k: line[k] for k in ("name", "probability", "named", "cpu_s")}),
                  flush=True)


def join(rows: Path, built: Path) -> None:
    """``rows`` rewritten with each CNN row's build facts from ``built`` (the maker's ``build``
    rows: ``target``, ``clean_accuracy``, ``attack_success``), matched by kind and seed."""
    facts = {(b["kind"], b["seed"]): b for b in read_jsonl(built)}
    out = []
    for r in read_jsonl(rows):
        b = facts.get((r.get("kind"), r.get("seed")), {})
        out.append({**r, **{k: b[k] for k in ("target", "clean_accuracy", "attack_success")
                            if k in b}})
    rows.write_text("".join(json.dumps(r) + "\n" for r in out))


def check(path: Path, data_rows: Path) -> None:
    """Each ``--read`` row's real data-free report against the reduction of the same model's
    data-path report (rows of the makers' ``read``, matched by name): p and class, today's file."""
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate, load_calibrators

    cals = load_calibrators()
    data = {r["name"]: r for r in model_rows(data_rows, "data")}
    worst = 0.0
    for r in read_jsonl(path):
        d = data.get(r["name"])
        if d is None:
            continue
        v = calibrate(verdict(d["report"]), cals)
        worst = max(worst, abs(v.probability - r["probability"]))
        print(f"{r['name']}: data-free {r['probability']:.4f} at {r['named']}, reduced "
              f"{v.probability:.4f} at {v.target_classes[0]}")
    print(f"largest difference in p: {worst:.2e}")


def at_risk(rows: list[dict], cand: dict) -> list[str]:
    """Backdoors flagged by today's file whose run recorded no per-class ratios (before stop
    55), in a kind the candidate reads, whose MM-BD top class is wide there: the term could
    read them. Their top class's ratio is ``mmbd_ratio``, so the lift is estimated from it; a
    run is at risk where that lift would take it under the flag."""
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.class_excess import wide_class
    from trojanscope.detect.logits import logit

    out = []
    for r in rows:
        if not r["backdoored"] or r["ratios"] or r["today"][0] < 0.5:
            continue
        v = calibrate(verdict(r["report"]), {})  # the order a raise changed, undone
        top = v.target_classes[0]
        key = "auto:data-free:out-of-coverage:excess" if r["today_oc"] else "auto:data-free:excess"
        fitted = cand[key].fitted_on
        traits = "+".join(sorted(r["report"].get("traits") or []))
        kind = f"{int(r['report']['features'].get('mmbd_input_size', 784))}/10:{traits}"
        entry = fitted["reference"].get(kind)
        if entry is None or not wide_class(top, [entry, *fitted.get("wide_recipes", {}).get(
                kind, [])], int(fitted["min_clean"]), float(fitted["wide"])):
            continue
        excess = float(r["report"]["features"]["mmbd_ratio"]) - float(entry["median"][top])
        lift = max(-float(fitted["most"]), min(0.0, cand[key].logit({"mmbd_class_excess":
                                                                      excess})))
        if logit(r["today"][0]) + lift < 0:
            out.append(f"{r['pop']}/{r['name']} (top {top}, excess {excess:.3f}, "
                       f"lift {lift:.2f})")
    return out


def rule_conds(fresh: dict, stored: dict, spent: list[dict], risky: list[str]
               ) -> list[tuple[str, bool, str]]:
    """This stop's rule (``data_free_s74_h9d_rule.md``): stop 72's C1 and C2 on the fresh
    rows; C3 over the stored runs and the spent user rows (none lost or renamed, none at
    risk by :func:`at_risk`)."""
    c1, c2, _ = stop72_conds(fresh, stored)
    lost = [x for g in (stored, *spent) for x in next(
        a for a in g["groups"] if a["group"] == "all")["lost"]]
    renamed = [x for g in (stored, *spent) for x in g["renamed"]]
    return [c1, c2, ("C3 no stored or spent backdoor lost, renamed or at risk",
                     not lost and not renamed and not risky,
                     f"lost {lost}, renamed {renamed}, at risk {risky}")]


def ship(shipped: dict, path: Path) -> None:
    """The two data-free excess entries of the candidate at ``path`` written into the shipped
    file (``shipped``: its JSON), only where a rule is met."""
    if not path.is_file():
        fail(f"--ship {path}: no such file")
    cand = json.loads(path.read_text())
    for key in ENTRIES:
        shipped[key] = cand[key]
    SHIPPED.write_text(json.dumps(shipped, indent=1) + "\n")
    print(f"{SHIPPED}: {', '.join(ENTRIES)} from {path}")


def candidate_reading(args: argparse.Namespace, today: dict, conds: Callable | None = None,
                      rule: str = RULE) -> None:
    """``--candidate FILE`` against ``today`` (loaded) on the ``--user`` rows and ``--stored``
    runs, data-free; ``--rule LABEL`` reads ``conds`` (:func:`rule_conds`'s signature) with
    ``LABEL`` the fresh rows and the other ``--user`` rows spent; ``--json`` keeps it all."""
    from trojanscope.detect.calibration import load_calibrators

    conds = conds or rule_conds
    cand = load_calibrators(args.candidate)
    most = float(cand["auto:data-free:excess"].fitted_on.get("most", math.inf))
    kinds = {k.split(":", 1)[1] for k in cand["auto:data-free:excess"].fitted_on["reference"]}
    out: dict = {}
    for spec in args.user:
        label, sep, path = spec.partition("=")
        if not sep or not Path(path).is_file():
            fail(f"--user {spec!r}: give LABEL=ROWS (an existing file)")
        rows = model_rows(Path(path), label)
        score(rows, today, cand)
        out[label] = report(rows, "family", f"user {spec} (data-free)", most, kinds)
    if args.stored:
        rows = stored_data_free()
        score(rows, today, cand)
        mark_scorer(rows, today)
        out["stored"] = report(rows, "kind", "stored runs (data-free)", most, kinds)
        out["stored"]["at_risk"] = risky = at_risk(rows, cand)
        print(f"- at risk (no ratios, top class wide, lift from mmbd_ratio): {risky}")
    if args.rule:
        if args.rule not in out or "stored" not in out:
            fail(f"--rule {args.rule}: give --stored and --user {args.rule}=ROWS")
        spent = [v for k, v in out.items() if k not in (args.rule, "stored")]
        out["rule"] = verdict_lines(conds(out[args.rule], out["stored"], spent,
                                          out["stored"]["at_risk"]),
                                    out[args.rule]["worst"])
        print(f"## rule ({rule})")
        print("\n".join(f"- {line}" for line in out["rule"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path)
    ap.add_argument("--ship", type=Path)
    ap.add_argument("--candidate", type=Path)
    ap.add_argument("--stored", action="store_true")
    ap.add_argument("--user", action="append", default=[], help="LABEL=ROWS (repeatable)")
    ap.add_argument("--rule", help="read the rule on this --user LABEL (with --stored)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--terms", nargs="+", type=Path, default=[])
    ap.add_argument("--line", nargs=3, type=float, metavar=("SLOPE", "START", "MOST"),
                    help="with --write: the copies' line and cap")
    ap.add_argument("--recipe-kinds", action="store_true",
                    help="with --write: the copies read only the kinds wide_recipes names")
    ap.add_argument("--grid", action="store_true", help="lines on the --user and stored rows")
    ap.add_argument("--read", nargs="+", type=Path, default=[])
    ap.add_argument("--rows", type=Path)
    ap.add_argument("--join", type=Path, metavar="BUILT",
                    help="with --rows: add the CNN maker's build rows (target, accuracy, "
                    "attack success) to the read rows, by kind and seed")
    ap.add_argument("--check", nargs=2, type=Path, metavar=("DATA_FREE_ROWS", "DATA_ROWS"))
    args = ap.parse_args()
    shipped = json.loads(SHIPPED.read_text())
    if args.write:
        text = with_data_free_excess(shipped, tuple(args.line) if args.line else None,
                                     args.recipe_kinds)
        args.write.write_text(json.dumps(text, indent=1) + "\n")
        print(f"wrote {args.write}: {', '.join(ENTRIES)}")
        return
    if args.ship:
        ship(shipped, args.ship)
        return
    if args.join:
        join(args.rows, args.join)
        return
    if args.read:
        if args.rows is None:
            fail("--read: give --rows OUT")
        read_models(args.read, args.rows)
        return
    if args.check:
        check(*args.check)
        return
    today = loaded({k: v for k, v in shipped.items() if k not in ENTRIES})
    if args.terms:
        for path in args.terms:
            for line in terms(model_rows(path, path.parent.name), today):
                print(json.dumps(line))
        return
    if args.grid:
        rows = [r for spec in args.user for r in model_rows(Path(spec.partition("=")[2]),
                                                            spec.partition("=")[0])]
        rows += stored_data_free() if args.stored else []
        for line in grid(rows, today, shipped, {s.partition("=")[0] for s in args.user}):
            print(json.dumps(line))
        return
    if args.candidate is None or not args.candidate.is_file():
        fail("give --candidate FILE, --write FILE, --read, --terms or --check")
    candidate_reading(args, today)


if __name__ == "__main__":
    run_main(main)
