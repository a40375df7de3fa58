"""Zoo models read with a user's small clean file (issue 16 stop 39).

``tabular-search`` skips a tree's class when its rows to flip are fewer than ``min_sources``
and under ``SILENT_SHARE`` of the other classes' clean rows (stop 38 and its review); both
counts are over the clean file given, so a user's small file decides them. This script draws
small clean files from a zoo table's ``test`` split (the rows ``zoo eval`` reads: uniform
draws without replacement, each from the seed ``[seed, size, draw]``, redrawn while a class
has fewer than 2 rows, the detector's minimum) and, per model, records the rows to flip per
class, the classes the share rule skips, and (``--detect``) the calibrated verdict read with
that file (since stop 42 with each searched class's excess against the linear reference and
against the twins, ``classes``: ``tabular_size_calibrate.py --rescore --order`` reads either
target order from one reading). ``--summary ROWS.json...`` prints per table and size (and
pooled over ``--pool`` tables): ROC-AUC, cross-entropy, backdoors caught (conjunctions
apart), clean flagged, skipped (the audit's "inconclusive" behaviour check), target right
among the flagged, median seconds; per family (table, library, target) and the worst.
``--own`` puts a zoo's ``zoo eval --json`` rows (its whole split) in the same form.

    PYTHONPATH=src python benchmarks/tabular_small_clean.py --zoo ZOO... --sizes 100,200,500 \
        --draws 3 [--draw-start 0] --json OUT.json [--detect] [--archs xgboost,lightgbm] \
        [-p name=value]
    PYTHONPATH=src python benchmarks/tabular_small_clean.py --own ZOO ZOO_EVAL_ROWS.json \
        [--own ...] --json OWN.json            # zoo eval's rows (whole split), same form
    PYTHONPATH=src python benchmarks/tabular_small_clean.py --summary OUT.json... \
        [--pool lending-club,credit-default]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from trojanscope import registry  # noqa: E402
from trojanscope.cli.common import parse_params  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.detect.calibration import calibrate, load_calibrators  # noqa: E402
from trojanscope.detect.evaluate import _row  # noqa: E402
from trojanscope.detect.tabular_search import (  # noqa: E402
    MIN_SOURCES,
    skipped_of,
    source_counts,
)
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.models.text_common import attach_encoder  # noqa: E402
from trojanscope.zoo import effective, read_truth  # noqa: E402

TREES = ("xgboost", "lightgbm", "sklearn-hgb")


def draw(n_rows: int, y: np.ndarray, size: int, seed: int, k: int) -> np.ndarray:
    """Row indices of one small clean file: ``size`` rows, every class at least twice."""
    for attempt in range(100):
        rng = np.random.default_rng([seed, size, k, attempt])
        idx = np.sort(rng.choice(n_rows, size=min(size, n_rows), replace=False))
        if np.bincount(y[idx], minlength=int(y.max()) + 1).min() >= 2:
            return idx
    raise SystemExit(f"error: no draw of {size} rows holds every class twice")


def reading(model, e, x, y, num_classes: int, min_sources: int) -> dict:
    """One model's rows to flip per class on ``x`` / ``y`` and the classes the share rule
    skips (trees only), with the zoo entry's truth."""
    with torch.no_grad():
        own = model(x).float().argmax(1)
    counts, others = source_counts(y, own, num_classes)
    skipped = sorted(skipped_of(counts, others, min_sources)) if e.arch in TREES else []
    return {
        "name": e.name,
        "arch": e.arch,
        "backdoored": e.backdoored,
        "attack": e.attack,
        "target": e.target,
        "sources": counts,
        "others": others,
        "skipped": skipped,
    }


def inspected(zoo: Path, e, part, cals: dict, seed: int, params: dict) -> dict:
    """``evaluate.inspect_entry``'s row, with each searched class's excess against the linear
    reference and against the twins (``classes``: both target orders can be read from one
    reading; issue 16 stop 42)."""
    loaded = load_model(zoo / e.name)
    verdict = registry.create("detector", "tabular-search", **params).inspect(
        loaded.module, attach_encoder(loaded, part), input_shape=loaded.input_shape,
        num_classes=loaded.num_classes, seed=seed)
    calibrate(verdict, cals)
    row = asdict(_row(e, verdict))
    row["classes"] = {str(r.cls): {k: float(r.details[k])
                                   for k in ("excess", "excess_vs_twins", "excess_sure")
                                   if k in r.details} for r in verdict.per_class}
    return row


