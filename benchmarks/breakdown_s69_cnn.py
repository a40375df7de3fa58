"""Where a treated CNN's CPU goes, stage by stage and inside the detector (issue 12, stop 69:
h12c).

Two readings, CPU seconds (``time.process_time``), never wall:

``stored FILE.json [FILE.json ...]``: the stage parts of every treated row under today's
``gated`` (settings ``{}``) in rows written by ``dev_s67_cnn_rounds.py`` /
``dev_s68_cnn_stop.py`` (``parts_cpu_s``): per row, and the median and share of each part. No
model is read.

``detector ZOO OUT.json M1[,M2]``: ``gated``'s detector call (``detector_verdict("auto", ...)``
on the method's 200 clean images, the benchmark's split, seed 0) on each named model, under
light spies on the detector's parts (MM-BD, the empty-pixel and pixel probes, the frame probe,
the blend probe, the trigger searches, the input-space probes where they run, the calibration).
So a time cut can be aimed at the part that holds the seconds.

    PYTHONPATH=src:benchmarks python benchmarks/breakdown_s69_cnn.py stored F1.json [F2.json ...]
    PYTHONPATH=src:benchmarks python benchmarks/breakdown_s69_cnn.py detector ZOO OUT.json M1[,M2]

A bad argument ends in one ``error:`` line and exit 2 before any model is read.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _common import run_main

STAGES = ("detector", "first stage (FT-SAM)", "probe (hand_back)", "warp reading",
          "stage rounds (fine-tuning)", "stage trigger searches", "check (compare)")


def _fail(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    raise SystemExit(2)


def treated_rows(paths: list[Path]) -> list[dict[str, Any]]:
    """Today's treated rows (settings ``{}``, a first stage timed) of the given files."""
    rows = []
    for path in paths:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            _fail(f"{path}: {exc}")
        if not isinstance(data, dict) or "rows" not in data:
            _fail(f"{path}: no rows (not a dev_s67_cnn_rounds.py output)")
        if data.get("settings"):
            continue
        for row in data["rows"]:
            if "first stage (FT-SAM)" in row.get("parts_cpu_s", {}):
                rows.append({"file": path.name, **row})
    return rows


def stage_table(rows: list[dict[str, Any]]) -> str:
    """Per row the stage parts, then each part's median and share of the median run."""
    head = ["file", "model", "CPU s", *STAGES]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        parts = r["parts_cpu_s"]
        lines.append("| " + " | ".join([r["file"], r["model"], f"{r['cpu_s']:.1f}",
                                        *(f"{parts.get(s, 0.0):.1f}" for s in STAGES)]) + " |")
    total = statistics.median(r["cpu_s"] for r in rows)
    meds = [statistics.median(r["parts_cpu_s"].get(s, 0.0) for r in rows) for s in STAGES]
    lines.append("| median | " + str(len(rows)) + f" rows | {total:.1f} | "
                 + " | ".join(f"{m:.1f} ({m / total:.0%})" for m in meds) + " |")
    return "\n".join(lines)


class Clock:
    """CPU seconds per named part (nested parts counted in each)."""

    def __init__(self) -> None:
        self.parts: dict[str, float] = {}

    def wrap(self, name: Any, fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            label = name(*args, **kwargs) if callable(name) else name
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.parts[label] = self.parts.get(label, 0.0) + time.process_time() - start
        return timed


def detector_parts(zoo: Path, names: list[str], out: Path) -> None:
    """``gated``'s detector call on each model under spies, rows written after each."""
    import torch

    from trojanscope.data.resolve import load_dataset
    from trojanscope.detect import auto, mmbd, trigger_search, universal
    from trojanscope.io.atomic import write_text_atomic
    from trojanscope.io.models import load_model
    from trojanscope.mitigate import gated
    from trojanscope.mitigate.run import split_clean
    from trojanscope.zoo import read_truth

    torch.set_num_threads(1)
    dataset, _ = read_truth(zoo)
    fit, _ = split_clean(load_dataset(dataset, "test"), 0.8, 0, needs_data=True)
    clock = Clock()
    saved = [(auto, "drawn_gap"), (auto, "frame_features"), (auto, "blend_reading"),
             (auto, "noise_bias"), (gated, "calibrate"),
             (mmbd.MMBD, "run"), (trigger_search.TriggerSearch, "recover"),
             (trigger_search.TriggerSearch, "run"), (universal.UniversalPerturbation, "hits")]
    old = [getattr(o, a) for o, a in saved]
    auto.drawn_gap = clock.wrap(lambda *a, **k: f"{a[3]} probe ({a[2]} draws)", auto.drawn_gap)
    auto.frame_features = clock.wrap("frame probe", auto.frame_features)
    auto.blend_reading = clock.wrap("blend probe", auto.blend_reading)
    auto.noise_bias = clock.wrap("noise bias", auto.noise_bias)
    gated.calibrate = clock.wrap("calibration", gated.calibrate)
    mmbd.MMBD.run = clock.wrap("MM-BD", mmbd.MMBD.run)
    trigger_search.TriggerSearch.recover = clock.wrap(
        lambda *a, **k: f"trigger search (recover {len(a[2])} classes)",
        trigger_search.TriggerSearch.recover)
    trigger_search.TriggerSearch.run = clock.wrap("trigger search (every class)",
                                                  trigger_search.TriggerSearch.run)
    universal.UniversalPerturbation.hits = clock.wrap(
        lambda self, *a, **k: f"universal hits ({self.pattern})",
        universal.UniversalPerturbation.hits)
    rows: list[dict[str, Any]] = []
    try:
        for n in names:
            clock.parts = {}
            loaded = load_model(zoo / n)
            start = time.process_time()
            verdict = gated.detector_verdict("auto", loaded.module, fit, 0)
            total = time.process_time() - start
            rows.append({"model": n, "cpu_s": round(total, 1),
                         "p": round(float(verdict.probability or 0.0), 3),
                         "classes": list(verdict.target_classes[:3]),
                         "parts_cpu_s": {k: round(v, 1) for k, v in clock.parts.items()}})
            write_text_atomic(out, json.dumps({"rows": rows}, indent=1))
            print(f"{n}: {rows[-1]}", flush=True)
    finally:
        for (o, a), fn in zip(saved, old, strict=True):
            setattr(o, a, fn)


def main(argv: list[str] | None = None) -> None:
    """``stored`` or ``detector``, as the module's docstring says."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("stored", "detector"):
        _fail("expected 'stored FILE.json ...' or 'detector ZOO OUT.json M1[,M2]'")
    if args[0] == "stored":
        if len(args) < 2:
            _fail("stored: expected one file at least")
        rows = treated_rows([Path(a) for a in args[1:]])
        if not rows:
            _fail("stored: no treated row under today's settings in the files")
        print(stage_table(rows))
        return
    if len(args) != 4:
        _fail("detector: expected ZOO OUT.json M1[,M2]")
    from dev_s67_cnn_rounds import check_paths  # (imports torch)

    zoo, out, names = Path(args[1]), Path(args[2]), args[3].split(",")
    check_paths(zoo, out, names)
    detector_parts(zoo, names, out)


if __name__ == "__main__":
    run_main(main)
