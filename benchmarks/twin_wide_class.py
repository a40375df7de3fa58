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

import numpy as np

from _common import fail, read_jsonl, run_main, truth_by_name


def model_row(pop: str, zoo: Path, run: dict, truth: dict, count: int, seed: int,
              epochs: int, fit: str = "labels") -> dict:
    """One model's stored reading and its twins' MM-BD ratios."""
    import torch

    from trojanscope.data.dataset import TensorDataset
    from trojanscope.detect.class_excess import class_ratios
    from trojanscope.detect.image_twins import editable, train_twins, twin_ratios
    from trojanscope.io.models import load_model

    t0 = time.process_time()
    loaded = load_model(zoo / f"{run['name']}.pt")
    clean = np.load(zoo / "clean.npz")
    x = torch.tensor(clean["x"], dtype=torch.float32)
    y = torch.tensor(clean["y"], dtype=torch.int64)
    data = TensorDataset(x, y, tuple(str(c) for c in range(10)))
    shape = tuple(x.shape[1:])
    module = editable(loaded.module, shape)
    feats = (run.get("report") or {}).get("features") or {}
    row = {"pop": pop, "name": run["name"], "arch_family": truth.get("arch_family"),
           "trigger_family": truth.get("trigger_family"), "backdoored": truth["backdoored"],
           "target": truth.get("target"), "p": run.get("probability"),
           "suspect": run.get("suspected_target"),
           "mmbd_top": (run.get("report") or {}).get("ranking", [None])[0],
           "ratios": class_ratios(feats) or [], "twins": None,
           "frame": [feats.get("frame_share_gap"), feats.get("frame_top_class")]}
    if module is not None:
        twins = train_twins(module, data, count, seed, epochs, fit)
        with torch.no_grad():
            row["twin_ca_clean"] = [float((t(x).argmax(1) == y).float().mean()) for t in twins]
        row["twins"] = twin_ratios(twins, shape, 10, seed)
        from trojanscope.detect.base import InspectionTarget
        from trojanscope.detect.frame import frame_features

        row["twin_frame"] = [frame_features(InspectionTarget(t, shape, 10, data),
                                            torch.Generator().manual_seed(seed))
                             for t in twins]
    row["cpu_s"] = round(time.process_time() - t0, 1)
    return row


def build_rows(pops: list[str], out: Path, count: int, seed: int, epochs: int,
               only: str | None, fit: str = "labels") -> None:
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
            row = model_row(pop, zoo, run, truth[run["name"]], count, seed, epochs, fit)
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


def join_twins(rows: list[dict], path: Path) -> int:
    """Add each measured model's twin features (``twin_ratio_<c>``: the twins' median,
    ``twin_count``) to the stored report of the row of the same seed and name, in place;
    returns how many rows got them."""
    from trojanscope.detect.twin_term import TWIN_COUNT, TWIN_RATIO

    got = {(str(r["pop"]), r["name"]): r for r in read_jsonl(path)}
    n = 0
    for row in rows:
        twin = got.get((str(row["seed"]), row["name"]))
        if twin is None:
            continue
        feats = row["report"]["features"]
        if not twin.get("twins"):
            feats[TWIN_COUNT] = 0.0
            continue
        k = len(twin["twins"][0])
        feats.update({f"{TWIN_RATIO}{c}": statistics.median(t[c] for t in twin["twins"])
                      for c in range(k)})
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
    build_rows(args.pop, args.out, args.twins, args.seed, args.epochs, args.only, args.fit)


if __name__ == "__main__":
    run_main(main)
