"""Do clean twins reproduce a model's wide class and not a backdoor's target? (issue 9, stop 61)

For each stored model of a population (a zoo folder with its ``clean.npz`` and models, the
stored ``detect`` runs and truth), train ``--twins`` clean twins of its architecture on the
zoo's clean file (:mod:`trojanscope.detect.image_twins`) and read MM-BD's per-class ratio on
each; one JSON line per model (appended as each is done, so a cut run keeps what it read): the
model's stored reading (p, suspect, per-class ratios) beside the twins' ratios. Reads no truth
to make the twins; the truth is only copied into the row for the table.

    python benchmarks/twin_wide_class.py --pop 9202=ZOO,RUNS,TRUTH [--pop ...] --out rows.jsonl
    python benchmarks/twin_wide_class.py --table rows.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from _common import fail, read_jsonl, run_main, truth_by_name

_TWINS: dict[tuple, dict] = {}  # (zoo, architecture, count, seed, start, epochs, fit) -> twins


def model_row(pop: str, zoo: Path, run: dict, truth: dict, count: int, seed: int,
              epochs: int, fit: str = "labels", start: int = 0, frame: bool = True,
              gap_head: bool = False) -> dict:
    """One model's stored reading and its twins' MM-BD ratios. Twins ``start`` .. ``start +
    count - 1`` (weights seeded ``seed + k``; MM-BD seeded ``seed``, as ``auto`` reads them):
    ``start`` > 0 adds twins to a row that holds the first ones. With labels as the fit, twins
    depend only on the architecture and the clean file, so models of one zoo that share an
    architecture (the module's printed form) share one set (made once, its CPU on the first).
    ``gap_head``: twins only for a model with a global-average-pooling head, as ``auto -p
    twins=N`` makes them (the row of any other model has none)."""
    from trojanscope.detect.class_excess import class_ratios
    from trojanscope.detect.image_twins import editable

    t0 = time.process_time()
    loaded, data = zoo_model(zoo, run["name"])
    shape = tuple(data.x.shape[1:])
    module = editable(loaded.module, shape)
    if gap_head:
        from trojanscope.detect.coverage import architecture_traits
        from trojanscope.detect.image_twins import GAP_TRAIT

        if GAP_TRAIT not in architecture_traits(loaded.module):
            module = None
    feats = (run.get("report") or {}).get("features") or {}
    row = {"pop": pop, "name": run["name"], "arch_family": truth.get("arch_family"),
           "trigger_family": truth.get("trigger_family"), "backdoored": truth["backdoored"],
           "target": truth.get("target"), "p": run.get("probability"),
           "suspect": run.get("suspected_target"),
           "mmbd_top": (run.get("report") or {}).get("ranking", [None])[0],
           "ratios": class_ratios(feats) or [], "twins": None,
           "frame": [feats.get("frame_share_gap"), feats.get("frame_top_class")]}
    if module is not None:
        key = (str(zoo), str(module), count, seed, start, epochs, fit)
        if fit != "labels" or key not in _TWINS:
            _TWINS[key] = made_twins(module, data, count, seed, epochs, fit, start, frame)
        row.update(_TWINS[key])
        row["twin_start"] = start
    row["cpu_s"] = round(time.process_time() - t0, 1)
    return row


def zoo_model(zoo: Path, name: str) -> tuple[Any, Any]:
    """A zoo folder's model ``name`` (loaded as ``detect`` loads it) and its ``clean.npz`` as
    a 10-class dataset (also read by ``outside_named_rows.py``)."""
    import torch

    from trojanscope.data.dataset import TensorDataset
    from trojanscope.io.models import load_model

    clean = np.load(zoo / "clean.npz")
    x = torch.tensor(clean["x"], dtype=torch.float32)
    y = torch.tensor(clean["y"], dtype=torch.int64)
    return (load_model(zoo / f"{name}.pt"),
            TensorDataset(x, y, tuple(str(c) for c in range(10))))


def made_twins(module: Any, data: Any, count: int, seed: int, epochs: int, fit: str, start: int,
               frame: bool) -> dict:
    """The twins' clean accuracy, MM-BD ratios and (``frame``) frame features."""
    import torch

    from trojanscope.detect.image_twins import train_twins, twin_ratios

    twins = train_twins(module, data, count, seed + start, epochs, fit)
    shape = tuple(data.x.shape[1:])
    with torch.no_grad():
        ca = [float((t(data.x).argmax(1) == data.y).float().mean()) for t in twins]
    out = {"twin_ca_clean": ca, "twins": twin_ratios(twins, shape, 10, seed)}
    if frame:
        from trojanscope.detect.base import InspectionTarget
        from trojanscope.detect.frame import frame_features

        out["twin_frame"] = [frame_features(InspectionTarget(t, shape, 10, data),
                                            torch.Generator().manual_seed(seed))
                             for t in twins]
    return out


def build_rows(pops: list[str], out: Path, count: int, seed: int, epochs: int,
               only: str | None, fit: str = "labels", start: int = 0,
               frame: bool = True, gap_head: bool = False) -> None:
    """Append to ``out`` one :func:`model_row` per stored model of each ``NAME=ZOO,RUNS,TRUTH``
    population (GAP-head models first), skipping those ``out`` already holds: a cut run
    resumes where it stopped."""
    done = {(r["pop"], r["name"]) for r in read_jsonl(out)} if out.is_file() else set()
    for spec in pops:
        pop, _, paths = spec.partition("=")
        zoo, runs, truth_path = (Path(p) for p in paths.split(","))
        truth = truth_by_name(truth_path)
        runs_all = [r for r in read_jsonl(runs) if r.get("report") and r["name"] in truth]
        runs_all.sort(key=lambda r: (not r["name"].startswith("gap"), r["name"]))
        for run in runs_all:
            if (pop, run["name"]) in done or not (zoo / f"{run['name']}.pt").is_file():
                continue
            if only and not run["name"].startswith(only):
                continue
            row = model_row(pop, zoo, run, truth[run["name"]], count, seed, epochs, fit,
                            start, frame, gap_head)
            with out.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(summary(row), flush=True)


def twin_stats(row: dict, cls: int | None) -> tuple[float | None, float | None]:
    """The twins' median and largest MM-BD ratio for class ``cls`` (Nones without twins)."""
    if cls is None or not row.get("twins"):
        return None, None
    vals = [t[cls] for t in row["twins"] if len(t) > cls]
    return statistics.median(vals), max(vals)


def summary(row: dict) -> str:
    """One row as a line: truth, stored p and suspect, MM-BD's top class and its ratio beside
    the twins' median / largest for it, each twin's top class, the CPU seconds."""
    s = row["mmbd_top"]
    med, mx = twin_stats(row, s)
    truth = f"{row['trigger_family']}->{row['target']}" if row["backdoored"] else "clean"
    r_s = row["ratios"][s] if s is not None and row["ratios"] else float("nan")
    tw = "no twins" if med is None else f"twins {med:.2f} / {mx:.2f}"
    t_top = ""
    if row.get("twins"):
        tops = [int(np.argmax(t)) for t in row["twins"]]
        t_top = f" twin tops {tops}"
    return (f"{row['pop']:>5} {row['name']:<20} {truth:<18} p {row['p']:.3f} -> "
            f"{row['suspect']} mmbd top {s} ratio {r_s:.2f} {tw}{t_top} ({row['cpu_s']} s)")


def merged_rows(paths: list[Path]) -> dict[tuple[str, str], dict]:
    """The rows of several twin files by (population, name), one model's twins joined in the
    order of their first index (``twin_start``): a file of the first twins and a file that
    added more (``--start``) read as one row of all of them."""
    got: dict[tuple[str, str], list[dict]] = {}
    for path in paths:
        for r in read_jsonl(path):
            got.setdefault((str(r["pop"]), r["name"]), []).append(r)
    out = {}
    for key, rows in got.items():
        rows.sort(key=lambda r: r.get("twin_start", 0))
        row = dict(rows[0])
        if rows[0].get("twins"):
            row["twins"] = [t for r in rows for t in r.get("twins") or []]
            row["twin_ca_clean"] = [a for r in rows for a in r.get("twin_ca_clean") or []]
            row["cpu_s"] = sum(r.get("cpu_s") or 0 for r in rows)
        out[key] = row
    return out


def join_twins(rows: list[dict], path: Path | list[Path]) -> int:
    """Add each measured model's twin features (``twin_ratio_<c>``, ``twin_max_<c>``,
    ``twin_min_<c>``: the twins' median and extremes, ``twin_count``) to the stored report of
    the row of the same seed and name, in place; returns how many rows got them."""
    from trojanscope.detect.image_twins import twin_summary
    from trojanscope.detect.twin_term import TWIN_COUNT

    got = merged_rows(path if isinstance(path, list) else [path])
    n = 0
    for row in rows:
        twin = got.get((str(row["seed"]), row["name"]))
        if twin is None:
            continue
        feats = row["report"]["features"]
        if not twin.get("twins"):
            feats[TWIN_COUNT] = 0.0
            continue
        feats.update(twin_summary(twin["twins"], len(twin["twins"][0])))
        feats[TWIN_COUNT] = float(len(twin["twins"]))
        n += 1
    return n


def terms(runs: Path, truth_path: Path, candidate: Path) -> list[dict]:
    """Each stored run read by the shipped file (today) and by ``candidate``: p and suspect
    both ways, and the terms of the candidate's reading (centre, twins, raise; the stand and
    its class) — what the report's table of misses shows."""
    from foreign_zoo_detect import verdict_of
    from trojanscope.detect.calibration import calibrate, load_calibrators
    from trojanscope.detect.twin_term import standing_class

    today, cand = load_calibrators(), load_calibrators(candidate)
    truth = truth_by_name(truth_path)
    out, seen = [], set()
    for run in read_jsonl(runs):
        if not run.get("report") or run["name"] in seen or run["name"] not in truth:
            continue
        seen.add(run["name"])
        t, c = (calibrate(verdict_of(run["report"]), cals) for cals in (today, cand))
        m = truth[run["name"]]
        got = standing_class(c.features)
        out.append({"name": run["name"], "backdoored": m["backdoored"], "target": m["target"],
                    "arch_family": m["arch_family"], "trigger_family": m["trigger_family"],
                    "today": [round(float(t.probability), 4), t.target_classes[0]],
                    "candidate": [round(float(c.probability), 4), c.target_classes[0]],
                    "unraised": c.features.get("probability_unraised"),
                    "centre_logit_today": t.features.get("centre_logit", 0.0),
                    "twin_logit": c.features.get("twin_logit", 0.0),
                    "raise_logit": c.features.get("raise_logit", 0.0),
                    "twin_count": c.features.get("twin_count"),
                    "stand": None if got is None else [got[0], round(got[1], 3)]})
    return out


def paths_of(spec: str, count: int, flag: str) -> list[Path]:
    """``count`` comma-separated paths of ``flag``'s value, each there; otherwise one error
    line and exit 2 (before any model is read)."""
    parts = [Path(p) for p in spec.split(",")]
    if len(parts) != count or not all(spec.split(",")):
        fail(f"{flag} {spec!r}: give {count} comma-separated paths")
    missing = [str(p) for p in parts if not p.exists()]
    if missing:
        fail(f"{flag} {spec!r}: no such file or folder: {', '.join(missing)}")
    return parts


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pop", action="append", default=[], help="NAME=ZOO,RUNS,TRUTH")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--twins", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--fit", default="labels", choices=["labels", "distil"])
    ap.add_argument("--lr", type=float, help="the twins' learning rate (default: the module's)")
    ap.add_argument("--only", help="model names starting with this")
    ap.add_argument("--start", type=int, default=0,
                    help="the first twin's index (add twins to rows holding the first ones)")
    ap.add_argument("--no-frame", action="store_true", help="skip the twins' frame reading")
    ap.add_argument("--gap-head", action="store_true",
                    help="twins only for GAP-head models (as auto's twins option)")
    ap.add_argument("--table", type=Path, help="print the rows of a finished file")
    ap.add_argument("--terms", metavar="RUNS,TRUTH",
                    help="print each stored run's reading today and with --candidate")
    ap.add_argument("--candidate", type=Path, help="with --terms: the candidate's file")
    args = ap.parse_args(argv)
    if args.terms:
        if args.candidate is None or not args.candidate.is_file():
            fail("--terms needs --candidate FILE (an existing calibration file)")
        runs, truth_path = paths_of(args.terms, 2, "--terms")
        for row in terms(runs, truth_path, args.candidate):
            print(json.dumps(row))
        return
    if args.table:
        for row in read_jsonl(args.table):
            print(summary(row))
        return
    if not args.pop or args.out is None:
        fail("give --pop and --out (or --table)")
    for spec in args.pop:
        name, _, paths = spec.partition("=")
        if not name:
            fail(f"--pop {spec!r}: give NAME=ZOO,RUNS,TRUTH")
        paths_of(paths, 3, "--pop")
    import torch

    torch.set_num_threads(1)
    if args.lr is not None:
        import trojanscope.detect.image_twins as image_twins

        image_twins.TWIN_LR = args.lr
    if args.start < 0 or args.twins < 1:
        fail(f"--start must be >= 0 and --twins >= 1, got {args.start} and {args.twins}")
    build_rows(args.pop, args.out, args.twins, args.seed, args.epochs, args.only, args.fit,
               args.start, not args.no_frame, args.gap_head)


if __name__ == "__main__":
    run_main(main)
