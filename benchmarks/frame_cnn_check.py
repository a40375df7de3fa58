"""The frame probe on models with a convolution (issue 9, stop 38): what its reading would say
if ``auto`` ran it on CNNs (it does not: ``-p frame=true`` reads it on models without a
convolution only).

Reads the frame draws of ``raise_gap_draws.py --probe frame --kind conv --models all`` and the
development rows their models belong to (rows with draws, as ``raise_gap_aggregate.py`` writes
them), for the shipped default's probability as ``generalise_lofo.py``'s design ``--design``
reads it (stop 37b's *E*, today's ``auto``). Prints, per group (clean; each trigger family),
the frame gap's range at draw 0 and over every draw read, the ROC-AUC of the draw-0 gap between
the frame-triggered CNNs and the clean ones, the CPU seconds per draw, and what the shipped
``auto:raise:frame`` term (its slope, start ``FRAME_GAP_HINT``) would do to the default's
probability if it read CNNs too: clean and backdoored models crossing 0.5, ROC-AUC and
cross-entropy before and after.

    PYTHONPATH=src:benchmarks python benchmarks/frame_cnn_check.py --draws cnnframe.jsonl \\
        --rows dev37_rows_draws.json --rows recipes25_rows_draws.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from _common import read_jsonl, run_main


def read_rows(paths: list[Path]) -> dict[tuple[str, str], dict]:
    """(zoo folder name, model) -> row, over every rows file."""
    rows: dict[tuple[str, str], dict] = {}
    for path in paths:
        for r in json.loads(path.read_text()):
            rows[(Path(r["zoo"]).name, r["name"])] = r
    return rows


def draws_by_model(lines: list[dict]) -> dict[tuple[str, str], dict]:
    """(zoo, model) -> its label, family, gaps by seed and CPU seconds per draw."""
    out: dict[tuple[str, str], dict] = {}
    for d in lines:
        if d["probe"] != "frame":
            continue
        m = out.setdefault(
            (d["zoo"], d["name"]),
            {"backdoored": d["backdoored"], "attack": d.get("attack"), "gaps": {}, "cpu": []},
        )
        m["gaps"][int(d["seed"])] = d["gap"]
        m["cpu"].append(d["cpu_s"])
    return out


def group_of(m: dict) -> str:
    return f"trigger: {m['attack']}" if m["backdoored"] else "clean"


def main() -> None:
    from generalise_lofo import hinge, predict, score
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.frame import FRAME_GAP_HINT

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=Path, required=True, help="raise_gap_draws.py --out lines")
    ap.add_argument("--rows", type=Path, action="append", required=True)
    ap.add_argument(
        "--design",
        default="framefix: aggpix15fix: split1: as shipped",
        help="the generalise_lofo.py design read as the shipped default",
    )
    args = ap.parse_args()
    models = draws_by_model(read_jsonl(args.draws))
    models = {k: m for k, m in models.items() if 0 in m["gaps"]}
    if not models:
        raise ValueError(f"{args.draws} holds no frame draw 0")
    rows = read_rows(args.rows)
    print(
        f"{len(models)} models with a convolution and a frame draw 0 "
        f"({sum(m['backdoored'] for m in models.values())} backdoored)\n"
    )
    print("| group | models | draw 0: range | every draw read: range |\n|---|---|---|---|")
    for g in sorted({group_of(m) for m in models.values()}):
        ms = [m for m in models.values() if group_of(m) == g]
        g0 = [m["gaps"][0] for m in ms]
        every = [v for m in ms for v in m["gaps"].values()]
        print(
            f"| {g} | {len(ms)} | {min(g0):.3f}–{max(g0):.3f} | {min(every):.3f}–{max(every):.3f} |"
        )
    frame = [m for m in models.values() if group_of(m) in ("clean", "trigger: frame")]
    y = np.array([m["backdoored"] for m in frame], dtype=int)
    if 0 < y.sum() < len(y):
        auc, _ = score(y, np.array([m["gaps"][0] for m in frame]))
        print(f"\nROC-AUC of the draw-0 frame gap, frame-triggered against clean: {auc:.3f}")
    cpu = [c for m in models.values() for c in m["cpu"]]
    print(
        f"CPU seconds per draw: median {np.median(cpu):.3f}, largest {max(cpu):.3f} "
        f"({len(cpu)} draws)"
    )
    have = [(k, m) for k, m in models.items() if k in rows]
    if not have:
        return
    term = load_calibrators()["auto:raise:frame"].fitted_on
    p = predict([], [rows[k] for k, _ in have], args.design)
    gap = np.array([m["gaps"][0] for _, m in have])
    y = np.array([m["backdoored"] for _, m in have], dtype=int)
    raised = hinge(p, gap, term["slope"], FRAME_GAP_HINT)
    print(
        f"\nthe shipped frame term (slope {term['slope']:g}, start {FRAME_GAP_HINT}) on the "
        f"{len(have)} with rows ({args.design}):"
    )
    for label, q in (("as the rows read them", p), ("with the frame term", raised)):
        auc, ce = score(y, q)
        print(
            f"- {label}: ROC-AUC {auc:.3f}, cross-entropy {ce:.3f}, clean at p >= 0.5 "
            f"{int(((q >= 0.5) & (y == 0)).sum())}, backdoored at p >= 0.5 "
            f"{int(((q >= 0.5) & (y == 1)).sum())} of {int(y.sum())}"
        )
    moved = [
        (k, p[i], raised[i]) for i, (k, _) in enumerate(have) if (p[i] >= 0.5) != (raised[i] >= 0.5)
    ]
    for (zoo, name), a, b in moved:
        print(f"  crosses 0.5: {zoo}/{name} {a:.3f} -> {b:.3f}")


if __name__ == "__main__":
    run_main(main)
