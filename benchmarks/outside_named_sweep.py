"""Candidates of the named-check term read against today's on stored runs in one pass, one line
each (issue 9, stop 70: h9).

Each ``--cand "LABEL=OPTIONS"`` is ``outside_named_rule.py --write``'s options (``--guard 1.6
--blend-gap 0.45 …``); every run of ``--rows`` (read once, as its run read it) is re-scored by
today's file and each candidate: on the GAP-head models ROC-AUC / CE, clean flagged, backdoored
today flags brought under 0.5 and gained (named), clean cleared and newly flagged (named), the
worst GAP-head family's CE, and how many other models moved (must be 0). No model is read.

    PYTHONPATH=src:benchmarks python benchmarks/outside_named_sweep.py \\
        --rows 9211=detect9211_runs.jsonl.gz,zoo-9211_truth.json.gz \\
        --cand "C6=--read model --guard 1.6 --blend-gap 0.45 --other-gap 0.65"
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shlex
import tempfile
from pathlib import Path

import numpy as np

from _common import fail, run_main


def named(models: list[dict]) -> str:
    return ", ".join(f"{m['pop']} {m['name']}" for m in models) or "none"


def sweep_line(label: str, lines: list[dict]) -> str:
    """One candidate's figures on ``outside_named_rule.model_lines`` output."""
    from outside_named_rule import scored
    from outside_zoo_score import auc_ce

    gap = [m for m in lines if m["gap"]]
    y = np.array([m["backdoored"] for m in gap], dtype=float)
    auc, ce = auc_ce(y, np.array([m["candidate"][0] for m in gap], dtype=float))
    clean = [m for m in gap if not m["backdoored"]]
    bd = [m for m in gap if m["backdoored"]]
    flagged = sum(m["candidate"][0] >= 0.5 for m in clean)
    lost = [m for m in bd if m["today"][0] >= 0.5 > m["candidate"][0]]
    gained = [m for m in bd if m["today"][0] < 0.5 <= m["candidate"][0]]
    cleared = [m for m in clean if m["today"][0] >= 0.5 > m["candidate"][0]]
    new = [m for m in clean if m["today"][0] < 0.5 <= m["candidate"][0]]
    moved = sum(m["today"] != m["candidate"] for m in lines if not m["gap"])
    worst = scored(gap, "candidate", "gap")["worst"]["any"]
    return (f"{label}: GAP-head {auc:.3f} / {ce:.3f}; clean flagged {flagged} of {len(clean)}; "
            f"cleared {len(cleared)} ({named(cleared)}); newly flagged {len(new)} "
            f"({named(new)}); bd lost {len(lost)} ({named(lost)}); bd gained {len(gained)} "
            f"({named(gained)}); worst family {worst['ce_family']} CE {worst['cross_entropy']}; "
            f"other models moved {moved}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", action="append", required=True, metavar="LABEL=RUNS[,TRUTH]")
    ap.add_argument("--cand", action="append", required=True, metavar="LABEL=OPTIONS")
    args = ap.parse_args(argv)
    import outside_named_rule as rule
    from trojanscope.detect.calibration import load_calibrators

    rows = [r for spec in args.rows for r in rule.read_rows(spec)]
    today = load_calibrators()
    lines = rule.model_lines(rows, today, today)
    print(sweep_line("today (the shipped file)", lines))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cand.json"
        for spec in args.cand:
            label, sep, options = spec.partition("=")
            if not sep:
                fail(f"--cand {spec!r}: give LABEL=OPTIONS")
            with contextlib.redirect_stdout(io.StringIO()):
                rule.main([*shlex.split(options), "--write", str(path)])
            print(sweep_line(label, rule.model_lines(rows, today, load_calibrators(path))),
                  flush=True)


if __name__ == "__main__":
    run_main(main)
