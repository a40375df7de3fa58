"""The stored runs' own reading beside a re-scoring (issue 9, stop 69: h9).

``outside_named_rule.py`` re-scores a stored report from its ``ranking``, which the named-check
term already reordered where the blends kept a model and named a class first
(``named_blend_class``): re-scored, that class reads as the one the verdict named, and a reach
of it under ``blend_same`` is vetoed where the user's run kept the model. A candidate that
changes only the veto path (C5: ``absent_guard``, ``frame_off``) reads such a model exactly as
the stored run did, so its faithful probability there is the stored one. Prints, per
population of a ``--json`` from ``outside_named_rule.py`` and the runs it read: the GAP-head
models' ROC-AUC / CE and clean / backdoored flagged, stored (the user's runs) and faithful
candidate, and each model where the re-scoring differs from the stored run.

Since stop 70 ``outside_named_rule.py`` itself reads every report as its run read it (the
named-check term's record, rebuilt for older reports: ``outside_named_record.py``), which holds
for any candidate, one that changes the blend keep (C6) included; this script is kept for stop
69's figures.

    PYTHONPATH=src:benchmarks python benchmarks/outside_named_faithful.py rule69_C5.json.gz \\
        9211=detect9211_runs.jsonl.gz 9610=detect9610_runs.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np

from _common import read_jsonl, run_main
from outside_zoo_score import auc_ce


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rule_json", type=Path)
    ap.add_argument("runs", nargs="+", metavar="LABEL=RUNS")
    args = ap.parse_args(argv)
    opener = gzip.open if args.rule_json.suffix == ".gz" else open
    with opener(args.rule_json, "rt") as f:
        lines = json.load(f)["union"]["models"]
    stored = {}
    for spec in args.runs:
        label, _, path = spec.partition("=")
        for r in read_jsonl(Path(path)):
            stored[(label, r["name"])] = r
    gap = [m for m in lines if m["gap"]]
    y = np.array([m["backdoored"] for m in gap], dtype=float)
    cols = {"stored (the user's runs, today's default)": [], "candidate, faithful": []}
    for m in gap:
        r = stored[(m["pop"], m["name"])]
        kept = "named_blend_class" in r["report"]["features"]
        cols["stored (the user's runs, today's default)"].append(r["probability"])
        cols["candidate, faithful"].append(r["probability"] if kept else m["candidate"][0])
        if abs(r["probability"] - m["today"][0]) > 1e-3:
            print(f"  {m['pop']} {m['name']:20s} stored {r['probability']:.3f}  re-scored "
                  f"today {m['today'][0]:.3f}  candidate {m['candidate'][0]:.3f}"
                  f"{'  (kept for its blends in the run)' if kept else ''}")
    for label, p in cols.items():
        p = np.array(p, dtype=float)
        auc, ce = auc_ce(y, p)
        print(f"{label}: GAP-head {auc:.3f} / {ce:.3f}; clean flagged "
              f"{int(((p >= 0.5) & (y == 0)).sum())} of {int((y == 0).sum())}, backdoored "
              f"flagged {int(((p >= 0.5) & (y == 1)).sum())} of {int(y.sum())}")


if __name__ == "__main__":
    run_main(main)
