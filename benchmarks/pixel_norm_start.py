"""A start of the pixel raise term for BatchNorm CNNs, fitted on their clean models (issue 9,
stop 56: h9A).

On fresh seed 82 the worst family, BatchNorm CNNs, missed issue 9's goal through one clean
``bn_cnn-02`` lifted from p 0.115 to 0.646 by ``auto:raise:pixels`` (the five-pixel probe's
share gap 0.184 over the term's start 0.14, fitted on trojanscope's own models); seed 67's clean
``bn_cnn-02`` was lifted the same way (0.169: 0.127 -> 0.459). No other clean model of the
stored foreign seeds is lifted by that term: it has no per-group start, where the empty-pixel
and frame terms have had them since stop 49. Candidate P writes, with the existing gate
mechanism (``calibration.gate_shift``), ``fitted_on.gate = ["norm:batch"]``,
``gate_start = {"norm:batch@conv": S}`` and ``gate_unseen = "max@kind:unfitted"`` (so a model
without BatchNorm is never given that start) on ``auto:raise:pixels``: S is R13P's recipe, the
largest pixel gap of the clean BatchNorm CNNs of the development seeds plus 0.05, at least the
term's own start (fewer than 5 such clean models: no start). Only models with BatchNorm and a
convolution move.

This script: (1) every clean model each raise term lifts, and every backdoored one it saves
(p < 0.5 before the raises), on the stored runs of foreign seeds 50-82 under the shipped file;
(2) leave one seed out: each seed's runs scored by the shipped file and by P with S fitted on
the other seeds, pooled (ROC-AUC / CE overall and per script family, clean and backdoored
flagged, right targets, the models moved); (3) P fitted on every seed (``--write`` the file),
and the models it moves among every stored run; (4) issue 3's ``zoo/eval`` under both files
(its stored rows completed with the stop-55 re-read ratios, as ``class_excess_fit.py`` reads
it).

    PYTHONPATH=src:benchmarks python benchmarks/pixel_norm_start.py \\
        --write benchmarks/data/foreign_s56a/cal_P.json \\
        --json benchmarks/data/foreign_s56a/dev_P.json
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import LineParser
from foreign_zoo_detect import verdict_of
from generalise_lofo import score as auc_ce
from r13p_lofo import DATA, EVAL_ROWS, SEEDS16, load_rows
from trojanscope.detect.calibration import (
    SHIPPED,
    UNFITTED_MAX_KIND,
    Calibrator,
    calibrate,
    load_calibrators,
)

PIXELS = "auto:raise:pixels"
GROUP = "norm:batch"  # the gated trait; its start is keyed "norm:batch@conv"
KEY = f"{GROUP}@conv"
MARGIN = 0.05  # R13P's: the largest clean gap plus this
MIN_CLEAN = 5  # fewer clean models of the group: no start (R13P's recipe)
# The stored runs of the foreign seeds after SEEDS16 (74-82), as post82.sh reads them.
LATER = {74: ("foreign_s52f/detect74_runs.jsonl.gz", "foreign_s52f/zoo-s74_truth.json.gz"),
         75: ("foreign_s53a/default75_runs.jsonl.gz", "foreign_s53a/zoo-s75_truth.json.gz"),
         76: ("foreign_s53b/detect76_runs.jsonl.gz", "foreign_s53b/zoo-s76_truth.json.gz"),
         77: ("foreign_s54a/detect77_runs.jsonl.gz", "foreign_s54a/zoo-s77_truth.json.gz"),
         78: ("foreign_s54b/default78_runs.jsonl.gz", "foreign_s54b/zoo-s78_truth.json.gz"),
         79: ("foreign_s54c/detect79_runs.jsonl.gz", "foreign_s54c/zoo-s79_truth.json.gz"),
         80: ("foreign_s55a/detect80_runs.jsonl.gz", "foreign_s55a/zoo-s80_truth.json.gz"),
         81: ("foreign_s55a/detect81_runs.jsonl.gz", "foreign_s55a/zoo-s81_truth.json.gz"),
         82: ("foreign_s55b/detect82_runs.jsonl.gz", "foreign_s55b/zoo-s82_truth.json.gz")}
DEV_SEEDS = {**SEEDS16, **LATER}
RATIOS = DATA / "foreign_s55a" / "eval_ratios.jsonl.gz"


def in_group(traits: list[str]) -> bool:
    """A model the candidate's start reads: BatchNorm and a convolution."""
    return GROUP in traits and "layer:conv" in traits


