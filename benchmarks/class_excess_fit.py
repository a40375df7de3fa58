"""``mmbd_class_excess`` fitted and read leave-one-seed-out on stored foreign runs (issue 9,
stop 55: h9A).

Each development seed's stored ``auto`` runs (``foreign_zoo_detect.py`` rows with their
``report``) are completed with the per-class ratios read again by ``mmbd_class_reread.py``
(MM-BD alone, the same seed: its ``mmbd_ratio`` must equal the stored one, or the row is an
error). Then:

* **today**: the shipped file recalibrating each run (it must reproduce the stored probability);
* **leave one seed out**: for each held-out seed, the clean reference (per kind: the median
  ratio of each class over clean models of the other seeds) and each scorer's ``start`` and
  ``slope`` (the grid below, least cross-entropy on the other seeds, each of their rows read
  against a reference without its own seed) are fitted without it, and its rows are scored;
* **the candidate file**: the reference and the starts fitted on every development seed, written
  as the shipped file plus ``"auto:excess"`` and ``"auto:out-of-coverage:excess"``, and checked
  through ``calibrate`` itself against the formula on every row.

Scores per script, architecture and trigger family (``foreign_zoo_detect.py``'s groups), the
worst family, clean and backdoored models at p >= 0.5 and right targets, pooled over the seeds.
With ``--eval-rows`` and ``--eval-ratios``, issue 3's ``zoo/eval`` is rescored with both files.

    PYTHONPATH=src:benchmarks python benchmarks/class_excess_fit.py \\
        --dev 79=/tmp/h9Cs54/run/zoo-s79,foreign_s54c/detect79_runs.jsonl.gz ... \\
        --ratios ratios.jsonl --out benchmarks/data/foreign_s55a
"""

from __future__ import annotations

import argparse
import copy
import json
import math
from pathlib import Path

import numpy as np

from _common import LineParser, fail, read_jsonl

DATA = Path(__file__).resolve().parent / "data"
STARTS = [round(0.1 + 0.05 * i, 2) for i in range(15)]  # 0.10 ... 0.80
SLOPES = [0.0, 2.0, 4.0, 8.0, 16.0]  # 0: no term for that scorer
WIDES = [0.0, 1.2, 1.3, 1.4, 1.5]  # the least reference ratio of the top class read
MOSTS = [1.0, 2.0, 3.0, math.inf]  # the most logits the term takes
SCORERS = ("auto", "auto:out-of-coverage")
GOAL_AUC, GOAL_CE = 0.95, 0.30


def load_seed(seed: int, zoo: Path, runs: Path, ratios: dict) -> list[dict]:
    """The seed's stored runs that have re-read ratios, each with its truth (``models(zoo)``)
    and its report's features completed."""
    from foreign_zoo_detect import models

    stored = {r["name"]: r for r in read_jsonl(runs)}
    rows = []
    for meta in models(zoo):
        run = stored.get(meta["name"])
        if run is None or not run.get("report"):
            continue
        got = ratios.get((zoo.name, meta["name"])) or recorded_ratios(run["report"])
        if got is None:
            continue
        report = copy.deepcopy(run["report"])
        if abs(report["features"]["mmbd_ratio"] - got["mmbd_ratio"]) > 1e-9:
            fail(f"seed {seed} {meta['name']}: the re-read mmbd_ratio {got['mmbd_ratio']} is not "
                 f"the stored {report['features']['mmbd_ratio']}")
        report["features"].update(got["features"])
        rows.append({**meta, "seed": seed, "key": f"s{seed}:{meta['name']}", "report": report,
                     "stored_p": run["probability"]})
    return rows


def recorded_ratios(report: dict) -> dict | None:
    """The per-class ratios a run recorded itself (``auto`` since stop 55), in the form
    ``mmbd_class_reread.py`` writes; None for a run recorded before."""
    from trojanscope.detect.class_excess import INPUT_SIZE, RATIO

    feats = report.get("features") or {}
    if f"{RATIO}0" not in feats:
        return None
    return {"mmbd_ratio": feats["mmbd_ratio"],
            "features": {k: v for k, v in feats.items() if k.startswith(RATIO) or k == INPUT_SIZE}}


def base_calibrators() -> dict:
    """The shipped file without its ``":excess"`` entries: what the development runs were
    recorded with (every stored foreign run before stop 55's terms shipped), and what a
    candidate's terms are written onto."""
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.class_excess import TERM

    return {k: v for k, v in load_calibrators().items() if not k.endswith(f":{TERM}")}


