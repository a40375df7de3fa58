"""Today's `gated` and `gated:sure=B` on every model of a zoo (issue 12, stop 71: h12).

``sure`` changes one decision only: where the residual probe found no backdoor left and would
hand back the original (no stripe projection kept), a model the detector rated at p >= B goes
through the second stage instead, and the note's ``overruled`` says so
(:func:`~trojanscope.mitigate.nothing_left.after_nothing_left`). So each model is run once with
the candidate; where ``overruled`` is in its report, today's default is run on the same model
too and gives today's row; elsewhere the candidate's run *is* today's computation (no other
line reads ``sure``), and its row stands for both (``today_run`` says which). Both rows in
``bench_mitigate.py``'s format (for ``pool_mitigate_rows.py``, ``mitigate_read_rule.py``), each
with its run's wall and CPU seconds, and per model the candidate's notes (the detector's p, the
probe's readings, ``overruled``, ``hand_check``, the action) and today's action where it ran.
The benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_sure_s71_check.py ZOO OUT.json [B]

A bad argument (no zoo, no output folder, a bar outside (0, 1]) ends in one ``error:`` line and
exit 2 before any model is read. OUT.json is written after each model (a cut leaves it whole).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from _common import last_step_args, run_main
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.nothing_left import SURE
from trojanscope.mitigate.run import MitigationResult, attack_triggered, mitigate
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import read_truth

NOTE_KEYS = ("detector", "suspect", "residual", "overruled", "hand_check", "unlearn")


def mitigated(model: Path, method: Gated, clean) -> MitigationResult:
    """``method`` on the zoo model folder ``model``, as ``bench_mitigate.py`` runs it (stop 77
    hcode: its own function, for a check that reads the output's state)."""
    loaded = load_model(model)
    spec = loaded.manifest.attack if loaded.manifest is not None else None
    trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
    return mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                    input_shape=loaded.input_shape, num_classes=loaded.num_classes)


def run_one(folder: Path, entry: Any, method: Gated, clean) -> MitigationRow:
    """``method`` on the zoo's model ``entry``, measured as ``bench_mitigate.py`` does."""
    res = mitigated(folder / entry.name, method, clean)
    return MitigationRow(entry.name, entry.attack, entry.backdoored, res.clean_samples,
                         res.before["ca"], res.after["ca"], res.before.get("asr"),
                         res.after.get("asr"), res.elapsed_s, res.cpu_s)


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "B", float, SURE, argv)
    try:  # a bad bar refused here, before any model is read
        Gated(sure=args.value)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    torch.set_num_threads(1)
    check_pairs(args.zoo, args.out, f"gated:sure={args.value:g}",
                lambda: Gated(sure=args.value), lambda report: "overruled" in report,
                NOTE_KEYS, "sure")


def check_pairs(zoo: Path, out: Path, label: str, make: Callable[[], Gated],
                changed: Callable[[dict], bool], note_keys: tuple[str, ...],
                short: str, base: Callable[[], Gated] = Gated,
                base_label: str = "gated") -> None:
    """The candidate ``make()`` on every model of ``zoo``; where ``changed(report)`` says its
    one decision fired, today's default too (its row today's), elsewhere the candidate's row
    stands for both. Both rows and the candidate's notes (``note_keys``) written to ``out``
    after each model under ``gated`` and ``label``; ``short`` names it in the printed line.
    Stop 72's ``mitigate_mask_s72_check.py`` runs the same loop. ``base``/``base_label``: the
    method the candidate is set beside and its key in ``out`` (stop 73's h12m: the default
    before stop 73, ``Gated(dense_mask=0)``, beside today's)."""
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    today: list[MitigationRow] = []
    cand: list[MitigationRow] = []
    notes: dict[str, dict] = {}
    for e in entries:
        method = make()
        row = run_one(zoo, e, method, clean)
        note = {k: method.report_.get(k) for k in note_keys if k in method.report_}
        note["action"] = str(method.report_.get("action"))[:160]
        cand.append(row)
        if changed(method.report_):  # the one decision the candidate changes: today's run too
            old = base()
            today.append(run_one(zoo, e, old, clean))
            note["today_run"] = "own run"
            note["today_action"] = str(old.report_.get("action"))[:160]
            note["today_unlearn"] = old.report_.get("unlearn")
        else:
            today.append(row)
            note["today_run"] = f"the candidate's run ({short} did not fire)"
        notes[e.name] = json.loads(json.dumps(note, default=str))
        t, c = today[-1], cand[-1]
        print(f"{e.name}: today CA {t.ca_before:.4f}->{t.ca_after:.4f} ASR {t.asr_after} | "
              f"{short} CA {c.ca_after:.4f} ASR {c.asr_after} cpu {c.cpu_s:.1f}s | "
              f"{note.get('detector')} {note['today_run']}", flush=True)
        result = {base_label: {"summary": summarise(today), "rows": [asdict(r) for r in today]},
                  label: {"summary": summarise(cand), "rows": [asdict(r) for r in cand],
                          "notes": notes}}
        write_text_atomic(out, json.dumps(result, indent=1))


if __name__ == "__main__":
    run_main(main)