def write_rows(path: Path, params: dict, rows: list[dict]) -> None:
    """``rows`` written whole to a temporary file, then moved over ``path``: a kill between
    models leaves the last complete file, never a half-written one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"params": params, "rows": rows}, indent=1))
    tmp.replace(path)


def interleaved(entries: list) -> list:
    """Clean and backdoored entries in turn (each in its listed order): a run cut by its
    time limit leaves a population still about half backdoored (issue 16 stop 57)."""
    clean = [e for e in entries if not e.backdoored]
    bad = [e for e in entries if e.backdoored]
    pairs = itertools.zip_longest(clean, bad)
    return [e for pair in pairs for e in pair if e is not None]


def run(args: argparse.Namespace) -> None:
    params = parse_params(args.p, "-p")  # JSON values: size_calibration=1 is a number
    min_sources = int(params.get("min_sources", MIN_SOURCES))
    archs = set(args.archs.split(",")) if args.archs else None
    cals = load_calibrators(args.calibration)
    out = []
    for zoo in args.zoo:
        dataset, listed = read_truth(zoo)
        entries = [e for e in listed if effective(e) and (archs is None or e.arch in archs)]
        if args.interleave:
            entries = interleaved(entries)
        test = load_dataset(dataset, "test")
        y_all = test.y.numpy()
        models = {e.name: load_model(zoo / e.name).module for e in entries}
        for size in args.sizes:
            for k in range(args.draw_start, args.draw_start + args.draws):
                idx = draw(len(test), y_all, size, args.seed, k)
                part = test.subset(torch.as_tensor(idx))
                x, y = part.x, part.y
                for e in entries:
                    row = reading(models[e.name], e, x, y, test.num_classes, min_sources)
                    row.update(table=Path(dataset).name, zoo=zoo.name, size=size, draw=k)
                    counts, skipped = row["sources"], row["skipped"]
                    if args.detect:
                        t0, c0 = time.perf_counter(), time.process_time()
                        zr = inspected(zoo, e, part, cals, args.seed, params)
                        row.update(
                            probability=zr["probability"],
                            predicted_target=zr["predicted_target"],
                            elapsed_s=time.perf_counter() - t0,
                            # one core's time whatever the load (one thread: issue 16 stop 57)
                            cpu_s=time.process_time() - c0,
                            features=zr["features"],
                            family=zr["family"],
                            traits=zr["traits"],
                            classes=zr["classes"],
                        )
                    out.append(row)
                    p = row.get("probability")
                    print(
                        f"{zoo.name} n={size} d={k} {e.name:28s} {e.arch:8s} src {counts} "
                        f"skip {skipped}" + (f" p {p:.3f}" if p is not None else ""),
                        flush=True,
                    )
                    # after every model: a run cut by its time limit keeps what it read
                    write_rows(args.json, params, out)


def _ce(rows: list[dict]) -> float:
    p = np.clip([r["probability"] for r in rows], 1e-6, 1 - 1e-6)
    y = np.array([r["backdoored"] for r in rows], dtype=float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _auc(rows: list[dict]) -> float:
    from sklearn.metrics import roc_auc_score

    y = [r["backdoored"] for r in rows]
    return (
        float(roc_auc_score(y, [r["probability"] for r in rows]))
        if 0 < sum(y) < len(y)
        else float("nan")
    )


def figures_line(rows: list[dict], cpu: bool = True) -> str:
    """ROC-AUC, CE, backdoors caught, clean flagged, right targets among the flagged and
    (``cpu``) the median one-core CPU s: one population's figures on one line (stop 63)."""
    bd = [r for r in rows if r["backdoored"]]
    cl = [r for r in rows if not r["backdoored"]]
    flagged = [r for r in bd if r["probability"] >= 0.5]
    right = sum(r["predicted_target"] == r["target"] for r in flagged)
    return (f"ROC-AUC {_auc(rows):.3f} CE {_ce(rows):.3f} caught {len(flagged)}/{len(bd)} "
            f"clean flagged {sum(r['probability'] >= 0.5 for r in cl)}/{len(cl)} "
            f"right {right}/{len(flagged)}"
            + (f" CPU {np.median([r['cpu_s'] for r in rows]):.1f} s" if cpu else ""))


def _skips(rows: list[dict]) -> str:
    """Readings with a skipped class, and of those how many had rows to flip there (> 0: the
    class would have been searched before stop 38)."""
    hit = [r for r in rows if r["skipped"]]
    some = sum(any(r["sources"][t] > 0 for t in r["skipped"]) for r in hit)
    return f"{len(hit)}/{len(rows)} ({some} with rows to flip)"


