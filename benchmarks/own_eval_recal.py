"""Issue 3's evaluation zoo (``zoo/eval``) scored by several calibration files on one run
(issue 9, stop 50): point (d) of ``benchmarks/data/foreign_s49b/plan.md``.

Each model is inspected once, as ``trojanscope zoo eval ZOO --method auto`` does it
(:func:`trojanscope.detect.evaluate.inspect_entry`: the bundled test split as clean data, seed
0, default parameters); the uncalibrated verdict is then calibrated by each file in turn
(``calibrate`` is idempotent: it drops every earlier raise first), so every file reads identical
evidence and only what calibration reads differs. The runs' reports are kept (``--rows``) so
``--reuse ROWS`` scores more files without running a detector again.

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/own_eval_recal.py ZOO \\
        --calibration shipped=src/trojanscope/detect/calibration.json \\
        --calibration R13=benchmarks/data/foreign_s49b/cal_R13.json \\
        --rows rows.jsonl --json out.json
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from _common import fail, read_jsonl

SHIPPED = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"
REPORT_KEYS = ("method", "statistic", "target_classes", "features", "data_free", "traits",
               "family", "elapsed_s")


def parse_calibrations(items: list[str]) -> dict[str, Path]:
    """``NAME=FILE`` pairs (a bare FILE is named by its stem); each file must exist."""
    out: dict[str, Path] = {}
    for item in items or [f"shipped={SHIPPED}"]:
        name, _, path = item.rpartition("=")
        path_ = Path(path)
        if not path_.is_file():
            fail(f"--calibration {item}: no such file")
        out[name or path_.stem] = path_
    return out


def inspect_raw(zoo: Path, seed: int = 0) -> list[dict]:
    """Every effective model of ``zoo`` inspected by ``auto`` as ``zoo eval`` does, before
    calibration: its truth and the verdict's fields calibration reads."""
    import torch

    from trojanscope import registry
    from trojanscope.data.resolve import load_dataset
    from trojanscope.engine.train import seeded
    from trojanscope.io.models import load_model
    from trojanscope.models.text_common import attach_encoder
    from trojanscope.zoo import effective, read_truth

    torch.set_num_threads(1)
    dataset, listed = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    rows = []
    for entry in [e for e in listed if effective(e)]:
        loaded = load_model(zoo / entry.name)
        with seeded(seed):  # as the executor runs each Task(seed=...) (executor.call_task)
            verdict = registry.create("detector", "auto").inspect(
                loaded.module, attach_encoder(loaded, clean), input_shape=loaded.input_shape,
                num_classes=loaded.num_classes, seed=seed)
        report = {k: copy.deepcopy(getattr(verdict, k)) for k in REPORT_KEYS}
        rows.append({"name": entry.name, "backdoored": entry.backdoored, "attack": entry.attack,
                     "target": entry.target, "report": report})
        print(f"{entry.name}: {verdict.elapsed_s:.1f} s", file=sys.stderr, flush=True)
    return rows


def rebuild(report: dict):
    """The uncalibrated verdict a stored report was taken from."""
    from trojanscope.detect.base import ModelVerdict

    return ModelVerdict(method=report["method"], statistic=report["statistic"],
                        target_classes=list(report["target_classes"]), per_class=[],
                        features=dict(report["features"]), data_free=bool(report["data_free"]),
                        traits=list(report["traits"]), family=report["family"],
                        elapsed_s=float(report["elapsed_s"]))


def score_file(rows: list[dict], calibration: Path) -> dict:
    """``rows`` calibrated by ``calibration``: ``zoo eval``'s scores and per-model rows."""
    from trojanscope.detect.calibration import calibrate, load_calibrators
    from trojanscope.detect.evaluate import ZooRow, score_rows

    cals = load_calibrators(calibration)
    out = []
    for row in rows:
        v = calibrate(rebuild(row["report"]), cals)
        out.append(ZooRow(row["name"], row["backdoored"], row["attack"], row["target"],
                          float(v.probability), v.statistic,
                          v.target_classes[0] if v.target_classes else None, v.elapsed_s,
                          dict(v.features), list(v.traits), v.family, v.method))
    return {"file": str(calibration), "scores": score_rows(out),
            "rows": [asdict(r) for r in out]}


