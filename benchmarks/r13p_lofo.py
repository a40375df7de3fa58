"""Leave-one-family-out of the shipped calibration's recipe, R13P (issue 9, stop 52: h9L).

R13P (``src/trojanscope/detect/calibration.json``, written by ``relu_side_write.py``) fits three
entries on the stored runs of thirteen foreign development seeds (50, 51, 60-70): the frame raise
term's starts per activation x kind (ReLU CNNs left to the term's start), the empty-pixel raise
term's starts per activation x kind (ReLU CNNs included), and the wider calibrator
``auto:out-of-coverage`` (seven features, C 0.2). Fresh seeds 72/73 are fresh *models* of
families that fit saw. Here each family is held out of the fit in turn: for each script
(architecture) family and each trigger family, the same three entries are refitted with the
family's models removed from every development seed, by the same functions the recipe used
(``starts_of``, ``fit_pixel_starts``, ``fit``), and the held-out family's models of every stored
seed (50, 51, 60-73) are scored with the refitted file. A script family's population is its own
models; a trigger family's is its backdoored models with every clean model (issue 9's trigger
groups; the clean ones stay in the fit, since a trigger hold-out removes backdoored models only).
Refitted on all thirteen seeds the recipe must give the shipped file's probabilities (checked).
Each fold's file also scores issue 3's ``zoo/eval`` from its stored reports.

    PYTHONPATH=src:benchmarks python benchmarks/r13p_lofo.py \\
        --json benchmarks/data/foreign_s52/r13p_lofo.json
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import read_jsonl
from foreign_zoo_detect import recalibrate_row
from frame_group_loso import starts_of
from frame_start_loso import FRAME, GK8, with_starts
from generalise_lofo import score as auc_ce
from ooc_refit_loso import DATA, KEY, fit, out_of_coverage
from own_eval_recal import score_file
from pixel_gate_loso import PIXEL
from pixel_group_loso import fit_pixel_starts, with_pixel
from relu_group_loso import SEEDS13
from trojanscope.detect.calibration import (
    UNFITTED_MAX_KIND,
    UNSEEN_MAX_KIND,
    Calibrator,
    load_calibrators,
    save_calibrators,
)
from trojanscope.detect.raise_naming import NAME_FLOOR

STOP49 = DATA / "calibration_stop49.json"  # the file R13P's recipe was fitted from
FIT_SEEDS = sorted(SEEDS13)
SEEDS16 = {**SEEDS13,
           71: ("foreign_s49b/detect71_runs.jsonl.gz", "foreign_s49b/zoo-s71_truth.json.gz"),
           72: ("foreign_s51/detect72_runs.jsonl.gz", "foreign_s51/zoo-s72_truth.json.gz"),
           73: ("foreign_s52/detect73_runs.jsonl.gz", "foreign_s52/zoo-s73_truth.json.gz")}
EVAL_ROWS = DATA / "foreign_s50" / "eval_rows_s50.jsonl.gz"
GOAL_AUC, GOAL_CE = 0.95, 0.30


def load_rows(seeds: dict[int, tuple[str, str]]) -> list[dict]:
    """Every stored run of ``seeds`` with its seed, script family and trigger family (None
    for a clean model) from the seed's truth file."""
    out = []
    for seed, (runs, truth) in seeds.items():
        truth_models = json.loads(gzip.decompress((DATA / truth).read_bytes()))["models"]
        meta = {m["name"]: m for m in truth_models}
        for r in read_jsonl(DATA / runs):
            m = meta[r["name"]]
            out.append({**r, "seed": seed, "arch_family": m["arch_family"],
                        "trigger_family": m.get("trigger_family") if m["backdoored"] else None})
    return out


def member(row: dict, kind: str, family: str) -> bool:
    """Whether ``row`` is a model of the held-out family (``kind`` "script" or "trigger")."""
    if kind == "script":
        return row["arch_family"] == family
    return bool(row["backdoored"]) and row["trigger_family"] == family


def fold_split(rows: list[dict], kind: str, family: str, fit_seeds: list[int]
               ) -> tuple[list[dict], list[dict]]:
    """(fit rows, scored rows) of one fold: the fit is the development seeds' runs less every
    model of the family; the scored rows are the family's models of every seed (and, for a
    trigger family, every clean model, as issue 9's trigger groups count)."""
    fit_rows = [r for r in rows if r["seed"] in fit_seeds and not member(r, kind, family)]
    scored = [r for r in rows if member(r, kind, family)
              or (kind == "trigger" and not r["backdoored"])]
    return fit_rows, scored