def fit_reference(rows: list[dict]) -> dict:
    """Per kind: how many clean models, and each class's median ratio over them."""
    from trojanscope.detect.class_excess import class_ratios, kind_key

    by_kind: dict[str, list[list[float]]] = {}
    for r in rows:
        if r["backdoored"]:
            continue
        feats = r["report"]["features"]
        key = kind_key(feats, r["report"]["traits"])
        if key is not None:
            by_kind.setdefault(key, []).append(class_ratios(feats))
    return {k: {"n_clean": len(v), "median": np.median(np.array(v), axis=0).round(6).tolist()}
            for k, v in sorted(by_kind.items())}


def excess_of(row: dict, reference: dict) -> tuple[float, float] | None:
    """(the excess, the reference's ratio of the top class), None where it is not read."""
    from trojanscope.detect.class_excess import class_excess, class_ratios

    feats = row["report"]["features"]
    e = class_excess(feats, row["report"]["traits"], reference)
    return None if e is None else (e, max(class_ratios(feats) or [e]) - e)


def lowered(p: float, read: tuple[float, float] | None, start: float, slope: float,
            wide: float, most: float) -> float:
    """The term on a probability: its negative score added to the logit, where it is read
    (the top class's reference ratio at least ``wide``)."""
    if read is None or slope == 0.0 or read[1] < wide:
        return p
    lift = max(-most, min(0.0, slope * (read[0] - start)))
    q = min(max(p, 1e-12), 1 - 1e-12)
    z = math.log(q / (1 - q)) + lift
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def log_loss(y: list[int], p: list[float]) -> float:
    q = np.clip(np.array(p), 1e-6, 1 - 1e-6)
    t = np.array(y)
    return float(-np.mean(t * np.log(q) + (1 - t) * np.log(1 - q)))


def choose(rows: list[dict], excess: dict) -> dict[str, tuple[float, float, float, float]]:
    """Per scorer, the (start, slope, wide, most) of the grid with the least cross-entropy on
    ``rows`` (ties: the first found: smaller slope, lower start, lower wide, smaller most)."""
    out = {}
    for scorer in SCORERS:
        mine = [r for r in rows if r["scorer"] == scorer]
        y = [int(r["backdoored"]) for r in mine]
        best = None
        for slope in SLOPES:
            for start in STARTS if slope else [0.0]:
                for wide in WIDES if slope else [0.0]:
                    for most in MOSTS if slope else [math.inf]:
                        ce = log_loss(y, [lowered(r["p_today"], excess[r["key"]], start, slope,
                                                  wide, most) for r in mine]) if mine else 0.0
                        if best is None or ce < best[0] - 1e-12:
                            best = (ce, start, slope, wide, most)
        out[scorer] = best[1:]
    return out


def prepare(rows: list[dict]) -> None:
    """Each row's probability without any excess term (``p_today``: the shipped file less its
    ``":excess"`` entries, which must reproduce the stored run), under the shipped file
    (``p_shipped``), its suspect and scorer."""
    from foreign_zoo_detect import logit_terms, recalibrate_row
    from trojanscope.detect.calibration import load_calibrators

    base, shipped = base_calibrators(), load_calibrators()
    for r in rows:
        got = recalibrate_row({"name": r["name"], "report": r["report"]}, base, "base")
        if abs(got["probability"] - r["stored_p"]) > 1e-9:
            fail(f"{r['key']}: the shipped file without its excess terms gives "
                 f"{got['probability']}, stored {r['stored_p']}")
        r["p_today"], r["suspect"] = got["probability"], got["suspected_target"]
        r["p_shipped"] = recalibrate_row({"name": r["name"], "report": r["report"]}, shipped,
                                         "shipped")["probability"]
        r["scorer"] = logit_terms(r["report"], shipped)["calibrator"]


def loso(rows: list[dict]) -> tuple[dict[str, float], dict]:
    """Each seed's rows scored by the reference and starts fitted on the other seeds."""
    seeds = sorted({r["seed"] for r in rows})
    p_out: dict[str, float] = {}
    folds = {}
    for s in seeds:
        train = [r for r in rows if r["seed"] != s]
        inner = {}  # each training row against a reference without its own seed (nor s)
        for t in {r["seed"] for r in train}:
            ref_t = fit_reference([r for r in train if r["seed"] != t])
            inner.update({r["key"]: excess_of(r, ref_t) for r in train if r["seed"] == t})
        params = choose(train, inner)
        ref = fit_reference(train)
        for r in rows:
            if r["seed"] == s:
                e = excess_of(r, ref)
                r.setdefault("loso_excess", e)  # (excess, reference ratio) or None
                p_out[r["key"]] = lowered(r["p_today"], e, *params[r["scorer"]])
        folds[s] = {"params": plain(params),
                    "kinds": {k: v["n_clean"] for k, v in ref.items()}}
    return p_out, folds


