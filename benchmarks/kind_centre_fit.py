"""Candidate K (issue 9, stop 59: h9): the scoring calibrator's logit brought back to the usual
clean reading for a kind whose clean models it reads high (``detect/kind_centre.py``), fitted
and read on every stored population.

Each stored run (``wide_class_rows``: the outside maker's development seeds, the foreign seeds
with MM-BD's per-class ratios, issue 3's ``zoo/eval``) is calibrated by the shipped file; its
logit before any raise term (``probability_unraised`` where a raise lifted it) is the reading
the reference holds. The reference, per scorer and kind (:func:`kind_key`): the clean models'
count and median logit; ``centre``: the median over every clean reference model of the scorer.
The pool: the foreign development seeds (``--fit-foreign-upto``, 86: seeds 87/88 are read out
of sample, as the plan's not-worse check) and the outside development seeds. Read:

* **today**: the shipped file (it must reproduce every stored probability);
* **leave one out**: each foreign seed of the pool read with a reference fitted without it,
  each clean outside model with one fitted without that model (a backdoored model never
  enters a reference);
* **out of sample**: the foreign seeds above the pool and ``zoo/eval`` with the whole pool's.

Writes the candidate file (the shipped file plus ``"auto:centre"`` and
``"auto:out-of-coverage:centre"``, checked through ``calibrate`` itself) and a JSON of figures
(per population, architecture and trigger family, the worst rule family, flags, targets).

    PYTHONPATH=src:benchmarks python benchmarks/kind_centre_fit.py --guard 1.3 \\
        --outside 9103=/tmp/h9s59/d9103_snap.jsonl,/tmp/h9s59/t9103_snap.json \\
        --write benchmarks/data/outside_s59/cal_K.json --json benchmarks/data/outside_s59/dev_K.json
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from statistics import median

from _common import LineParser, fail
from wide_class_rows import foreign_rows, outside_rows, own_rows

SCORERS = ("auto", "auto:out-of-coverage")
MIN_CLEAN = 4
GOAL_AUC, GOAL_CE = 0.95, 0.30


def today_reading(row: dict, cals: dict) -> dict:
    """The shipped file's probability, suspect, scorer and logit before any raise."""
    from foreign_zoo_detect import logit_terms, verdict_of
    from trojanscope.detect.calibration import calibrate

    v = calibrate(verdict_of(row["report"]), cals)
    pre = v.features.get("probability_unraised", v.probability)
    pre = min(max(float(pre), 1e-12), 1 - 1e-12)
    return {"p": float(v.probability), "suspect": v.target_classes[0],
            "scorer": logit_terms(row["report"], cals)["calibrator"],
            "pre_logit": math.log(pre / (1 - pre))}


def fit(rows: list[dict], readings: dict[str, dict], most: float, start: float = 0.0,
        guard: float | None = None) -> dict[str, dict]:
    """Per scorer: ``{"reference": {kind: {"n_clean", "logit"}}, "centre", "start", "most",
    "min_clean"}`` from the clean models among ``rows``."""
    from trojanscope.detect.class_excess import class_ratios, kind_key

    out = {}
    for scorer in SCORERS:
        clean = [r for r in rows if not r["backdoored"] and readings[r["key"]]["scorer"] == scorer]
        kinds: dict[str, list[float]] = {}
        ratios: dict[str, list[list[float]]] = {}
        for r in clean:
            key = kind_key(r["report"]["features"], r["report"]["traits"])
            if key is not None:
                kinds.setdefault(key, []).append(readings[r["key"]]["pre_logit"])
                ratios.setdefault(key, []).append(class_ratios(r["report"]["features"]))
        if not kinds:
            continue
        out[scorer] = {
            "reference": {k: {"n_clean": len(v), "logit": round(median(v), 4),
                              **({"median": per_class_medians(ratios[k])}
                                 if guard is not None else {})}
                          for k, v in sorted(kinds.items())},
            "centre": round(median(x for v in kinds.values() for x in v), 4),
            "start": start, "min_clean": MIN_CLEAN,
            **({"guard": guard} if guard is not None else {}),
            **({"most": most} if math.isfinite(most) else {})}
    return out


def per_class_medians(ratios: list[list[float]]) -> list[float]:
    """Each class's median ratio over a kind's clean models (one length: the kind key holds
    the class count)."""
    return [round(median(c), 4) for c in zip(*ratios, strict=True)]