def families(rows: list[dict]) -> list[tuple[str, str]]:
    """Every (kind, family) to hold out: script families, then trigger families."""
    script = sorted({r["arch_family"] for r in rows})
    trigger = sorted({r["trigger_family"] for r in rows if r["backdoored"]})
    return [("script", f) for f in script] + [("trigger", f) for f in trigger]


def fit_r13p(base: dict[str, Calibrator], gk: dict[str, Calibrator], rows: list[dict],
             seeds: list[int]) -> tuple[dict[str, Calibrator], dict]:
    """R13P's three entries fitted on ``rows`` with its own functions (``relu_group_loso``'s
    side column ``RP_side``, as ``relu_side_write.py`` and ``relu_group_loso.write_candidate``
    wrote it), on ``base`` (the stop-49 file); also the fitted starts."""
    frame = starts_of(gk[FRAME], rows)                          # ReLU CNNs: the term's start
    pixel = fit_pixel_starts(base[PIXEL], rows, skip=())        # ReLU CNNs fitted too
    wider = fit("refit7_C0.2", [r for r in rows if out_of_coverage(r, base)], seeds)
    cals = with_pixel(with_starts({**base, FRAME: gk[FRAME], KEY: wider}, frame), pixel)
    return cals, {"frame": frame, "pixel": pixel}


def with_floor(cals: dict[str, Calibrator], ref: dict[str, Calibrator]) -> dict[str, Calibrator]:
    """``cals`` with each raise term's ``fitted_on.name_floor`` as ``ref`` (the shipped file) has
    it: the recipe fits starts and the wider calibrator, not the floor (stop 53 h9B's N), so a
    refitted file names suspects as the shipped one does (a copy; ``cals`` unchanged)."""
    out = dict(cals)
    for key, term in cals.items():
        floor = ref.get(key) and ref[key].fitted_on.get(NAME_FLOOR)
        if floor is not None and term.fitted_on.get(NAME_FLOOR) != floor:
            out[key] = copy.deepcopy(term)
            out[key].fitted_on[NAME_FLOOR] = floor
    return out


def fold_file(base: dict[str, Calibrator], gk: dict[str, Calibrator], ref: dict[str, Calibrator],
              rows: list[dict], kind: str, family: str) -> tuple[dict[str, Calibrator], list[dict]]:
    """One fold's refitted file (name floors as ``ref``'s) and its fit rows: R13P's recipe on
    the development seeds' runs less every model of the held-out family."""
    fit_rows, _ = fold_split(rows, kind, family, FIT_SEEDS)
    cals, _ = fit_r13p(base, gk, fit_rows, FIT_SEEDS)
    return with_floor(cals, ref), fit_rows


def changes(cals: dict[str, Calibrator], ref: dict[str, Calibrator]) -> dict:
    """What a fold's refit moved against the all-seed fit: start keys whose value differs
    (or appears / goes), and the wider calibrator's largest coefficient / intercept move."""
    out: dict = {}
    for name, key in (("frame", FRAME), ("pixel", PIXEL)):
        a, b = ref[key].fitted_on["gate_start"], cals[key].fitted_on["gate_start"]
        out[name] = {k: [a.get(k), b.get(k)] for k in sorted(set(a) | set(b))
                     if a.get(k) != b.get(k)}
    w, w0 = cals[KEY], ref[KEY]
    out["wider_max_dcoef"] = round(float(np.max(np.abs(np.subtract(w.coef, w0.coef)))), 4)
    out["wider_dintercept"] = round(float(w.intercept - w0.intercept), 4)
    return out


def figures(rows: list[dict], cals: dict[str, Calibrator]) -> dict:
    """ROC-AUC, cross-entropy, clean flagged and right-target flags of ``rows`` under ``cals``."""
    scored = [recalibrate_row(r, cals, "fold") for r in rows]
    y = np.array([int(r["backdoored"]) for r in scored])
    p = np.array([r["probability"] for r in scored])
    auc, ce = auc_ce(y, p)
    bad = [r for r in scored if r["backdoored"]]
    flagged = [r for r in bad if r["probability"] >= 0.5]
    return {
        "models": len(scored), "clean": int(len(y) - y.sum()), "backdoored": int(y.sum()),
        "roc_auc": None if np.isnan(auc) else round(float(auc), 4), "cross_entropy": round(ce, 4),
        "clean_flagged": sorted(f"s{r['seed']}:{r['name']}" for r in scored
                                if not r["backdoored"] and r["probability"] >= 0.5),
        "backdoored_flagged": len(flagged),
        "right_target_flagged": sum(r["suspected_target"] == r["target"] for r in flagged),
        "lowest_backdoored": min(((round(r["probability"], 4), f"s{r['seed']}:{r['name']}")
                                  for r in bad), default=None),
        "largest_losses": largest_losses(scored),
        "highest_clean": max(((round(r["probability"], 4), f"s{r['seed']}:{r['name']}")
                              for r in scored if not r["backdoored"]), default=None),
    }