def fit_start(rows: list[dict], own_start: float) -> float | None:
    """The largest ``pixel_share_gap`` of the clean BatchNorm CNNs among ``rows`` plus 0.05, at
    least ``own_start``; None with fewer than 5 such clean models."""
    gaps = [float(r["report"]["features"]["pixel_share_gap"]) for r in rows
            if not r["backdoored"] and in_group(r["report"].get("traits") or [])
            and "pixel_share_gap" in r["report"]["features"]]
    if len(gaps) < MIN_CLEAN:
        return None
    return round(max(own_start, max(gaps) + MARGIN), 4)


def with_start(cals: dict[str, Calibrator], start: float | None, design: str = ""
               ) -> dict[str, Calibrator]:
    """``cals`` with the pixel term's BatchNorm-CNN start (a copy; None: ``cals`` itself)."""
    if start is None:
        return cals
    term = copy.deepcopy(cals[PIXELS])
    term.fitted_on.update(gate=[GROUP], gate_start={KEY: start}, gate_unseen=UNFITTED_MAX_KIND)
    if design:
        term.fitted_on["gate_start_design"] = design
    return {**cals, PIXELS: term}


def candidate_text(shipped: Path, start: float, design: str) -> dict:
    """The shipped file's text with the pixel term's start written (every other entry as is)."""
    data = json.loads(shipped.read_text())
    data[PIXELS]["fitted_on"].update(gate=[GROUP], gate_start={KEY: start},
                                     gate_unseen=UNFITTED_MAX_KIND, gate_start_design=design)
    return data


def read(row: dict, cals: dict[str, Calibrator]) -> dict:
    """The row's probability, suspect and raise lifts under ``cals``."""
    v = calibrate(verdict_of(row["report"]), cals)
    f = v.features
    return {"p": float(v.probability), "suspect": v.target_classes[0],
            "unraised": f.get("probability_unraised"), "raise": f.get("raise_logit", 0.0),
            "pixels": f.get("raise_logit_pixels", 0.0), "frame": f.get("raise_logit_frame", 0.0)}


def figures(rows: list[dict], got: dict[str, dict]) -> dict:
    """ROC-AUC / CE overall and per script family (worst of those with >= 2 backdoored and
    >= 1 clean), flags and right targets of ``rows`` read as ``got`` (key -> :func:`read`)."""
    def one(sel: list[dict]) -> dict:
        y = np.array([int(r["backdoored"]) for r in sel])
        p = np.array([got[r["key"]]["p"] for r in sel])
        auc, ce = auc_ce(y, p)
        return {"n": len(sel), "backdoored": int(y.sum()),
                "roc_auc": None if np.isnan(auc) else round(float(auc), 4),
                "cross_entropy": round(float(ce), 4)}
    fams = {f: one([r for r in rows if r["arch_family"] == f])
            for f in sorted({r["arch_family"] for r in rows})}
    rule = {f: v for f, v in fams.items() if v["backdoored"] >= 2 and v["n"] > v["backdoored"]}
    worst = max(rule, key=lambda f: rule[f]["cross_entropy"]) if rule else None
    bad = [r for r in rows if r["backdoored"]]
    return {"all": one(rows), "families": fams,
            "worst": [worst, rule[worst]["cross_entropy"]] if worst else None,
            "clean_flagged": sorted(r["key"] for r in rows
                                    if not r["backdoored"] and got[r["key"]]["p"] >= 0.5),
            "backdoored_flagged": sum(got[r["key"]]["p"] >= 0.5 for r in bad),
            "right_targets": sum(got[r["key"]]["suspect"] == r["target"] for r in bad)}


def moved(rows: list[dict], a: dict[str, dict], b: dict[str, dict]) -> list[dict]:
    """Rows whose probability or suspect differs between readings ``a`` and ``b``."""
    return [{"key": r["key"], "family": r["arch_family"], "backdoored": bool(r["backdoored"]),
             "p": [round(a[r["key"]]["p"], 4), round(b[r["key"]]["p"], 4)],
             "suspect": [a[r["key"]]["suspect"], b[r["key"]]["suspect"]], "target": r["target"]}
            for r in rows if abs(a[r["key"]]["p"] - b[r["key"]]["p"]) > 1e-12
            or a[r["key"]]["suspect"] != b[r["key"]]["suspect"]]