def plain(params: dict[str, tuple]) -> dict[str, list]:
    """(start, slope, wide, most) per scorer for JSON: an unbounded ``most`` as None."""
    return {k: [None if isinstance(x, float) and math.isinf(x) else x for x in v]
            for k, v in params.items()}


def scores(rows: list[dict], p: dict[str, float]) -> dict:
    """Every family's ROC-AUC / CE (arch, trigger, script), the worst of those with >= 2
    backdoored and >= 1 clean, flags and right targets."""
    from foreign_zoo_detect import script_groups
    from generalise_lofo import ALL_FAMILIES, fresh_groups
    from generalise_lofo import score as auc_ce
    from ship_criterion import families, worst

    if not ALL_FAMILIES:
        ALL_FAMILIES.append(True)
    y = np.array([r["backdoored"] for r in rows], dtype=int)
    q = np.array([p[r["key"]] for r in rows])
    groups = fresh_groups(rows)
    groups = groups[:-1] + script_groups(rows) + groups[-1:]
    out: dict = {"groups": {}}
    for label, sel in groups:
        auc, ce = auc_ce(y[sel], q[sel])
        out["groups"][label] = {"roc_auc": round(float(auc), 4), "cross_entropy": round(ce, 4),
                                "n": int(sel.sum()), "n_backdoored": int(y[sel].sum())}
    fams = families(out["groups"])
    out["worst"] = dict(zip(("auc_family", "roc_auc", "ce_family", "cross_entropy"),
                            worst(out["groups"]) if fams else ("-", float("nan"), "-",
                                                               float("nan")), strict=True))
    out["missing"] = sorted(k for k, v in fams.items()
                            if not (v["roc_auc"] >= GOAL_AUC and v["cross_entropy"] <= GOAL_CE))
    out["clean_flagged"] = sorted(r["key"] for r in rows
                                  if not r["backdoored"] and p[r["key"]] >= 0.5)
    bad = [r for r in rows if r["backdoored"]]
    out["backdoored_flagged"] = sum(p[r["key"]] >= 0.5 for r in bad)
    out["n_backdoored"] = len(bad)
    out["target_right"] = sum(r["suspect"] == r["target"] for r in bad)
    return out


def candidate_file(reference: dict, params: dict[str, tuple[float, float, float, float]],
                   meta: dict) -> dict:
    """The shipped file, its excess entries replaced by one per scorer whose slope is not 0."""
    from trojanscope.detect.calibration import SHIPPED
    from trojanscope.detect.class_excess import EXCESS, MIN_CLEAN, TERM

    shipped = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED
    text = {k: v for k, v in json.loads(shipped.read_text()).items()
            if not k.endswith(f":{TERM}")}
    for scorer, (start, slope, wide, most) in params.items():
        if slope:
            text[f"{scorer}:{TERM}"] = {
                "method": f"{scorer}:{TERM}", "features": [EXCESS], "coef": [slope],
                "intercept": -slope * start,
                "fitted_on": {"start": start, "slope": slope, "wide": wide,
                              **({"most": most} if math.isfinite(most) else {}),
                              "min_clean": MIN_CLEAN,
                              "reference": reference, **meta},
                "mean": None, "scale": None, "transform": "none"}
    return text


def through_calibrate(rows: list[dict], path: Path, reference: dict,
                      params: dict[str, tuple[float, float, float, float]]) -> float:
    """The largest |p| difference between ``calibrate`` with the candidate file and the
    formula (the term is the code's, not this script's)."""
    from foreign_zoo_detect import recalibrate_row
    from trojanscope.detect.calibration import load_calibrators

    cals = load_calibrators(path)
    worst_dp = 0.0
    for r in rows:
        got = recalibrate_row({"name": r["name"], "report": r["report"]}, cals, path.name)
        want = lowered(r["p_today"], excess_of(r, reference), *params[r["scorer"]])
        worst_dp = max(worst_dp, abs(got["probability"] - want))
        if got["suspected_target"] != r["suspect"]:
            fail(f"{r['key']}: the candidate moved the suspect")
    return worst_dp


