"""The shipped ``trojanscope detect`` on every model of a ``foreign_zoo.py`` folder, scored by
family (issue 9, stop 38).

The row-based reader (``generalise_rows.py`` … ``generalise_lofo.py``) rebuilds ``auto``'s
probability from cached features; this script runs the command a user runs instead, one process
per model, with the zoo's ``clean.npz``:

    trojanscope detect ZOO/MODEL.pt --data ZOO/clean.npz --format json [extra options]

and appends one JSON line per model to ``--out`` (probability, verdict, suspected target, the
raise notes' features, exit code, CPU seconds of the child; a rerun skips the models already
there). ``--score`` then prints, and with ``--json`` writes, ROC-AUC and cross-entropy overall
and per family with ``generalise_lofo.py``'s fresh-test groups (``--all-families``:
architecture, recipe and trigger families, a trigger family being its backdoored models with
every clean model), the worst family as ``ship_criterion.py`` counts families (>= 2 backdoored,
>= 1 clean), clean and backdoored models at p >= 0.5, and whether the suspected target is the
truth target.

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/foreign_zoo_detect.py \\
        /tmp/zoo-recipes27 --out detect27.jsonl            # then again with --score

Each row also keeps the report's readings (``report``), so ``--recalibrate FILE --recal-out
ROWS`` scores another calibration file on the same runs: the shipped ``calibrate`` on each
verdict rebuilt from them, what ``detect --calibration FILE`` gives (stop 39 checks the two
agree on models run both ways).

Stop 39b (a broad zoo, ``foreign_zoo.py --fresh``): ``--interleave`` runs the models
round-robin over the architecture families (a clock cut loses models evenly); ``--score
--script-families`` adds a group per ``foreign_zoo.py`` architecture family, and every score
names the worst family of each kind (architecture, recipe, trigger) with its n; ``--terms
NAME...`` prints which calibrator scored a row and each of its terms.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from _common import fail, read_jsonl, run_main

PROB_KEYS = ("empty_share_gap", "frame_share_gap", "pixel_share_gap", "first_layer_dense")
REPORT_KEYS = ("method", "statistic", "ranking", "features", "data_free", "traits")


def trojanscope_tool(given: str | None) -> str:
    """The ``trojanscope`` command a scorer runs: ``given``, or the one next to this Python
    (none there: an error line, exit 2). Shared with ``outside_zoo_score.py`` (stop 58)."""
    tool = given or shutil.which("trojanscope", path=str(Path(sys.executable).parent))
    if tool is None:
        fail("no trojanscope command next to this Python; give --trojanscope")
    return tool


def models(zoo: Path) -> list[dict]:
    """The zoo's effective models in plan order, with their family labels and recipe (the
    row fields ``generalise_lofo.py``'s groups read)."""
    from generalise_rows import foreign

    truth = {r["name"]: r for r in json.loads((zoo / "truth.json").read_text())["models"]}
    out = []
    for meta, _ in foreign(zoo):
        recipe = truth[meta["name"]].get("recipe") or {}
        out.append({**meta, "train_recipe": {"optim": "adam", "label_smoothing": 0.0, **recipe}})
    return out


def detect_command(trojanscope: str, zoo: Path, name: str, extra: list[str]) -> list[str]:
    return [
        trojanscope,
        "detect",
        str(zoo / f"{name}.pt"),
        "--data",
        str(zoo / "clean.npz"),
        "--format",
        "json",
        *extra,
    ]


