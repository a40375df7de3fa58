"""Candidate C's per-class readings for stored GAP-head runs (issue 9, stop 63: h9).

For each model of ``--pop LABEL=ZOO,RUNS,TRUTH`` that has a stored ``detect`` run and a model
file in ZOO (rebuilt from its spent seed), measures what ``auto -p named=true`` adds to the
report (``named_ts_<c>``, ``named_uap_<c>``: :func:`trojanscope.detect.named_check.named_features`,
seeded ``--seed`` as ``detect`` seeds it; with ``--probe blend`` the third probe's
``blend_share_<c>`` instead, stop 65) and appends one JSON line: the stored run (its
report gains the readings, so it can be calibrated again with a candidate file) plus the
readings, the free universal perturbation's log ratio measured again (``uap_log_ratio_now``:
equal to the stored one where the rebuilt model is the one that was scored) and the CPU
seconds. A model already in ``--out`` is skipped (resumable); ``--only`` names models.

    PYTHONPATH=src:benchmarks python benchmarks/outside_named_rows.py \\
        --pop 9204=ZOO,RUNS.jsonl.gz,TRUTH.json.gz --out rows.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import fail, read_jsonl, run_main, truth_by_name


def model_row(label: str, zoo: Path, run: dict, truth: dict, seed: int,
              probe_name: str = "named") -> dict:
    """One stored run with candidate C's readings (``probe_name`` "named") or the third
    probe's (``"blend"``, stop 65: ``blend_share_<c>``) measured on the model file."""
    import torch

    from trojanscope.detect.base import InspectionTarget
    from trojanscope.detect.named_check import blend_reading, named_features
    from trojanscope.detect.universal import UniversalPerturbation, universal_features
    from twin_wide_class import zoo_model

    t0 = time.process_time()
    loaded, data = zoo_model(zoo, run["name"])
    target = InspectionTarget(loaded.module, tuple(data.x.shape[1:]), 10, data)
    checked = {}
    if probe_name == "blend":
        named = blend_reading(target, seed)
    else:
        probe = UniversalPerturbation()
        sizes = probe.sizes(target, torch.Generator().manual_seed(seed)).tolist()
        named = named_features(target, seed, sizes)
        checked = {"uap_log_ratio_now": universal_features(sizes)["uap_log_ratio"],
                   "uap_log_ratio_stored": run["report"]["features"].get("uap_log_ratio")}
    report = json.loads(json.dumps(run["report"]))
    report["features"].update(named)
    return {"pop": label, "name": run["name"], "backdoored": truth["backdoored"],
            "target": truth.get("target"), "arch_family": truth.get("arch_family"),
            "trigger_family": truth.get("trigger_family"), "probability": run["probability"],
            "suspected_target": run["suspected_target"], "report": report, **checked,
            "named_read": bool(named), "cpu_s": round(time.process_time() - t0, 1)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pop", action="append", required=True, metavar="LABEL=ZOO,RUNS,TRUTH")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only", default=None, help="comma-separated model names")
    ap.add_argument("--seed", type=int, default=0, help="detect's --seed (default 0)")
    ap.add_argument("--probe", default="named", choices=["named", "blend"],
                    help="C's per-class sizes (stop 63) or the whole-image blends (stop 65)")
    args = ap.parse_args(argv)
    pops = []
    for spec in args.pop:
        label, sep, rest = spec.partition("=")
        parts = rest.split(",")
        if not sep or len(parts) != 3:
            fail(f"--pop {spec!r}: give LABEL=ZOO,RUNS,TRUTH")
        pops.append((label, *map(Path, parts)))
    import torch

    torch.set_num_threads(1)
    only = set(args.only.split(",")) if args.only else None
    done = ({(r["pop"], r["name"]) for r in read_jsonl(args.out)} if args.out.is_file()
            else set())
    for label, zoo, runs, truth_path in pops:
        truth = truth_by_name(truth_path)
        for run in read_jsonl(runs):
            name = run["name"]
            if ((label, name) in done or not run.get("report") or name not in truth
                    or (only is not None and name not in only)
                    or not (zoo / f"{name}.pt").is_file()):
                continue
            row = model_row(label, zoo, run, truth[name], args.seed, args.probe)
            done.add((label, name))
            with args.out.open("a") as f:
                f.write(json.dumps(row) + "\n")
            check = ("" if "uap_log_ratio_now" not in row else
                     f" uap {row['uap_log_ratio_now']:.3f} (stored "
                     f"{row['uap_log_ratio_stored']:.3f})")
            print(f"{label} {name}: read {row['named_read']}{check} {row['cpu_s']} s CPU",
                  flush=True)


if __name__ == "__main__":
    run_main(main)
