"""Leave-one-family-out read on models no fit saw: today's file against a candidate (issue 9,
stop 54: h9A).

``r13p_lofo.py`` refits the shipped recipe (R13P with the naming floor N) once per held-out
family on the thirteen development seeds and scores that family's stored models. Here the same
fold files score the models of other seeds given with ``--fresh LABEL=RUNS,TRUTH`` (a run file of
``foreign_zoo_detect.py`` and its zoo's ``truth.json``, either gzipped or not): per fold, the
held-out family's models of each such seed (a trigger fold: its backdoored models with the
seed's clean ones), for today's fold file and for the same fold with candidate U
(``fitted_on.gate_unseen = "max@kind"`` on both gated raise terms, ``unseen_start.py``). Also the
whole-calibration reading (every model of the seed by today's file and by U, no family held out)
and which models U moves there. Since stop 56 (h9A) also candidate P: V with the pixel raise
term's BatchNorm-CNN start (``pixel_norm_start.py``), fitted per fold on the clean BatchNorm CNNs
of the stored foreign seeds 50-82 less the held-out family's models (the whole file: on all of
them). Issue 9's goal: ROC-AUC >= 0.95 and CE <= 0.30 on the worst
held-out family; rule families have >= 2 backdoored and >= 1 clean model (as
``rule_s51_check.py`` counts them).

    PYTHONPATH=src:benchmarks python benchmarks/lofo_fresh.py \\
        --fresh 77=out77/detect77.jsonl,zoo-s77/truth.json --json lofo77.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import read_jsonl
from foreign_zoo_detect import recalibrate_row
from frame_start_loso import GK8
from mmbd_aside import ASIDE, fails_only_on_mmbd, mmbd_clean, with_aside
from pixel_norm_start import DEV_SEEDS, PIXELS, fit_start, with_start
from r13p_lofo import (
    GOAL_AUC,
    GOAL_CE,
    SEEDS16,
    STOP49,
    families,
    figures,
    fold_file,
    load_rows,
    member,
    reproduces,
    with_floor,
)
from trojanscope.detect.calibration import (
    UNFITTED_MAX_KIND,
    UNSEEN_MAX_KIND,
    Calibrator,
    load_calibrators,
)

FILES = ("today", "U", "V", "P")


def parse_fresh(spec: str) -> tuple[str, Path, Path]:
    """``LABEL=RUNS,TRUTH`` → (label, runs, truth); a bad spec or a missing file → one error
    line, exit 2."""
    label, sep, paths = spec.partition("=")
    runs, comma, truth = paths.partition(",")
    if not (sep and comma and label and runs and truth):
        _fail(f"--fresh {spec!r}: want LABEL=RUNS,TRUTH")
    for p in (runs, truth):
        if not Path(p).is_file():
            _fail(f"--fresh {spec!r}: no such file {p}")
    return label, Path(runs), Path(truth)


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def fresh_rows(label: str, runs: Path, truth: Path) -> list[dict]:
    """The seed's runs with the label as their seed, script and trigger family from the truth."""
    raw = truth.read_bytes()
    try:
        models = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)["models"]
        meta = {m["name"]: m for m in models}
        rows = [{**r, "seed": label, "arch_family": meta[r["name"]]["arch_family"],
                 "trigger_family": meta[r["name"]].get("trigger_family")
                 if meta[r["name"]]["backdoored"] else None} for r in read_jsonl(runs)]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _fail(f"--fresh {label}: cannot read {runs} with {truth}: {exc!r}")
    if not rows or any(r.get("report") is None for r in rows):
        _fail(f"--fresh {label}: {runs} holds no runs with their reports")
    return rows


def fold_scored(rows: list[dict], kind: str, family: str) -> list[dict]:
    """A fold's population among ``rows``: the family's models (a trigger fold: its backdoored
    models with every clean one)."""
    return [r for r in rows
            if member(r, kind, family) or (kind == "trigger" and not r["backdoored"])]


def rule_family(f: dict) -> bool:
    """>= 2 backdoored and >= 1 clean (a family ``rule_s51_check.py`` would read)."""
    return f["backdoored"] >= 2 and f["clean"] >= 1