def candidate(shipped: dict, fitted: dict[str, dict], note: str) -> dict:
    """The shipped calibrators plus one ``"<scorer>:centre"`` entry per fitted scorer."""
    from trojanscope.detect.calibration import Calibrator

    out = dict(shipped)
    for scorer, fitted_on in fitted.items():
        out[f"{scorer}:centre"] = Calibrator(f"{scorer}:centre", [], [], 0.0,
                                             {**copy.deepcopy(fitted_on), "fitted_by": note})
    return out


def read(row: dict, cals: dict) -> dict:
    from foreign_zoo_detect import verdict_of
    from trojanscope.detect.calibration import calibrate

    v = calibrate(verdict_of(row["report"]), cals)
    return {"p": float(v.probability), "suspect": v.target_classes[0],
            "centre": v.features.get("centre_logit", 0.0)}


def figures(rows: list[dict], got: dict[str, dict]) -> dict:
    """ROC-AUC / CE whole, per architecture and trigger family (a trigger family with every
    clean model), the worst rule family (>= 2 backdoored, >= 1 clean), flags and targets. Each
    group read by ``outside_zoo_score.group_figures`` (stop 60: one reading for both scripts),
    its ROC-AUC and CE rounded to 4 places, both None where the group holds one class."""
    from outside_zoo_score import group_figures

    def read(sel: list[dict]) -> list[dict]:
        return [{**r, "probability": got[r["key"]]["p"],
                 "suspected_target": got[r["key"]]["suspect"]} for r in sel]

    def one(sel: list[dict]) -> dict:
        g = group_figures(read(sel))
        both = 0 < g["n_backdoored"] < g["n"]
        return {"n": g["n"], "backdoored": g["n_backdoored"],
                "roc_auc": round(g["roc_auc"], 4) if both else None,
                "cross_entropy": round(g["cross_entropy"], 4) if both else None}
    clean = [r for r in rows if not r["backdoored"]]
    bad = [r for r in rows if r["backdoored"]]
    groups = {"all": one(rows)}
    for fam in sorted({r["arch_family"] for r in rows}):
        groups[f"arch: {fam}"] = one([r for r in rows if r["arch_family"] == fam])
    for fam in sorted({str(r["trigger_family"]) for r in bad}):
        groups[f"trigger: {fam}"] = one(clean + [r for r in bad if str(r["trigger_family"]) == fam])
    rule = {k: v for k, v in groups.items() if k != "all" and v["backdoored"] >= 2
            and v["n"] > v["backdoored"]}
    worst = max(rule, key=lambda k: rule[k]["cross_entropy"]) if rule else None
    whole = group_figures(read(rows))
    return {"groups": groups,
            "worst": [worst, rule[worst]["cross_entropy"], rule[worst]["roc_auc"]] if worst
            else None,
            "clean_flagged": [r["key"] for r in clean if got[r["key"]]["p"] >= 0.5],
            "backdoored_flagged": [whole["backdoored_flagged"], whole["n_backdoored"]],
            "right_targets": [whole["target_right_flagged"], whole["backdoored_flagged"]]}


def brief(f: dict) -> str:
    a = f["groups"]["all"]
    w = f["worst"]
    return (f"{a['n']} ({a['backdoored']} bd) {a['roc_auc']} / {a['cross_entropy']}; worst "
            f"{w}; clean flagged {len(f['clean_flagged'])}; bd flagged "
            f"{f['backdoored_flagged']}; right targets {f['right_targets']}")


def parse_outside(specs: list[str]) -> dict[int, tuple[Path, Path]]:
    out = {}
    for spec in specs:
        seed, _, paths = spec.partition("=")
        runs, _, truth = paths.partition(",")
        if not (seed.isdigit() and Path(runs).is_file() and Path(truth).is_file()):
            fail(f"--outside {spec!r}: want SEED=RUNS,TRUTH (files)")
        out[int(seed)] = (Path(runs), Path(truth))
    return out