def _line(rows: list[dict]) -> str:
    bd = [r for r in rows if r["backdoored"]]
    cl = [r for r in rows if not r["backdoored"]]
    s = f"skipped clean {_skips(cl)} backdoored {_skips(bd)}"
    if rows and "probability" in rows[0]:
        flagged = [r for r in bd if r["probability"] >= 0.5]
        right = sum(r["predicted_target"] == r["target"] for r in flagged)
        conj = [r for r in bd if r["attack"] == "tabular-conjunction"]
        s += (
            f"; ROC-AUC {_auc(rows):.3f} CE {_ce(rows):.3f} caught {len(flagged)}/{len(bd)} "
            f"(conjunctions {sum(r['probability'] >= 0.5 for r in conj)}/{len(conj)}) "
            f"clean flagged {sum(r['probability'] >= 0.5 for r in cl)}/{len(cl)} "
            f"target right {right}/{len(flagged)} "
            f"median {np.median([r['elapsed_s'] for r in rows]):.1f} s"
        )
        if all("cpu_s" in r for r in rows):  # one core's time (recorded since stop 57)
            s += f", CPU {np.median([r['cpu_s'] for r in rows]):.1f} s"
    return s


def own_split(zoo: Path, rows_file: Path) -> list[dict]:
    """The zoo's ``zoo eval --json`` rows (its whole ``test`` split) in this script's form,
    with the rows to flip and the share rule's skips counted on that split."""
    dataset, listed = read_truth(zoo)
    entries = {e.name: e for e in listed}
    test = load_dataset(dataset, "test")
    out = []
    for r in json.loads(rows_file.read_text())["rows"]:
        e = entries[r["name"]]
        row = reading(
            load_model(zoo / e.name).module, e, test.x, test.y, test.num_classes, MIN_SOURCES
        )
        row.update(
            table=Path(dataset).name,
            zoo=zoo.name,
            size="whole",
            draw=0,
            probability=r["probability"],
            predicted_target=r["predicted_target"],
            elapsed_s=r["elapsed_s"],
        )
        out.append(row)
    return out


def summary(files: list[str], pool: list[str]) -> None:
    rows = [r for f in files for r in json.loads(Path(f).read_text())["rows"]]
    for size in sorted({r["size"] for r in rows}, key=str):
        part = [r for r in rows if r["size"] == size and r["table"] in pool]
        if pool and part:
            print(f"pooled {'+'.join(pool)} n={size} ({len(part)} readings): {_line(part)}")
    for table, size in sorted({(r["table"], r["size"]) for r in rows}, key=str):
        part = [r for r in rows if r["table"] == table and r["size"] == size]
        print(f"{table} n={size} ({len(part)} readings): {_line(part)}")
        worst = []
        for arch, target in sorted({(r["arch"], r["target"]) for r in part if r["backdoored"]}):
            fam = [
                r
                for r in part
                if r["arch"] == arch and (not r["backdoored"] or r["target"] == target)
            ]
            print(f"  {arch} target {target}: {_line(fam)}")
            if "probability" in fam[0]:
                worst.append((_ce(fam), f"{arch} target {target}"))
        if worst:
            ce, name = max(worst)
            print(f"  worst family: {name} (CE {ce:.3f})")
    if rows and "probability" in rows[0]:
        print(f"all ({len(rows)} readings): {_line(rows)}")
        # per model family (library) over the pooled tables, worst cross-entropy first
        part = [r for r in rows if not pool or r["table"] in pool]
        fams = [(_ce(fam), arch, fam) for arch in sorted({r["arch"] for r in part})
                if (fam := [r for r in part if r["arch"] == arch])]
        for _, arch, fam in sorted(fams, key=lambda f: -f[0]):
            print(f"family {arch} ({len(fam)} readings, pooled tables): {_line(fam)}")
        trees = [r for r in part if r["arch"] in TREES]
        if trees:  # the tree band calibrators' own population (stop 42's rule, part B)
            print(f"trees ({len(trees)} readings, pooled tables): {_line(trees)}")


def main() -> None:
    if "--summary" in sys.argv:
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--summary", nargs="+", required=True)
        ap.add_argument("--pool", default="", help="tables pooled per size, comma-separated")
        args = ap.parse_args()
        summary(args.summary, [t for t in args.pool.split(",") if t])
        return
    if "--own" in sys.argv:
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--own", nargs=2, action="append", metavar=("ZOO", "ROWS"), required=True)
        ap.add_argument("--json", type=Path, required=True)
        args = ap.parse_args()
        rows = [r for zoo, f in args.own for r in own_split(Path(zoo), Path(f))]
        args.json.write_text(json.dumps({"params": {}, "rows": rows}, indent=1))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, nargs="+", required=True)
    ap.add_argument("--sizes", type=lambda s: [int(v) for v in s.split(",")], required=True)
    ap.add_argument("--draws", type=int, default=3)
    ap.add_argument("--draw-start", type=int, default=0, help="first draw index")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--archs", default="")
    ap.add_argument("--interleave", action="store_true",
                    help="clean and backdoored models in turn (a cut run stays balanced)")
    ap.add_argument("--detect", action="store_true")
    ap.add_argument("--calibration", type=Path, default=None)
    ap.add_argument("-p", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--json", type=Path, required=True)
    run(ap.parse_args())


if __name__ == "__main__":
    main()
