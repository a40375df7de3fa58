"""A stored report's ranking as the named-check term found it, so a re-scoring reads what the
user's run read (issue 9, stop 70: h9).

Where the blends kept a model and named a class first (``named_blend_class``), the report's
``ranking`` is the one the term reordered. Re-scored from it, that class reads as the one the
verdict named, and a reach of it under ``blend_same`` is vetoed where the run kept the model
(stop 69's finding: 9610 ``res_gap-cl00``, ``-cl01``, ``-cl04``). Since stop 70 the term records
the class named first before it renamed (``unchecked_top_class``) and calibration puts it back.
A report stored before that has no record; it is rebuilt here from the two classes it can
have been (MM-BD orders its classes by their best margin, so the one with the larger
``mmbd_class_ratio_<c>`` came first): the blends' class itself (a reach of the named class) or
the class now second (the blends' class moved ahead of it). Checked on the stored runs: each
re-scores, by the file its run read, to the stored probability and class
(``outside_named_record.py --check``).

    PYTHONPATH=src:benchmarks python benchmarks/outside_named_record.py --check \\
        benchmarks/data/outside_s69_h9/detect9610_runs.jsonl.gz=benchmarks/data/outside_s68_h9/cal_C4.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import fail, read_jsonl, run_main

RECORDED, REBUILT, UNRENAMED, UNREAD = "recorded", "rebuilt", "not renamed", "not rebuilt"


def as_run_read(report: dict) -> tuple[dict, str]:
    """``report`` with the named-check term's record (rebuilt where a report stored before stop
    70 lacks it) and how it was got: :data:`RECORDED`, :data:`REBUILT`, :data:`UNRENAMED` (the
    term named no class) or :data:`UNREAD` (no class ratios to rebuild it from)."""
    from trojanscope.detect.class_excess import RATIO, per_class
    from trojanscope.detect.named_check import BLEND_CLASS, UNCHECKED_CLASS

    f = report.get("features") or {}
    if UNCHECKED_CLASS in f:
        return report, RECORDED
    if BLEND_CLASS not in f:
        return report, UNRENAMED
    order = list(report["ranking"])
    if "unraised_top_class" in f and int(f["unraised_top_class"]) in order:  # the raise's first
        order.remove(int(f["unraised_top_class"]))
        order.insert(0, int(f["unraised_top_class"]))
    blend, ratios = int(f[BLEND_CLASS]), per_class(f, RATIO)
    if ratios is None or len(order) < 2 or order[0] != blend or len(ratios) != len(order):
        return report, UNREAD
    second = order[1]
    before = blend if (ratios[blend], -blend) > (ratios[second], -second) else second
    return {**report, "features": {**f, UNCHECKED_CLASS: float(before)}}, REBUILT


def check(runs: Path, calibration: Path) -> tuple[int, list[str]]:
    """Re-score every stored run of ``runs`` by ``calibration`` (the file the run read) from
    its report as the run read it: how many were rebuilt, and each run whose probability or
    named class differs from the stored one."""
    from foreign_zoo_detect import verdict_of
    from trojanscope.detect.calibration import calibrate, load_calibrators

    cals, rebuilt, off = load_calibrators(calibration), 0, []
    for r in read_jsonl(runs):
        if not r.get("report"):
            continue
        report, how = as_run_read(r["report"])
        rebuilt += how == REBUILT
        v = calibrate(verdict_of(report), cals)
        if abs(v.probability - r["probability"]) > 1e-6 or (
                r.get("suspected_target") is not None
                and v.target_classes[0] != r["suspected_target"]):
            off.append(f"{r['name']} ({how}): stored {r['probability']:.4f} -> "
                       f"{r.get('suspected_target')}, re-scored {v.probability:.4f} -> "
                       f"{v.target_classes[0]}")
    return rebuilt, off


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", nargs="+", required=True, metavar="RUNS=CALIBRATION")
    args = ap.parse_args(argv)
    for spec in args.check:
        runs, sep, cal = spec.partition("=")
        if not sep or not Path(runs).is_file() or not Path(cal).is_file():
            fail(f"--check {spec!r}: give RUNS=CALIBRATION, two files that exist")
        rebuilt, off = check(Path(runs), Path(cal))
        print(f"{runs}: {rebuilt} rebuilt; {len(off)} re-scored unlike the stored run")
        for line in off:
            print(f"  {line}")


if __name__ == "__main__":
    run_main(main)
