"""Today's `gated` and `gated:project_cost=D` on every model of a zoo (issue 12, stop 72: h12a).

Each model is run twice, today's default and the candidate, one after the other in this
process, so each row carries its own run's wall and CPU seconds. Both rows in
``bench_mitigate.py``'s format (for ``mitigate_cost_s72_rule.py``, ``pool_mitigate_rows.py``),
and per model the candidate's notes (the detector, the projection with its ``cost``, the probe,
the second stage's action, the action) and whether ``project_cost`` handed back the first
stage's model (``fired``). The benchmark's split (MNIST's test split, 200 images for the
method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_cost_s72_check.py ZOO OUT.json [D]

A bad argument (no zoo, no output folder, a bar outside (0, 1]) ends in one ``error:`` line and
exit 2 before any model is read. OUT.json is written after each model (a cut leaves it whole).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import torch

from _common import last_step_args, run_main
from mitigate_sure_s71_check import run_one
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import read_truth

BAR = 0.025  # the candidate's bar (benchmarks/data/mitigate_s72/plan.md)
NOTE_KEYS = ("detector", "suspect", "project", "residual", "unlearn")
FIRED = "project_cost"  # the candidate's own words in the second stage's note


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "D", float, BAR, argv)
    try:  # a bad bar refused here, before any model is read
        Gated(project_cost=args.value)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    torch.set_num_threads(1)
    label = f"gated:project_cost={args.value:g}"
    dataset, entries = read_truth(args.zoo)
    clean = load_dataset(dataset, "test")
    today: list[MitigationRow] = []
    cand: list[MitigationRow] = []
    notes: dict[str, dict] = {}
    for e in entries:
        base = Gated()
        today.append(run_one(args.zoo, e, base, clean))
        method = Gated(project_cost=args.value)
        cand.append(run_one(args.zoo, e, method, clean))
        note = {k: method.report_.get(k) for k in NOTE_KEYS if k in method.report_}
        note["action"] = str(method.report_.get("action"))[:160]
        note["fired"] = FIRED in str(method.report_.get("unlearn", {}).get("action", ""))
        note["today_action"] = str(base.report_.get("action"))[:160]
        notes[e.name] = json.loads(json.dumps(note, default=str))
        t, c = today[-1], cand[-1]
        print(f"{e.name}: today CA {t.ca_before:.4f}->{t.ca_after:.4f} ASR {t.asr_after} "
              f"cpu {t.cpu_s:.1f}s | cost CA {c.ca_after:.4f} ASR {c.asr_after} "
              f"cpu {c.cpu_s:.1f}s | fired {note['fired']} "
              f"{(note.get('project') or {}).get('cost')}", flush=True)
        out = {"gated": {"summary": summarise(today), "rows": [asdict(r) for r in today]},
               label: {"summary": summarise(cand), "rows": [asdict(r) for r in cand],
                       "notes": notes}}
        write_text_atomic(args.out, json.dumps(out, indent=1))


if __name__ == "__main__":
    run_main(main)