def main() -> None:
    from trojanscope.detect.calibration import SHIPPED, load_calibrators, save_calibrators

    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--outside", action="append", default=[],
                    help="SEED=RUNS,TRUTH: an outside development seed's runs and truth")
    ap.add_argument("--fit-foreign-upto", type=int, default=86)
    ap.add_argument("--most", type=float, default=math.inf)
    ap.add_argument("--start", type=float, default=1.0,
                    help="a kind read no more than this above the centre is left alone")
    ap.add_argument("--guard", type=float, default=None,
                    help="no lowering where a class's MM-BD ratio stands this far above the "
                         "kind's clean median")
    ap.add_argument("--write", type=Path, required=True)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    shipped_path = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED
    shipped = load_calibrators(shipped_path)
    rows = outside_rows(parse_outside(args.outside)) + foreign_rows() + own_rows()
    today = {r["key"]: today_reading(r, shipped) for r in rows}
    bad = [r["key"] for r in rows if r["probability"] is not None
           and abs(today[r["key"]]["p"] - r["probability"]) > 1e-9]
    print(f"{len(rows)} runs; the shipped file differs from the stored probability on "
          f"{len(bad)} (runs made before a later default: today's reading is the shipped file's)")
    pool = [r for r in rows if r["pop"] == "outside"
            or (r["pop"] == "foreign" and r["seed"] <= args.fit_foreign_upto)]
    note = (f"benchmarks/kind_centre_fit.py: foreign seeds <= {args.fit_foreign_upto} with "
            f"ratios, outside seeds {sorted({r['seed'] for r in rows if r['pop'] == 'outside'})}")
    whole = fit(pool, today, args.most, args.start, args.guard)
    cand = candidate(shipped, whole, note)
    cand_read = {r["key"]: read(r, cand) for r in rows}
    loso = dict(cand_read)  # a backdoored outside model never enters the reference
    for seed in sorted({r["seed"] for r in pool if r["pop"] == "foreign"}):
        rest = [r for r in pool if r["seed"] != seed]
        fold = candidate(shipped, fit(rest, today, args.most, args.start, args.guard), note)
        loso.update({r["key"]: read(r, fold) for r in pool if r["seed"] == seed})
    for r in pool:  # the outside seeds are few and small: each clean model left out alone
        if r["pop"] == "outside" and not r["backdoored"]:
            fold = fit([x for x in pool if x["key"] != r["key"]], today, args.most, args.start,
                       args.guard)
            loso[r["key"]] = read(r, candidate(shipped, fold, note))
    moved_suspect = [k for k in today if cand_read[k]["suspect"] != today[k]["suspect"]]
    result = {"differ_from_stored": bad, "centre": {s: whole[s]["centre"] for s in whole},
              "kinds_lowered": {
                  s: {k: v for k, v in whole[s]["reference"].items()
                      if v["n_clean"] >= MIN_CLEAN and v["logit"] > whole[s]["centre"] + args.start}
                  for s in whole},
              "suspect_moved": moved_suspect, "populations": {}}
    print(f"centre {result['centre']}")
    print("kinds lowered (n_clean >= 4, logit above centre):")
    for s, kinds in result["kinds_lowered"].items():
        for k, v in kinds.items():
            print(f"  {s} {k}: {v} -> lowers {v['logit'] - whole[s]['centre']:.2f}")
    outside = [r for r in rows if r["pop"] == "outside"]
    pops = {"outside (each clean model left out)": (outside, loso),
            "foreign <= fit (leave one seed out)": (
                [r for r in rows if r["pop"] == "foreign" and r["seed"] <= args.fit_foreign_upto],
                loso),
            "foreign 87/88 (out of sample)": (
                [r for r in rows if r["pop"] == "foreign" and r["seed"] > args.fit_foreign_upto],
                cand_read),
            "own zoo/eval (out of sample)": ([r for r in rows if r["pop"] == "own"], cand_read)}
    for seed in sorted({r["seed"] for r in rows if r["pop"] == "outside"}):
        pops[f"outside {seed} (each clean model left out)"] = (
            [r for r in rows if r["pop"] == "outside" and r["seed"] == seed], loso)
    for label, (sel, got) in pops.items():
        if not sel:
            continue
        t, c = figures(sel, today), figures(sel, got)
        moved = [{"key": r["key"], "backdoored": r["backdoored"],
                  "p": [round(today[r["key"]]["p"], 4), round(got[r["key"]]["p"], 4)]}
                 for r in sel if abs(today[r["key"]]["p"] - got[r["key"]]["p"]) > 1e-6]
        result["populations"][label] = {"today": t, "candidate": c, "moved": moved}
        print(f"== {label}\n  today:     {brief(t)}\n  candidate: {brief(c)}\n"
              f"  moved {len(moved)}: {moved[:12]}")
    save_calibrators(cand, args.write)
    args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