def worst(folds: dict[str, dict], which: str, kind: str) -> dict:
    """The lowest ROC-AUC and highest CE over ``kind``'s rule folds under file ``which``."""
    fs = {fam: v[which] for fam, v in folds.items()
          if v["kind"] == kind and rule_family(v[which])}
    if not fs:
        return {"families": 0, "goal_met": None}
    auc_f = min(fs, key=lambda f: fs[f]["roc_auc"])
    ce_f = max(fs, key=lambda f: fs[f]["cross_entropy"])
    met = {f: fs[f]["roc_auc"] >= GOAL_AUC and fs[f]["cross_entropy"] <= GOAL_CE for f in fs}
    return {"families": len(fs), "auc_family": auc_f, "roc_auc": fs[auc_f]["roc_auc"],
            "ce_family": ce_f, "cross_entropy": fs[ce_f]["cross_entropy"],
            "goal_met": all(met.values()), "meets": met}


def whole(rows: list[dict], files: dict[str, dict[str, Calibrator]]) -> dict:
    """Every model of the seed under each file (no family held out), and what each candidate
    moves against today's file."""
    out: dict = {name: figures(rows, cals) for name, cals in files.items()}
    for cand in [n for n in files if n != "today"]:
        moved = []
        for r in rows:
            a, b = recalibrate_row(r, files["today"], "t"), recalibrate_row(r, files[cand], "c")
            if abs(a["probability"] - b["probability"]) > 1e-12 or \
                    a["suspected_target"] != b["suspected_target"]:
                moved.append([r["name"], round(a["probability"], 6), round(b["probability"], 6),
                              a["suspected_target"], b["suspected_target"]])
        out[f"moved_by_{cand}"] = moved
    return out


def candidates(cals: dict[str, Calibrator], pixel_start: float | None = None,
               floor: float | None = None) -> dict[str, dict[str, Calibrator]]:
    """Today's file and the candidates built on it: U (``max@kind``), V
    (``max@kind:unfitted``) and P (V with the pixel term's BatchNorm-CNN start ``pixel_start``;
    None: V itself); with ``floor``, also M (stop 57: V with ``min_lift`` ``floor`` on the image
    raise terms, ``raise_floor_fit.py``)."""
    from raise_floor_fit import with_min_lift
    from unseen_start import with_unseen  # imports r13p_lofo

    v = with_unseen(cals, UNFITTED_MAX_KIND)
    out = {"today": cals, "U": with_unseen(cals, UNSEEN_MAX_KIND), "V": v,
           "P": with_start(v, pixel_start)}
    if floor is not None:
        out["M"] = with_min_lift(v, floor)
    return out


def fold_pixel_start(dev_all: list[dict], kind: str, family: str,
                     cals: dict[str, Calibrator]) -> float | None:
    """P's start for one fold: fitted on the stored runs of seeds 50-82 less the family's
    models (``"\\0none"``: none held out)."""
    return fit_start([r for r in dev_all if not member(r, kind, family)],
                     float(cals[PIXELS].fitted_on["start"]))