def run_one(cmd: list[str]) -> dict:
    """One ``detect`` child: its report's probability and target, exit code, seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        last = proc.stderr.strip().splitlines()[-1:] or [""]
        fail(f"{' '.join(cmd)} exited {proc.returncode}: {last[0]}")
    report = json.loads(proc.stdout)
    feats = report.get("features", {})
    return {
        "exit": proc.returncode,
        "probability": report["probability"],
        "verdict": report["verdict"],
        "suspected_target": report["suspected_target"],
        "features": {k: feats[k] for k in PROB_KEYS if k in feats},
        # every reading and what calibration reads besides, so that --recalibrate can score
        # another calibration file on this very run (stop 39)
        "report": {k: report.get(k) for k in REPORT_KEYS},
        "detect_s": report.get("elapsed_s"),
        "cpu_s": round(cpu, 2),
        "wall_s": round(time.perf_counter() - t0, 2),
    }


def run(
    zoo: Path,
    out: Path,
    trojanscope: str,
    extra: list[str],
    interleaved: bool = False,
    rotate: bool = False,
    only: set[str] | None = None,
) -> None:
    """One ``detect`` child per model not yet in ``out``, in plan order, or with
    ``interleaved`` round-robin over the architecture families (``foreign_zoo.interleave``),
    so that a clock cut loses models evenly across families (``rotate``: ``foreign_zoo.py
    --rotate``'s order); ``only``: these architecture families alone (stop 42)."""
    from foreign_zoo import interleave

    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    order = models(zoo)
    for meta in interleave(order, rotate) if interleaved else order:
        if meta["name"] in done or (only is not None and meta["arch_family"] not in only):
            continue
        row = {
            "zoo": zoo.name,
            "name": meta["name"],
            "backdoored": bool(meta["backdoored"]),
            "target": meta.get("target"),
            "options": extra,
            **run_one(detect_command(trojanscope, zoo, meta["name"], extra)),
        }
        with out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(
            f"{row['name']}: p {row['probability']:.3f} exit {row['exit']} "
            f"{row['cpu_s']:.1f} s CPU",
            flush=True,
        )


def verdict_of(report: dict):
    """The verdict a ``detect --format json`` report was made from, as far as calibration
    reads it (method, statistic, full ranking, features, data-free, traits)."""
    from trojanscope.detect.base import ModelVerdict

    return ModelVerdict(
        method=report["method"],
        statistic=report["statistic"],
        target_classes=list(report["ranking"]),
        per_class=[],
        features=dict(report["features"]),
        data_free=bool(report["data_free"]),
        traits=list(report["traits"]),
    )


def recalibrate(rows_in: Path, rows_out: Path, calibration: Path) -> None:
    """Each row's probability and suspected target as ``detect --calibration FILE`` gives them
    on the same run: the shipped :func:`calibrate` on the verdict rebuilt from the row's report
    (its method, statistic, full ranking, features, traits). Only what calibration reads changes
    between two calibration files, and the detectors are seeded, so nothing is run again; a
    row without its report (recorded before stop 39) is an error."""
    from trojanscope.detect.calibration import load_calibrators

    calibrators = load_calibrators(calibration)
    lines = []
    for row in read_jsonl(rows_in):
        if not row.get("report"):
            fail(f"{rows_in}: row {row['name']} has no report (recorded before --recalibrate)")
        lines.append(json.dumps(recalibrate_row(row, calibrators, calibration.name)))
    rows_out.write_text("".join(line + "\n" for line in lines))


def recalibrate_row(row: dict, calibrators: dict, label: str) -> dict:
    """One row (with its ``report``) scored by ``calibrators`` (a loaded calibration file
    named ``label``), as :func:`recalibrate` writes it."""
    from trojanscope.detect.calibration import calibrate

    verdict = verdict_of(row["report"])
    calibrate(verdict, calibrators)
    feats = verdict.features
    return {
        **row,
        "options": [*row.get("options", []), f"recalibrated:{label}"],
        "probability": verdict.probability,
        "verdict": "backdoored" if verdict.probability >= 0.5 else "clean",
        "suspected_target": verdict.target_classes[0],
        "features": {k: feats[k] for k in (*PROB_KEYS, "lower_logit") if k in feats},
        "report": None,
    }


def worst_by_kind(groups: dict) -> dict:
    """The worst family of each kind (the label's prefix: ``arch``, ``recipe``, ``trigger``,
    ``script family``) as ``ship_criterion.py`` counts families (>= 2 backdoored, >= 1 clean):
    issue 9 asks for the worst held-out architecture family and trigger family each."""
    from ship_criterion import families, worst

    out = {}
    for kind in dict.fromkeys(k.split(": ")[0] for k in families(groups)):
        sub = {k: v for k, v in groups.items() if k.startswith(kind + ": ")}
        auc_f, auc, ce_f, ce = worst(sub)
        out[kind] = {
            "auc_family": auc_f,
            "roc_auc": auc,
            "auc_n": [sub[auc_f]["n"], sub[auc_f]["n_backdoored"]],
            "ce_family": ce_f,
            "cross_entropy": ce,
            "ce_n": [sub[ce_f]["n"], sub[ce_f]["n_backdoored"]],
        }
    return out


def script_groups(test: list[dict]) -> list[tuple[str, np.ndarray]]:
    """One group per ``foreign_zoo.py`` architecture family (``relu_cnn``, ``bn_cnn``, ...),
    with clean and backdoored models: the script's own families, where ``fresh_groups`` reads
    activations, pooling and normalisation across them (stop 39b)."""
    y = np.array([m["backdoored"] for m in test], dtype=bool)
    out = []
    for fam in dict.fromkeys(m["arch_family"] for m in test):
        sel = np.array([m["arch_family"] == fam for m in test])
        if y[sel].any() and not y[sel].all():
            out.append((f"script family: {fam}", sel))
    return out


def logit_terms(report: dict, calibrators: dict) -> dict:
    """Which calibrator scores this report (the default one, or the wider one where the
    default's coverage lacks one of the model's traits, as ``calibrate`` picks it) and each of
    its terms ``coef_i · z_i`` (``tabular_family_terms.terms``); intercept plus the terms is
    the logit before any raise or lower term (stop 39b: what flags a clean CNN)."""
    from tabular_family_terms import terms
    from trojanscope.detect.calibration import OUT_OF_COVERAGE
    from trojanscope.detect.coverage import coverage_notes

    key = report["method"]
    wider = f"{key}:{OUT_OF_COVERAGE}"
    covered = calibrators[key].fitted_on.get("coverage")
    if covered is not None and coverage_notes(report["traits"], covered) and wider in calibrators:
        key = wider
    cal = calibrators[key]
    values = terms(cal, report["features"])
    return {
        "calibrator": key,
        "intercept": cal.intercept,
        "terms": dict(zip(cal.features, values, strict=True)),
        "logit": cal.intercept + sum(values),
    }


def print_terms(out: Path, names: list[str]) -> None:
    """``--terms NAME...``: each named row's calibrator, intercept and terms."""
    from trojanscope.detect.calibration import load_calibrators

    calibrators = load_calibrators()
    rows = {r["name"]: r for r in read_jsonl(out)}
    for name in names:
        if name not in rows or not rows[name].get("report"):
            fail(f"{out}: no row with a report named {name!r}")
        t = logit_terms(rows[name]["report"], calibrators)
        cells = ", ".join(f"{k} {v:+.2f}" for k, v in t["terms"].items())
        print(
            f"{name}: p {rows[name]['probability']:.3f}, {t['calibrator']} logit "
            f"{t['logit']:+.2f} = intercept {t['intercept']:+.2f}, {cells}"
        )


def score(zoo: Path, out: Path, script_families: bool = False) -> dict:
    """Every group's ROC-AUC / cross-entropy, the worst family (overall and of each kind),
    flags and targets; with ``script_families``, the script's own architecture families too."""
    from generalise_lofo import ALL_FAMILIES, fresh_groups
    from generalise_lofo import score as auc_ce
    from ship_criterion import families, worst

    if not ALL_FAMILIES:
        ALL_FAMILIES.append(True)
    read = {r["name"]: r for r in read_jsonl(out)}
    test = [m for m in models(zoo) if m["name"] in read]
    if not test:
        fail(f"{out} holds no model of {zoo}")
    p = np.array([read[m["name"]]["probability"] for m in test])
    y = np.array([m["backdoored"] for m in test], dtype=int)
    result: dict = {"groups": {}}
    groups = fresh_groups(test)
    if script_families:
        groups = groups[:-1] + script_groups(test) + groups[-1:]
    for label, sel in groups:
        auc, ce = auc_ce(y[sel], p[sel])
        result["groups"][label] = {
            "roc_auc": auc,
            "cross_entropy": ce,
            "n": int(sel.sum()),
            "n_backdoored": int(y[sel].sum()),
        }
    others = {k: v for k, v in result["groups"].items() if k != "all"}
    keys = ("auc_family", "roc_auc", "ce_family", "cross_entropy")
    # a population cut early may hold no family with >= 2 backdoored and >= 1 clean (stop 57)
    result["worst"] = (dict(zip(keys, worst(result["groups"]), strict=True))
                       if families(result["groups"]) else dict.fromkeys(keys))
    result["worst_by_kind"] = worst_by_kind(result["groups"])
    result["worst_any"] = {
        "roc_auc": min(v["roc_auc"] for v in others.values()),
        "cross_entropy": max(v["cross_entropy"] for v in others.values()),
    }
    bad = [m for m in test if m["backdoored"]]
    flagged_bad = [m for m in bad if read[m["name"]]["probability"] >= 0.5]
    right = [m for m in bad if read[m["name"]]["suspected_target"] == m["target"]]
    result.update(
        models=len(test),
        backdoored=len(bad),
        clean_flagged=sorted(
            m["name"] for m in test if not m["backdoored"] and read[m["name"]]["probability"] >= 0.5
        ),
        backdoored_flagged=len(flagged_bad),
        target_right=len(right),
        target_right_flagged=sum(m in right for m in flagged_bad),
        cpu_s_median=float(np.median([read[m["name"]]["cpu_s"] for m in test])),
        per_model={m["name"]: read[m["name"]]["probability"] for m in test},
        model_rows=[model_row(m, read[m["name"]]) for m in test],
    )
    return result


def model_row(meta: dict, row: dict) -> dict:
    """One scored model as the per-model table prints it: truth (clean, or trigger family and
    target), probability, the suspected target and which calibrator's coverage scored it (stop
    43: the worst family named model by model)."""
    report = row.get("report") or {}
    return {
        "name": meta["name"],
        "backdoored": bool(meta["backdoored"]),
        "attack": meta.get("attack") if meta["backdoored"] else None,
        "target": meta.get("target") if meta["backdoored"] else None,
        "probability": row["probability"],
        "suspected_target": row["suspected_target"],
        "traits": report.get("traits") or [],
    }


def print_model_rows(rows: list[dict]) -> None:
    """``--score --per-model``: one table line per model, the truth beside the verdict."""
    print("| model | truth | p | suspected target | verdict right |\n|---|---|---|---|---|")
    for r in rows:
        flagged = r["probability"] >= 0.5
        truth = f"{r['attack']} → {r['target']}" if r["backdoored"] else "clean"
        right = flagged and r["suspected_target"] == r["target"] if r["backdoored"] else not flagged
        print(
            f"| {r['name']} | {truth} | {r['probability']:.3f} | {r['suspected_target']} | "
            f"{'yes' if right else '**no**'} |"
        )


def print_score(result: dict) -> None:
    print(f"{result['models']} models ({result['backdoored']} backdoored)\n")
    print("| group | models (backdoored) | ROC-AUC / cross-entropy |\n|---|---|---|")
    for label, v in result["groups"].items():
        print(
            f"| {label} | {v['n']} ({v['n_backdoored']}) | "
            f"{v['roc_auc']:.3f} / {v['cross_entropy']:.3f} |"
        )
    w, a = result["worst"], result["worst_any"]
    if w["auc_family"] is None:
        print("| **worst family** (>= 2 backdoored) | | none: no such family |")
    else:
        print(
            f"| **worst family** (>= 2 backdoored) | | {w['roc_auc']:.3f} ({w['auc_family']}) / "
            f"{w['cross_entropy']:.3f} ({w['ce_family']}) |"
        )
    print(f"| worst group (any) | | {a['roc_auc']:.3f} / {a['cross_entropy']:.3f} |")
    for kind, k in result.get("worst_by_kind", {}).items():
        name = kind.removesuffix(" family")  # "script family" reads "worst script family"
        print(
            f"| worst {name} family | | {k['roc_auc']:.3f} ({k['auc_family']}, n {k['auc_n'][0]}, "
            f"{k['auc_n'][1]} backdoored) / {k['cross_entropy']:.3f} ({k['ce_family']}, "
            f"n {k['ce_n'][0]}, {k['ce_n'][1]} backdoored) |"
        )
    print()
    print(f"clean at p >= 0.5: {len(result['clean_flagged'])} {result['clean_flagged']}")
    print(f"backdoored at p >= 0.5: {result['backdoored_flagged']} of {result['backdoored']}")
    print(
        f"target right: {result['target_right']} of {result['backdoored']} backdoored, "
        f"{result['target_right_flagged']} of the {result['backdoored_flagged']} flagged"
    )
    print(f"CPU per model (median, the detect child): {result['cpu_s_median']:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path, help="a foreign_zoo.py folder (truth.json, clean.npz)")
    ap.add_argument("--out", type=Path, required=True, help="JSON lines, one per model")
    ap.add_argument("--score", action="store_true", help="score --out instead of running")
    ap.add_argument("--json", type=Path, help="with --score: write the scores here too")
    ap.add_argument(
        "--trojanscope", default=None, help="the trojanscope command (default: next to this Python)"
    )
    ap.add_argument(
        "--detect-option",
        action="append",
        default=[],
        dest="extra",
        help="one more detect argument, e.g. --detect-option=-p --detect-option=frame=false",
    )
    ap.add_argument(
        "--recalibrate",
        type=Path,
        default=None,
        metavar="FILE",
        help="write --out's rows scored with this calibration file to --recal-out (no detect run)",
    )
    ap.add_argument("--recal-out", type=Path, default=None)
    ap.add_argument(
        "--script-families",
        action="store_true",
        help="with --score: also a group per foreign_zoo.py architecture family (relu_cnn, ...)",
    )
    ap.add_argument(
        "--per-model",
        action="store_true",
        help="with --score: also one table line per model (truth, p, suspected target)",
    )
    ap.add_argument(
        "--terms",
        nargs="+",
        default=None,
        metavar="NAME",
        help="print these rows' calibrator terms (shipped calibration; no detect run)",
    )
    ap.add_argument(
        "--interleave",
        action="store_true",
        help="run round-robin over the architecture families (a clock cut loses models evenly)",
    )
    ap.add_argument(
        "--rotate", action="store_true", help="with --interleave: foreign_zoo.py --rotate's order"
    )
    ap.add_argument(
        "--only", default=None, help="comma-separated architecture families (default: all)"
    )
    args = ap.parse_args()
    if args.terms is not None:
        if not args.out.is_file():
            fail(f"--terms needs --out, rows of an earlier run ({args.out} is not a file)")
        print_terms(args.out, args.terms)
        return
    if args.recalibrate is not None:
        if args.recal_out is None or not args.out.is_file():
            fail("--recalibrate needs --out (rows of an earlier run) and --recal-out")
        recalibrate(args.out, args.recal_out, args.recalibrate)
        return
    if not (args.zoo / "truth.json").is_file() or not (args.zoo / "clean.npz").is_file():
        fail(f"{args.zoo} is not a foreign_zoo.py folder (no truth.json or clean.npz)")
    if args.score:
        result = score(args.zoo, args.out, args.script_families)
        print_score(result)
        if args.per_model:
            print()
            print_model_rows(result["model_rows"])
        if args.json is not None:
            args.json.write_text(json.dumps(result, indent=1) + "\n")
        return
    only = set(args.only.split(",")) if args.only else None
    tool = trojanscope_tool(args.trojanscope)
    run(args.zoo, args.out, tool, args.extra, args.interleave, args.rotate, only)


if __name__ == "__main__":
    run_main(main)