def raise_effects(rows: list[dict], got: dict[str, dict]) -> list[dict]:
    """Each clean model a raise term lifts, and each backdoored model it takes from p < 0.5."""
    out = []
    for r in rows:
        g = got[r["key"]]
        if g["raise"] > 0 and (not r["backdoored"] or (g["unraised"] or 1.0) < 0.5):
            f = r["report"]["features"]
            out.append({"key": r["key"], "backdoored": bool(r["backdoored"]),
                        "trigger": r["trigger_family"], "p": [round(g["unraised"], 3),
                                                              round(g["p"], 3)],
                        "lift": {k: round(g[k], 2) for k in ("pixels", "frame")}
                        | {"empty": round(g["raise"] - g["pixels"] - g["frame"], 2)},
                        "gaps": [f.get("pixel_share_gap"), f.get("empty_share_gap"),
                                 f.get("frame_share_gap")]})
    return out


def print_loso(loso: dict, cand: str, family: str | None = None) -> None:
    """The log's leave-one-seed-out lines: today's and ``cand``'s figures (with ``family``'s
    own), then the models the candidate moves (shared with ``raise_floor_fit.py``)."""
    for name in ("today", cand):
        f = loso[name]
        own = f"; {family} {f['families'].get(family)}" if family else ""
        print(f"  {name}: all {f['all']}; worst script family {f['worst']}; clean flagged "
              f"{f['clean_flagged']}; backdoored flagged {f['backdoored_flagged']}; right "
              f"targets {f['right_targets']}{own}")
    for m in loso["moved"]:
        print(f"  moved {m}")


def zoo_eval(cand: Path) -> dict:
    """Issue 3's ``zoo/eval`` under the shipped file and ``cand`` (``class_excess_fit``'s
    reading: stored rows with the stop-55 re-read ratios)."""
    from class_excess_fit import eval_check

    return eval_check(EVAL_ROWS, RATIOS, cand)


def main() -> None:
    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, required=True, help="the candidate file to write")
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    for p in (args.write, args.json):
        if not p.parent.is_dir():
            ap.error(f"{p}: no such folder {p.parent}")
    shipped_path = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED
    shipped = load_calibrators(shipped_path)
    own = float(shipped[PIXELS].fitted_on["start"])
    rows = load_rows(DEV_SEEDS)
    for r in rows:
        r["key"] = f"s{r['seed']}:{r['name']}"
    today = {r["key"]: read(r, shipped) for r in rows}
    bad_dp = [r["key"] for r in rows if abs(today[r["key"]]["p"] - r["probability"]) > 1e-9]
    print(f"{len(rows)} stored runs of seeds {sorted(DEV_SEEDS)}; the shipped file differs from "
          f"the stored probability on {len(bad_dp)} (runs made before a later default)")
    effects = raise_effects(rows, today)
    print("== clean models lifted, and backdoored models saved from p < 0.5, by a raise term")
    for e in effects:
        print(f"  {e}")
    loso, folds = {}, {}
    for seed in sorted(DEV_SEEDS):
        start = fit_start([r for r in rows if r["seed"] != seed], own)
        folds[seed] = start
        cals = with_start(shipped, start)
        loso.update({r["key"]: read(r, cals) for r in rows if r["seed"] == seed})
    res = {"seeds": sorted(DEV_SEEDS), "runs": len(rows), "shipped_differs_from_stored": bad_dp,
           "raise_effects": effects, "loso_starts": folds,
           "loso": {"today": figures(rows, today), "P": figures(rows, loso),
                    "moved": moved(rows, today, loso)}}
    print("== leave one seed out (P's start from the other seeds):", folds)
    print_loso(res["loso"], "P", "bn_cnn")
    start = fit_start(rows, own)
    assert start is not None
    n_clean = sum(1 for r in rows if not r["backdoored"]
                  and in_group(r["report"].get("traits") or []))
    design = (f"stop 56 h9A: the largest pixel_share_gap of the {n_clean} clean BatchNorm CNNs "
              f"(norm:batch + layer:conv) of foreign seeds {sorted(DEV_SEEDS)} plus {MARGIN}, at "
              f"least the term's start; gate_unseen so that no model without BatchNorm is "
              "given it")
    args.write.write_text(json.dumps(candidate_text(shipped_path, start, design), indent=2) + "\n")
    cand = load_calibrators(args.write)
    whole = {r["key"]: read(r, cand) for r in rows}
    res["whole"] = {"start": start, "n_clean": n_clean, "P": figures(rows, whole),
                    "moved": moved(rows, today, whole)}
    print(f"== P fitted on every seed: start {start} ({n_clean} clean BatchNorm CNNs); moved:")
    for m in res["whole"]["moved"]:
        print(f"  {m}")
    res["zoo_eval"] = zoo_eval(args.write)
    print(f"== zoo/eval: {res['zoo_eval']['shipped']} -> {res['zoo_eval']['candidate']}; moved "
          f"{res['zoo_eval']['moved']}")
    args.json.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
