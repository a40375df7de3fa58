"""Today's `gated`, `gated:round_stop=P` and `gated:project_cost=D` on every model of a zoo
(issue 12, stop 73: h12a).

Each option changes one decision only, so each model is run with ``round_stop`` first: where
its stop ended the second stage's rounds before the cap (the stage's action says "stopped: the
triggers it started from give their class"), today's default is run on the model too and gives
today's row; elsewhere the ``round_stop`` run *is* today's computation (no other line reads it)
and its row stands for both (``today_run`` says which). ``project_cost`` can change only a model
whose projected model is handed back (:func:`~trojanscope.mitigate.gated_handback.hand_back`;
no round runs there, so ``round_stop`` cannot have fired): there it is run too, elsewhere
today's row stands for it (``cost_run``). All three methods' rows in ``bench_mitigate.py``'s
format (for ``mitigate_cost_s72_rule.py``, ``pool_mitigate_rows.py``), each with its run's wall
and CPU seconds, and per model the notes (the detector, the projection, the probe, the second
stage's rounds and ``trigger_left``, the action, whether each option ``fired``). The
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_stop_s73_check.py ZOO OUT.json [P [D]]

A bad argument (no zoo, no output folder, a setting outside (0, 1]) ends in one ``error:`` line
and exit 2 before any model is read. OUT.json is written after each model (a cut leaves it
whole).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import torch

from _common import LineParser, run_main
from mitigate_sure_s71_check import run_one
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import TRUTH_NAME, read_truth

STOP = 0.005  # round_stop's bar (benchmarks/data/mitigate_s73_h12a/stop_s73_h12a_rule.md)
COST = 0.025  # project_cost's bar (stop 72's)
NOTE_KEYS = ("detector", "suspect", "project", "residual", "unlearn")
STOPPED = "stopped: the triggers it started from give their class"  # round_stop's own words
PROJECTED = "the projected model is returned"  # the only hand-back project_cost changes
FIRED_COST = "project_cost"  # project_cost's own words in the second stage's note


def arguments(argv: list[str] | None) -> tuple:
    """ZOO, OUT and the two bars, each checked before any model is read (one error line)."""
    ap = LineParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("stop", nargs="?", type=float, default=STOP)
    ap.add_argument("cost", nargs="?", type=float, default=COST)
    args = ap.parse_args(argv)
    if not (args.zoo / TRUTH_NAME).is_file():
        ap.error(f"{args.zoo}: not a zoo (no {TRUTH_NAME})")
    if not args.out.parent.is_dir() or args.out.is_dir():
        ap.error(f"{args.out}: not a file in an existing folder")
    for name, value in (("round_stop", args.stop), ("project_cost", args.cost)):
        if not value > 0:
            ap.error(f"{name} must be above 0, got {value!r}")
        try:
            Gated(**{name: value})
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    return args.zoo, args.out, args.stop, args.cost


def note_of(method: Gated) -> dict:
    """The notes a rule reader and the subsection read from one run's report."""
    note = {k: method.report_.get(k) for k in NOTE_KEYS if k in method.report_}
    note["action"] = str(method.report_.get("action"))[:160]
    return json.loads(json.dumps(note, default=str))


def main(argv: list[str] | None = None) -> None:
    """The three methods' rows for every model of ZOO, written to OUT.json after each model."""
    zoo, out, stop, cost = arguments(argv)
    torch.set_num_threads(1)
    labels = ("gated", f"gated:round_stop={stop:g}", f"gated:project_cost={cost:g}")
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    rows: dict[str, list[MitigationRow]] = {k: [] for k in labels}
    notes: dict[str, dict[str, dict]] = {k: {} for k in labels[1:]}
    for e in entries:
        method = Gated(round_stop=stop)
        cand = run_one(zoo, e, method, clean)
        note = note_of(method)
        unlearnt = str((method.report_.get("unlearn") or {}).get("action", ""))
        note["fired"] = unlearnt.startswith(STOPPED)
        today = cand
        note["today_run"] = "the candidate's run (round_stop did not fire)"
        if note["fired"]:
            base = Gated()
            today = run_one(zoo, e, base, clean)
            note["today_run"] = "own run"
            note["today_note"] = note_of(base)
        costed, cnote = today, {"cost_run": "today's row (no projected hand-back)",
                                "fired": False}
        if PROJECTED in str(method.report_.get("action", "")):
            third = Gated(project_cost=cost)
            costed = run_one(zoo, e, third, clean)
            cnote = {**note_of(third), "cost_run": "own run"}
            cnote["fired"] = FIRED_COST in str((third.report_.get("unlearn") or {}).get(
                "action", ""))
        for label, row in zip(labels, (today, cand, costed), strict=True):
            rows[label].append(row)
        notes[labels[1]][e.name], notes[labels[2]][e.name] = note, cnote
        print(f"{e.name}: today CA {today.ca_before:.4f}->{today.ca_after:.4f} ASR "
              f"{today.asr_after} cpu {today.cpu_s:.1f}s | round_stop CA {cand.ca_after:.4f} "
              f"ASR {cand.asr_after} cpu {cand.cpu_s:.1f}s fired {note['fired']} | "
              f"project_cost CA {costed.ca_after:.4f} ASR {costed.asr_after} "
              f"({cnote['cost_run']}, fired {cnote['fired']})", flush=True)
        result = {k: {"summary": summarise(v), "rows": [asdict(r) for r in v]}
                  for k, v in rows.items()}
        for k in labels[1:]:
            result[k]["notes"] = notes[k]
        write_text_atomic(out, json.dumps(result, indent=1))


if __name__ == "__main__":
    run_main(main)
