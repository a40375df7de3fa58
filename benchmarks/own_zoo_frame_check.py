"""Today's ``detect`` (default ``auto``) on the clean models of one of our own ``zoo make``
folders, under two checkouts, to see whether stop 40's frame term moves a clean CNN (issue 9,
stop 40: h9c).

``run`` calls, for each clean model of ``ZOO/truth.json`` not yet in ``--out``, the command a
user runs, with the checkout's ``src`` first on ``PYTHONPATH``:

    python -m trojanscope detect ZOO/NAME --dataset mnist --format json

and appends one JSON line (probability, verdict, suspected target, ``frame_share_gap`` and
``frame_top_class`` when the verdict has them, the calibrator terms' notes, CPU seconds).
``table`` joins a ``before`` and an ``after`` rows file by model name and writes one JSON
summary (and prints a markdown table): p before and after, the frame gap and its class, and
which clean models the after run puts at p >= 0.5.

    PYTHONPATH=src:benchmarks python benchmarks/own_zoo_frame_check.py run ZOO \\
        --src /path/to/checkout/src --out after.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/own_zoo_frame_check.py table \\
        --before before.jsonl --after after.jsonl --json result.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from _common import fail, read_jsonl, run_main

KEEP = ("frame_share_gap", "frame_top_class", "empty_share_gap", "pixel_share_gap",
        "first_layer_dense", "raise_logit_frame")


def clean_models(zoo: Path) -> tuple[list[dict], str]:
    """The zoo's clean models (as recorded in its truth file), in its order, and its dataset."""
    truth = zoo / "truth.json"
    if not truth.is_file():
        fail(f"{zoo}: not a zoo (no truth.json)")
    payload = json.loads(truth.read_text())
    return [m for m in payload["models"] if not m["backdoored"]], payload["dataset"]


def run(zoo: Path, src: Path, out: Path) -> None:
    """One ``detect`` child per clean model not yet in ``out``."""
    if not (src / "trojanscope").is_dir():
        fail(f"{src}: no trojanscope package there (give a checkout's src folder)")
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    models, dataset = clean_models(zoo)
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for meta in models:
        if meta["name"] in done:
            continue
        cmd = [sys.executable, "-m", "trojanscope", "detect", str(zoo / meta["name"]),
               "--dataset", dataset, "--format", "json"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0, 1):
            last = proc.stderr.strip().splitlines()[-1:] or [""]
            fail(f"{' '.join(cmd)} exited {proc.returncode}: {last[0]}")
        report = json.loads(proc.stdout)
        feats = report.get("features", {})
        row = {
            "name": meta["name"],
            "arch": meta["arch"],
            "arch_params": meta.get("arch_params", {}),
            "clean_accuracy": meta.get("metrics", {}).get("clean_accuracy"),
            "src": str(src),
            "probability": report["probability"],
            "verdict": report["verdict"],
            "suspected_target": report["suspected_target"],
            "features": {k: feats[k] for k in KEEP if k in feats},
            "cpu_s": round((after.ru_utime - before.ru_utime)
                           + (after.ru_stime - before.ru_stime), 2),
        }
        with out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"{row['name']} ({row['arch']}): p {row['probability']:.4f} "
              f"frame gap {row['features'].get('frame_share_gap')} {row['cpu_s']:.1f} s CPU",
              flush=True)


def table(before: Path, after: Path, json_out: Path | None) -> None:
    """Join the two runs by model name: p before -> after, the frame gap, the flags."""
    rows_b = {r["name"]: r for r in read_jsonl(before)}
    joined = []
    for r in read_jsonl(after):
        b = rows_b.get(r["name"])
        joined.append({
            "name": r["name"],
            "arch": r["arch"],
            "arch_params": r["arch_params"],
            "p_before": None if b is None else b["probability"],
            "p_after": r["probability"],
            "frame_share_gap": r["features"].get("frame_share_gap"),
            "frame_top_class": r["features"].get("frame_top_class"),
            "raise_logit_frame": r["features"].get("raise_logit_frame"),
            "suspect_before": None if b is None else b["suspected_target"],
            "suspect_after": r["suspected_target"],
            "cpu_s_before": None if b is None else b["cpu_s"],
            "cpu_s_after": r["cpu_s"],
        })
    gaps = [j["frame_share_gap"] for j in joined if j["frame_share_gap"] is not None]
    summary = {
        "models": len(joined),
        "clean_flagged_after": [j["name"] for j in joined if j["p_after"] >= 0.5],
        "clean_flagged_before": [j["name"] for j in joined
                                 if j["p_before"] is not None and j["p_before"] >= 0.5],
        "p_moved": [j["name"] for j in joined
                    if j["p_before"] is not None and abs(j["p_after"] - j["p_before"]) > 1e-9],
        "frame_gap_max": max(gaps) if gaps else None,
        "rows": joined,
    }
    print("| model | arch | p before → after | frame gap (class) |")
    print("|---|---|---|---|")
    for j in joined:
        pb = "—" if j["p_before"] is None else f"{j['p_before']:.3f}"
        gap = j["frame_share_gap"]
        shown = "—" if gap is None else f"{gap:.3f} ({j['frame_top_class']})"
        print(f"| {j['name']} | {j['arch']} | {pb} → {j['p_after']:.3f} | {shown} |")
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}))
    if json_out is not None:
        json_out.write_text(json.dumps(summary, indent=1) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("zoo", type=Path)
    r.add_argument("--src", type=Path, required=True)
    r.add_argument("--out", type=Path, required=True)
    t = sub.add_parser("table")
    t.add_argument("--before", type=Path, required=True)
    t.add_argument("--after", type=Path, required=True)
    t.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "run":
        run(args.zoo, args.src.resolve(), args.out)
    else:
        table(args.before, args.after, args.json)


if __name__ == "__main__":
    run_main(main)