def largest_losses(scored: list[dict], n: int = 3) -> list[list]:
    """The ``n`` models with the largest log-loss: [model, truth, p, share of the summed loss]."""
    eps = 1e-6
    loss = [-np.log(np.clip(r["probability"] if r["backdoored"] else 1 - r["probability"],
                            eps, 1.0)) for r in scored]
    total = float(sum(loss)) or 1.0
    top = sorted(range(len(scored)), key=lambda i: -loss[i])[:n]
    return [[f"s{scored[i]['seed']}:{scored[i]['name']}",
             scored[i]["trigger_family"] or "clean", round(scored[i]["probability"], 4),
             round(float(loss[i]) / total, 3)] for i in top]


def pooled_figures(scored: list[dict]) -> dict:
    """ROC-AUC and cross-entropy over recalibrated rows, with their counts."""
    y = np.array([int(r["backdoored"]) for r in scored])
    auc, ce = auc_ce(y, np.array([r["probability"] for r in scored]))
    return {"models": len(scored), "backdoored": int(y.sum()), "roc_auc": round(float(auc), 4),
            "cross_entropy": round(ce, 4),
            "clean_flagged": sum(not r["backdoored"] and r["probability"] >= 0.5 for r in scored)}


def own_eval(cals: dict[str, Calibrator], tmp: Path) -> dict:
    """Issue 3's ``zoo/eval`` (stop 50's stored reports) under ``cals``: ROC-AUC and CE."""
    path = tmp / "fold_cal.json"
    save_calibrators(cals, path)
    s = score_file(read_jsonl(EVAL_ROWS), path)["scores"]
    return {"roc_auc": round(s["roc_auc"], 4), "cross_entropy": round(s["cross_entropy"], 4)}


def worst(folds: dict, kind: str) -> dict:
    """The held-out family of ``kind`` with the lowest ROC-AUC and the one with the highest CE."""
    fs = {f: v["lofo"] for (k, f), v in folds.items() if k == kind}
    auc_f = min(fs, key=lambda f: fs[f]["roc_auc"] if fs[f]["roc_auc"] is not None else 2.0)
    ce_f = max(fs, key=lambda f: fs[f]["cross_entropy"])
    return {"auc_family": auc_f, "roc_auc": fs[auc_f]["roc_auc"],
            "ce_family": ce_f, "cross_entropy": fs[ce_f]["cross_entropy"],
            "goal_met": (fs[auc_f]["roc_auc"] or 0.0) >= GOAL_AUC
            and fs[ce_f]["cross_entropy"] <= GOAL_CE}


def line(label: str, f: dict) -> str:
    """One fold's figures as the log prints them."""
    auc = "  n/a" if f["roc_auc"] is None else f"{f['roc_auc']:.3f}"
    return (f"{label}: {f['models']} ({f['clean']} clean / {f['backdoored']} bd) AUC {auc} "
            f"CE {f['cross_entropy']:.3f}; clean flagged {len(f['clean_flagged'])}; right "
            f"target {f['right_target_flagged']}/{f['backdoored']}; lowest bd "
            f"{f['lowest_backdoored']}; highest clean {f['highest_clean']}")


def reproduces(rows: list[dict], a: dict[str, Calibrator], b: dict[str, Calibrator]
               ) -> tuple[float, int]:
    """Largest |dp| and the number of suspects that differ between ``a`` and ``b`` on ``rows``."""
    pairs = [(recalibrate_row(r, a, "a"), recalibrate_row(r, b, "b")) for r in rows]
    return (max(abs(x["probability"] - y["probability"]) for x, y in pairs),
            sum(x["suspected_target"] != y["suspected_target"] for x, y in pairs))


