"""Today's `gated` and `gated:dense_mask=E` on every model of a zoo (issue 12, stop 72: h12).

``dense_mask`` changes one decision only: on a flagged dense image model whose first layer holds
a dense pixel mask the input model answers (:mod:`~trojanscope.mitigate.dense_mask`), E epochs
of unlearning that mask replace the stages, and the note ``dense_mask`` says so ("the completed
mask unlearnt ..."). So each model is run once with the candidate; where the mask was unlearnt,
today's default is run on the same model too and gives today's row; elsewhere the candidate's run
*is* today's computation plus the reading (nothing else reads ``dense_mask``), and its row stands
for both (``today_run`` says which). Both rows in ``bench_mitigate.py``'s format, each with its
run's wall and CPU seconds, and per model the candidate's notes (the detector's p, the suspect,
the mask's reading, the action) and today's action where it ran. The benchmark's split (MNIST's
test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_mask_s72_check.py ZOO OUT.json [E]

A bad argument (no zoo, no output folder, E not a whole number of epochs above 0) ends in one
``error:`` line and exit 2 before any model is read. OUT.json is written after each model.
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

EPOCHS = 120  # the candidate's epochs (docs/benchmarks.md, issue 12 stop 72)
NOTE_KEYS = ("detector", "suspect", "dense_mask")
FIRED = "the completed mask"


def fired(report: dict) -> bool:
    """Whether ``dense_mask`` unlearnt a mask in this run (its note's action says so)."""
    return str(report.get("dense_mask", {}).get("action", "")).startswith(FIRED)


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "E", float, EPOCHS, argv)
    try:  # a bad epoch count refused here, before any model is read
        if args.value != int(args.value):
            raise ValueError(f"dense_mask takes whole epochs, got {args.value:g}")
        Gated(dense_mask=int(args.value))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    epochs = int(args.value)
    torch.set_num_threads(1)
    label = f"gated:dense_mask={epochs}"
    dataset, entries = read_truth(args.zoo)
    clean = load_dataset(dataset, "test")
    today: list[MitigationRow] = []
    cand: list[MitigationRow] = []
    notes: dict[str, dict] = {}
    for e in entries:
        method = Gated(dense_mask=epochs)
        row = run_one(args.zoo, e, method, clean)
        note = {k: method.report_.get(k) for k in NOTE_KEYS if k in method.report_}
        note["action"] = str(method.report_.get("action"))[:160]
        cand.append(row)
        if fired(method.report_):  # the one decision dense_mask changes: today's run too
            base = Gated()
            today.append(run_one(args.zoo, e, base, clean))
            note["today_run"] = "own run"
            note["today_action"] = str(base.report_.get("action"))[:160]
        else:
            today.append(row)
            note["today_run"] = "the candidate's run (no mask unlearnt)"
        notes[e.name] = json.loads(json.dumps(note, default=str))
        t, c = today[-1], cand[-1]
        print(f"{e.name}: today CA {t.ca_before:.4f}->{t.ca_after:.4f} ASR {t.asr_after} | "
              f"dense_mask CA {c.ca_after:.4f} ASR {c.asr_after} cpu {c.cpu_s:.1f}s | "
              f"{note.get('detector')} {note['today_run']}", flush=True)
        out = {"gated": {"summary": summarise(today), "rows": [asdict(r) for r in today]},
               label: {"summary": summarise(cand), "rows": [asdict(r) for r in cand],
                       "notes": notes}}
        write_text_atomic(args.out, json.dumps(out, indent=1))


if __name__ == "__main__":
    run_main(main)