def fresh_cli(description: str, pools: bool = False
              ) -> tuple[list[tuple[str, Path, Path]], Path]:
    """``--fresh LABEL=RUNS,TRUTH`` (repeated) and ``--json``, checked: the seeds and the output
    path (a bad spec, a missing file or folder → one error line, exit 2). With ``pools``, also
    ``--pool NAME=LABEL,LABEL,...`` (repeated), returned as ``fresh_cli.pools``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--fresh", action="append", required=True, metavar="LABEL=RUNS,TRUTH")
    if pools:
        ap.add_argument("--pool", action="append", default=[], metavar="NAME=LABEL,LABEL",
                        help="also read the named --fresh seeds as one population (stop 55)")
        ap.add_argument("--excess", type=Path, metavar="FILE",
                        help="the MM-BD excess terms every file carries: FILE's ':excess' "
                             "entries (default: the shipped file's; stop 56)")
        ap.add_argument("--min-lift", type=Path, metavar="FILE",
                        help="also candidate M: V with FILE's raise floor (fitted_on.min_lift "
                             "of auto:raise; stop 57)")
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    if not args.json.parent.is_dir():
        _fail(f"--json {args.json}: no such folder {args.json.parent}")
    seeds = [parse_fresh(s) for s in args.fresh]
    fresh_cli.pools = parse_pools(getattr(args, "pool", []), [label for label, *_ in seeds])
    fresh_cli.excess = getattr(args, "excess", None)
    if fresh_cli.excess is not None and not fresh_cli.excess.is_file():
        _fail(f"--excess {fresh_cli.excess}: no such file")
    fresh_cli.floor = None
    if (path := getattr(args, "min_lift", None)) is not None:
        try:
            fresh_cli.floor = float(load_calibrators(path)["auto:raise"].fitted_on["min_lift"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _fail(f"--min-lift {path}: no auto:raise min_lift there ({exc!r})")
    return seeds, args.json


def parse_pools(specs: list[str], labels: list[str]) -> dict[str, list[str]]:
    """``NAME=LABEL,LABEL,...`` → {name: labels}; a label not given with --fresh, a name that
    is already a label, or fewer than two labels → one error line, exit 2."""
    out: dict[str, list[str]] = {}
    for spec in specs:
        name, sep, rest = spec.partition("=")
        members = [m for m in rest.split(",") if m]
        if not (sep and name) or len(members) < 2 or len(set(members)) < len(members):
            _fail(f"--pool {spec!r}: want NAME=LABEL,LABEL (two --fresh labels or more)")
        if name in labels or name in out:
            _fail(f"--pool {spec!r}: the name {name!r} is already used")
        if unknown := [m for m in members if m not in labels]:
            _fail(f"--pool {spec!r}: no --fresh seed labelled {unknown[0]!r}")
        out[name] = members
    return out


def excess_entries(cals: dict[str, Calibrator]) -> dict[str, Calibrator]:
    """A file's MM-BD excess terms (``"<scorer>:excess"``, stop 55): R13P's recipe does not fit
    them, so each fold file and the whole file carry them as given (their reference holds
    development seeds' clean models only, never a fresh seed's)."""
    from trojanscope.detect.class_excess import TERM

    return {k: v for k, v in cals.items() if k.endswith(f":{TERM}")}


def main() -> None:
    seeds, json_out = fresh_cli(__doc__.splitlines()[0], pools=True)
    base, gk, shipped = load_calibrators(STOP49), load_calibrators(GK8), load_calibrators()
    excess = excess_entries(load_calibrators(fresh_cli.excess) if fresh_cli.excess else shipped)
    dev = load_rows(SEEDS16)
    full, _ = fold_file(base, gk, shipped, dev, "script", "\0none")  # nothing held out
    dp, sus = reproduces(dev, with_floor(full, shipped), shipped)
    if dp > 1e-9 or sus:
        _fail("the recipe refitted on every development seed is not the shipped file")
    dev_all = load_rows(DEV_SEEDS)
    base_whole = {**{k: v for k, v in shipped.items() if k not in excess_entries(shipped)},
                  **excess}
    whole_files = candidates(base_whole,
                             fold_pixel_start(dev_all, "script", "\0none", base_whole),
                             fresh_cli.floor)
    names = tuple(whole_files)
    fresh = {label: fresh_rows(label, runs, truth) for label, runs, truth in seeds}
    for name, members in fresh_cli.pools.items():  # rows keep their own seed's label
        fresh[name] = [r for m in members for r in fresh[m]]
    result: dict = {"excess": str(fresh_cli.excess or "the shipped file's"),
                    "files": {"today": "the shipped recipe refitted per fold (no gate_unseen: "
                              "N, shipped before stop 55); whole file: the shipped one",
                              "U": "the same with gate_unseen max@kind on both raise terms",
                              "V": "the same with gate_unseen max@kind:unfitted",
                              "P": "V with the pixel raise term's BatchNorm-CNN start, fitted "
                                   "per fold on seeds 50-82 less the family",
                              "M": f"V with min_lift {fresh_cli.floor} on the image raise terms "
                                   "(stop 57; read only with --min-lift)"},
                    "goal": [GOAL_AUC, GOAL_CE], "seeds": {}}
    folds = {label: {} for label in fresh}
    skipped: dict[str, list[str]] = {label: [] for label in fresh}
    for kind, fam in families(dev):
        cals, _ = fold_file(base, gk, shipped, dev, kind, fam)
        cals_x = {**cals, **excess}
        files = candidates(cals_x, fold_pixel_start(dev_all, kind, fam, cals_x), fresh_cli.floor)
        for label, rows in fresh.items():
            scored = fold_scored(rows, kind, fam)
            if not scored:  # stop 57: a family the builder left out, with no clean model to read
                skipped[label].append(f"{kind}: {fam}")
            elif any(member(r, kind, fam) for r in scored):
                aside = sorted({m for c in files.values() for m in mmbd_clean(scored, c)})
                folds[label][f"{kind}: {fam}"] = {
                    "kind": kind, **{n: with_aside(scored, c, aside) for n, c in files.items()}}
    for label, rows in fresh.items():
        res = {"folds": folds[label], "skipped_empty": skipped[label],
               "whole": whole(rows, whole_files),
               "worst": {n: {k: worst(folds[label], n, k) for k in ("script", "trigger")}
                         for n in names},
               "fails_only_on_mmbd": {n: sorted(f for f, v in folds[label].items()
                                                if fails_only_on_mmbd(v[n])) for n in names}}
        if label in fresh_cli.pools:
            res["pooled_from"] = fresh_cli.pools[label]
        result["seeds"][label] = res
        print_seed(label, res, names)
    json_out.write_text(json.dumps(result, indent=1) + "\n")


def print_seed(label: str, res: dict, names: tuple[str, ...] = FILES) -> None:
    """The log's lines for one seed (``names``: the files read)."""
    print(f"== seed {label}")
    for fam in res.get("skipped_empty", []):
        print(f"{fam}: skipped, no model of this seed in the fold")
    for fam, v in res["folds"].items():
        t = v["today"]
        tag = "" if rule_family(t) else "  (not a rule family)"
        print(f"{fam}: {t['models']} ({t['clean']} clean / {t['backdoored']} bd){tag}")
        for n in names:
            f = v[n]
            auc = "  n/a" if f["roc_auc"] is None else f"{f['roc_auc']:.3f}"
            print(f"  {n:5s} AUC {auc} CE {f['cross_entropy']:.3f}; clean flagged "
                  f"{f['clean_flagged'] or 0}; right target {f['right_target_flagged']}/"
                  f"{f['backdoored']}; largest losses {f['largest_losses'][:2]}")
            if f.get("mmbd_clean"):
                a = f[ASIDE]
                said = ("no model left" if a is None
                        else f"AUC {a['roc_auc']} CE {a['cross_entropy']:.3f}")
                print(f"        flagged before any raise (MM-BD's own): {f['mmbd_clean']}; set "
                      f"aside: {said}")
    for n in names:
        for k, w in res["worst"][n].items():
            if w["families"]:
                print(f"worst held-out {k} family ({n}, {w['families']} rule families): AUC "
                      f"{w['roc_auc']} ({w['auc_family']}), CE {w['cross_entropy']} "
                      f"({w['ce_family']}); goal met {w['goal_met']}")
    for n in names:
        f = res["whole"][n]
        print(f"whole file ({n}): {f['models']} models AUC {f['roc_auc']} CE "
              f"{f['cross_entropy']}; clean flagged {f['clean_flagged']}; right target "
              f"{f['right_target_flagged']}/{f['backdoored_flagged']} flagged")
    for n in names[1:]:
        print(f"moved by {n} (no family held out): {res['whole'][f'moved_by_{n}']}")
    for n in names:
        print(f"families failing only on a clean model MM-BD flags ({n}): "
              f"{res['fails_only_on_mmbd'][n]}")


if __name__ == "__main__":
    main()