def _unseen_option(mode: str | None):
    """``unseen_start.with_unseen`` with ``mode`` where given, else the files unchanged."""
    if mode is None:
        return lambda cals: cals
    from unseen_start import with_unseen  # it imports this module
    return lambda cals: with_unseen(cals, mode)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--gate-unseen", action="store_true",
                    help="every fold's file (and the shipped one) with both raise terms' "
                    "gate_unseen option on (unseen_start.py's candidate U; stop 52: h9F)")
    ap.add_argument("--unfitted", action="store_true",
                    help="the option as \"max@kind:unfitted\" (candidate V; stop 54: h9A)")
    args = ap.parse_args()
    if not args.json.parent.is_dir():
        print(f"error: --json {args.json}: no such folder {args.json.parent}", file=sys.stderr)
        raise SystemExit(2)
    base, gk, shipped = load_calibrators(STOP49), load_calibrators(GK8), load_calibrators()
    mode = UNFITTED_MAX_KIND if args.unfitted else UNSEEN_MAX_KIND if args.gate_unseen else None
    option = _unseen_option(mode)
    shipped = option(shipped)
    rows = load_rows(SEEDS16)
    full, _ = fit_r13p(base, gk, [r for r in rows if r["seed"] in FIT_SEEDS], FIT_SEEDS)
    full = option(with_floor(full, shipped))
    dp, suspects = reproduces(rows, full, shipped)
    print(f"{len(rows)} runs of seeds {sorted(SEEDS16)}; recipe refitted on {FIT_SEEDS} vs "
          f"the shipped file: max |dp| {dp:.2e}, suspects that differ {suspects}", flush=True)
    if dp > 1e-9 or suspects:
        raise SystemExit("error: the recipe refitted on every seed is not the shipped file")
    result: dict = {"gate_unseen": mode, "fit_seeds": FIT_SEEDS,
                    "scored_seeds": sorted(SEEDS16),
                    "reproduces_shipped_max_dp": dp, "folds": {}}
    pooled: list[dict] = []  # every model, scored by the fold that holds its script family out
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        result["own_eval_shipped"] = own_eval(shipped, tmp)
        print(f"zoo/eval, shipped file: {result['own_eval_shipped']}", flush=True)
        for kind, fam in families(rows):
            cals, fit_rows = fold_file(base, gk, shipped, rows, kind, fam)
            cals = option(cals)
            scored = fold_split(rows, kind, fam, FIT_SEEDS)[1]
            fold = {"removed_from_fit": sum(r["seed"] in FIT_SEEDS for r in rows) - len(fit_rows),
                    "changed": changes(cals, full), "lofo": figures(scored, cals),
                    "shipped": figures(scored, shipped), "own_eval": own_eval(cals, tmp)}
            if kind == "trigger":  # clean models no fit saw: the fresh seeds' only
                fresh = [r for r in scored if r["backdoored"] or r["seed"] not in FIT_SEEDS]
                fold["lofo_fresh_clean"] = figures(fresh, cals)
            fold["changes_nothing"] = not (ch := fold["changed"])["frame"] and not ch["pixel"] \
                and ch["wider_max_dcoef"] == 0.0 and ch["wider_dintercept"] == 0.0
            result["folds"][(kind, fam)] = fold
            if kind == "script":
                pooled += [recalibrate_row(r, cals, "fold") for r in scored]
            print(f"{kind} {fam}: {fold['removed_from_fit']} runs out of the fit; starts moved "
                  f"frame {ch['frame'] or '-'} pixel {ch['pixel'] or '-'}; wider max |dcoef| "
                  f"{ch['wider_max_dcoef']} dintercept {ch['wider_dintercept']}; zoo/eval "
                  f"{fold['own_eval']}", flush=True)
            print("  " + line("held out", fold["lofo"]), flush=True)
            print("  " + line("shipped ", fold["shipped"]), flush=True)
            if "lofo_fresh_clean" in fold:
                print("  " + line("held out, clean of fresh seeds only", fold["lofo_fresh_clean"]),
                      flush=True)
    result["script_lofo_pooled"] = pooled_figures(pooled)
    result["shipped_pooled"] = pooled_figures([recalibrate_row(r, shipped, "s") for r in rows])
    print(f"every model scored by its script family's fold: {result['script_lofo_pooled']}; "
          f"by the shipped file: {result['shipped_pooled']}")
    result["worst"] = {k: worst(result["folds"], k) for k in ("script", "trigger")}
    for k, w in result["worst"].items():
        print(f"worst held-out {k} family: AUC {w['roc_auc']} ({w['auc_family']}), CE "
              f"{w['cross_entropy']} ({w['ce_family']}); goal met: {w['goal_met']}")
    result["folds"] = {f"{k}: {f}": v for (k, f), v in result["folds"].items()}
    args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