def compare(results: dict[str, dict], base: str) -> dict[str, dict]:
    """Per file against ``base``: ROC-AUC and CE differences, the models whose probability
    moves (|dp| > 1e-6) and whether every suspected target is the same."""
    ref = {r["name"]: r for r in results[base]["rows"]}
    out = {}
    for name, res in results.items():
        moved = {r["name"]: [round(ref[r["name"]]["probability"], 6), round(r["probability"], 6)]
                 for r in res["rows"]
                 if abs(r["probability"] - ref[r["name"]]["probability"]) > 1e-6}
        out[name] = {
            "d_roc_auc": res["scores"]["roc_auc"] - results[base]["scores"]["roc_auc"],
            "d_cross_entropy": (res["scores"]["cross_entropy"]
                                - results[base]["scores"]["cross_entropy"]),
            "moved": moved,
            "targets_equal": all(r["predicted_target"] == ref[r["name"]]["predicted_target"]
                                 for r in res["rows"]),
        }
    return out


def identity(rows: list[dict], recorded: dict) -> dict:
    """Whether ``rows`` are the models of a recorded ``zoo eval --json`` output: the same names,
    attacks and targets, and each reading both hold (the statistic, the probes' gaps) the
    largest difference over the models."""
    rec = {r["name"]: r for r in recorded["rows"]}
    same = (sorted(rec) == sorted(r["name"] for r in rows)
            and all((rec[r["name"]]["attack"], rec[r["name"]]["target"])
                    == (r["attack"], r["target"]) for r in rows if r["name"] in rec))
    diffs: dict[str, float] = {}
    for r in rows:
        old = rec.get(r["name"])
        if old is None:
            continue
        pairs = [("statistic", r["report"]["statistic"], old["statistic"])]
        pairs += [(k, v, old["features"][k]) for k, v in r["report"]["features"].items()
                  if k in old["features"] and k != "calibrated"]
        for key, new, was in pairs:
            diffs[key] = max(diffs.get(key, 0.0), abs(float(new) - float(was)))
    return {"same_models": same, "max_abs_diff": diffs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path, nargs="?", help="a zoo folder (not needed with --reuse)")
    ap.add_argument("--calibration", action="append", default=[], help="NAME=FILE (repeat)")
    ap.add_argument("--rows", type=Path, default=None, help="write the runs' reports here")
    ap.add_argument("--reuse", type=Path, default=None, help="reports of an earlier run")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--recorded", type=Path, default=None,
                    help="a recorded `zoo eval --json` output (.json or .json.gz): identity check")
    args = ap.parse_args()
    cals = parse_calibrations(args.calibration)
    if args.reuse is not None:
        if not args.reuse.is_file():
            fail(f"--reuse {args.reuse}: no such file")
        rows = read_jsonl(args.reuse)
    elif args.zoo is None or not (args.zoo / "truth.json").is_file():
        fail(f"{args.zoo}: not a zoo folder (no truth.json)")
    else:
        t0 = time.perf_counter()
        rows = inspect_raw(args.zoo, args.seed)
        print(f"inspected {len(rows)} models in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        if args.rows:
            args.rows.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ident = None
    if args.recorded is not None:
        if not args.recorded.is_file():
            fail(f"--recorded {args.recorded}: no such file")
        opener = gzip.open if args.recorded.suffix == ".gz" else open
        with opener(args.recorded, "rt") as f:
            ident = identity(rows, json.load(f))
        print(f"identity with {args.recorded.name}: {json.dumps(ident)}")
    results = {name: score_file(rows, path) for name, path in cals.items()}
    base = next(iter(results))
    diffs = compare(results, base)
    for name, res in results.items():
        s, d = res["scores"], diffs[name]
        clean = [r for r in res["rows"] if not r["backdoored"] and r["probability"] >= 0.5]
        print(f"{name}: ROC-AUC {s['roc_auc']:.4f} CE {s['cross_entropy']:.4f} "
              f"Brier {s['brier']:.4f} TPR@5% {s['tpr_at_5pct_fpr']:.3f} "
              f"by attack {s['detection_rate_by_attack']} target right (flagged) "
              f"{s['target_accuracy_flagged']:.3f} clean>=0.5 {len(clean)} | vs {base}: "
              f"dAUC {d['d_roc_auc']:+.4f} dCE {d['d_cross_entropy']:+.4f} "
              f"moved {len(d['moved'])} {d['moved']} targets equal {d['targets_equal']}")
    if args.json:
        args.json.write_text(json.dumps({"identity": ident, "results": results,
                                         "vs_" + base: diffs}, indent=1) + "\n")


if __name__ == "__main__":
    main()