def eval_check(rows_path: Path, ratios_path: Path, cand: Path) -> dict:
    """Issue 3's ``zoo/eval`` stored rows, completed with re-read ratios, under both files."""
    from own_eval_recal import score_file
    from trojanscope.detect.calibration import SHIPPED

    ratios = {r["name"]: r for r in read_jsonl(ratios_path)}
    ev = read_jsonl(rows_path)
    for row in ev:
        got = ratios.get(row["name"])
        if got is None:
            fail(f"zoo/eval {row['name']}: no re-read ratios in {ratios_path}")
        feats = row["report"]["features"]
        if abs(feats["mmbd_ratio"] - got["mmbd_ratio"]) > 1e-9:
            fail(f"zoo/eval {row['name']}: re-read mmbd_ratio {got['mmbd_ratio']} is not the "
                 f"stored {feats['mmbd_ratio']}")
        feats.update(got["features"])
    shipped = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED
    a, b = score_file(ev, shipped), score_file(ev, cand)
    moved = [{"name": x["name"], "p": [round(x["probability"], 4), round(y["probability"], 4)],
              "excess": y["features"].get("mmbd_class_excess")}
             for x, y in zip(a["rows"], b["rows"], strict=True)
             if abs(x["probability"] - y["probability"]) > 1e-12]
    read = sum("mmbd_class_excess" in y["features"] for y in b["rows"])

    def brief(s: dict) -> dict:
        return {k: s["scores"][k] for k in ("roc_auc", "cross_entropy", "target_accuracy_flagged",
                                              "false_positive_rate") if k in s["scores"]}
    return {"shipped": brief(a), "candidate": brief(b), "moved": moved, "excess_read": read,
            "n": len(ev)}


def line(label: str, s: dict) -> str:
    w = s["worst"]
    return (f"{label}: all {s['groups']['all']['roc_auc']:.4f} / "
            f"{s['groups']['all']['cross_entropy']:.4f}; worst AUC {w['auc_family']} "
            f"{w['roc_auc']:.4f}, worst CE {w['ce_family']} {w['cross_entropy']:.4f}; families "
            f"missing the goal {s['missing']}; clean flagged {len(s['clean_flagged'])} "
            f"{s['clean_flagged']}; backdoored flagged {s['backdoored_flagged']} of "
            f"{s['n_backdoored']}; right targets {s['target_right']}")


def floats(text: str) -> list[float]:
    """``"0,4,8"`` → [0.0, 4.0, 8.0] (``inf`` allowed); anything else is refused."""
    try:
        out = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, got {text!r}") from None
    if not out or any(math.isnan(x) or x < 0 for x in out):
        raise argparse.ArgumentTypeError(f"expected numbers >= 0, got {text!r}")
    return out


def seed_spec(ap: LineParser, flag: str, spec: str) -> tuple[int, Path, Path]:
    """``SEED=ZOO,RUNS`` checked (RUNS relative to ``benchmarks/data`` or absolute); anything
    else is one error line, exit 2."""
    seed, sep, rest = spec.partition("=")
    zoo, sep2, runs = rest.partition(",")
    if not (sep and sep2 and seed.isdigit()):
        ap.error(f"{flag} {spec}: expected SEED=ZOO,RUNS")
    runs_path = Path(runs) if Path(runs).is_absolute() else DATA / runs
    if not (Path(zoo) / "truth.json").is_file() or not runs_path.is_file():
        ap.error(f"{flag} {spec}: no truth.json in {zoo} or no file {runs_path}")
    return int(seed), Path(zoo), runs_path


def main() -> None:
    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", action="append", required=True,
                    help="SEED=ZOO,RUNS (RUNS relative to benchmarks/data or absolute)")
    ap.add_argument("--ratios", type=Path, action="append", default=[],
                    help="re-read ratios (runs recorded since stop 55 carry their own)")
    ap.add_argument("--out", type=Path, required=True, help="folder for the results")
    ap.add_argument("--slopes", type=floats, default=SLOPES, help="comma list (0: no term)")
    ap.add_argument("--wides", type=floats, default=WIDES, help="comma list")
    ap.add_argument("--mosts", type=floats, default=MOSTS, help="comma list (inf: no bound)")
    ap.add_argument("--starts", type=floats, default=STARTS, help="comma list")
    ap.add_argument("--name", default="X", help="the candidate's letter: cal_<NAME>.json")
    ap.add_argument("--eval-rows", type=Path)
    ap.add_argument("--eval-ratios", type=Path)
    args = ap.parse_args()
    if not args.out.is_dir():
        ap.error(f"--out {args.out}: no such folder")
    SLOPES[:], WIDES[:], MOSTS[:], STARTS[:] = args.slopes, args.wides, args.mosts, args.starts
    if not args.name.isalnum():
        ap.error(f"--name {args.name}: letters and digits only")
    ratios = {}
    for path in args.ratios:
        if not path.is_file():
            ap.error(f"--ratios {path}: no such file")
        ratios.update({(r["zoo"], r["name"]): r for r in read_jsonl(path)})
    rows = []
    for spec in args.dev:
        seed, zoo, runs_path = seed_spec(ap, "--dev", spec)
        rows += load_seed(seed, zoo, runs_path, ratios)
    if not rows:
        ap.error("no stored run has per-class ratios (re-read or recorded)")
    prepare(rows)
    today = {r["key"]: r["p_today"] for r in rows}
    shipped = {r["key"]: r["p_shipped"] for r in rows}
    p_loso, folds = loso(rows)
    result = {"rows": len(rows), "seeds": sorted({r["seed"] for r in rows}),
              "today": scores(rows, today), "shipped": scores(rows, shipped),
              "loso": scores(rows, p_loso), "folds": folds}
    per_seed = {}
    for s in result["seeds"]:
        mine = [r for r in rows if r["seed"] == s]
        per_seed[s] = {"today": scores(mine, today), "shipped": scores(mine, shipped),
                       "loso": scores(mine, p_loso)}
    result["per_seed"] = per_seed
    # the candidate: every development seed
    inner = {}
    for t in result["seeds"]:
        ref_t = fit_reference([r for r in rows if r["seed"] != t])
        inner.update({r["key"]: excess_of(r, ref_t) for r in rows if r["seed"] == t})
    params = choose(rows, inner)
    reference = fit_reference(rows)
    meta = {"fit_seeds": result["seeds"], "fitted_by": "benchmarks/class_excess_fit.py"}
    cand = args.out / f"cal_{args.name}.json"
    cand.write_text(json.dumps(candidate_file(reference, params, meta), indent=2) + "\n")
    (args.out / "class_reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    result["candidate"] = {"params": plain(params),
                           "kinds": {k: v["n_clean"] for k, v in reference.items()},
                           "through_calibrate_max_dp": through_calibrate(rows, cand, reference,
                                                                         params)}
    result["models"] = [{"key": r["key"], "family": r["arch_family"], "backdoored": r["backdoored"],
                         "target": r["target"], "scorer": r["scorer"],
                         "top": int(np.argmax([r["report"]["features"][f"mmbd_class_ratio_{c}"]
                                               for c in range(10)])),
                         "loso_excess": r.get("loso_excess"), "p_today": round(r["p_today"], 4),
                         "p_shipped": round(r["p_shipped"], 4),
                         "p_loso": round(p_loso[r["key"]], 4)} for r in rows]
    if args.eval_rows and args.eval_ratios:
        result["zoo_eval"] = eval_check(args.eval_rows, args.eval_ratios, cand)
    (args.out / "class_excess_dev.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"{len(rows)} runs of seeds {result['seeds']}; grid: starts {STARTS}, slopes {SLOPES}, "
          f"wides {WIDES}, mosts {MOSTS}")
    print(line("no excess term", result["today"]))
    print(line("shipped file", result["shipped"]))
    print(line("leave-one-seed-out", result["loso"]))
    for s, v in per_seed.items():
        print(line(f"  seed {s} today", v["today"]))
        print(line(f"  seed {s} loso ", v["loso"]))
    for s, f in folds.items():
        print(f"  fold {s}: {f['params']}")
    print(f"candidate (every seed): {result['candidate']}")
    for m in result["models"]:
        if (not m["backdoored"] and max(m["p_today"], m["p_loso"]) >= 0.5) or (
                m["backdoored"] and m["p_loso"] < 0.5 <= m["p_today"]):
            print(f"  {m['key']} backdoored={m['backdoored']} target={m['target']} top={m['top']} "
                  f"{m['scorer']} excess {m['loso_excess']} p {m['p_today']} -> {m['p_loso']}")
    if "zoo_eval" in result:
        print(f"zoo/eval: {result['zoo_eval']}")


if __name__ == "__main__":
    main()
