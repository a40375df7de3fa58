"""Today's `gated` and `gated:held_pick=R` on every model of a zoo (issue 12, stop 56: h12).

``held_pick`` sets part of the clean images apart from every stage, so the stages of its run
are not today's: each treated model is purified twice, today's default first, then the
candidate (each from the model as loaded). Where today's run leaves the model untreated (the
detector's gate), the candidate's is the same run (the share is set apart after the gate), so
its row is today's. The detector's verdict on the input model is read once and shared by the
two runs (:func:`shared_verdicts`: the same weights, images and seed; the candidate's time is
charged the reading's seconds, as if it had read it again). Both rows in
``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), with the candidate's
``held_pick`` note per model, written after each model so a run cut short leaves every finished
model's pair; the benchmark's split (MNIST's test split, 200 images for
the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/check_held_pick.py ZOO OUT.json [R]

Importing it runs nothing; a bad argument (no zoo, no output folder, R not in (0, 0.5]) ends in
one ``error:`` line and exit 2 before any model is read.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path

import torch

import trojanscope.mitigate.gated as gated_module
from _common import last_step_args, run_main
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import read_truth


def shared_verdicts(verdict_of):
    """``gated``'s detector call wrapped so the candidate's run reuses today's verdict on the
    same weights and images (the detector is seeded: the same reading, read once; a copy is
    handed out, as a run may reorder its classes)."""
    memo: dict[str, object] = {}
    took: dict[str, float] = {}

    def verdict(name, model, clean, seed, *params):
        h = hashlib.sha256(f"{name}|{seed}|{len(clean)}|{params}".encode())
        for k, v in model.state_dict().items():
            h.update(k.encode() + v.detach().cpu().numpy().tobytes())
        h.update(clean.x.numpy().tobytes())
        key = h.hexdigest()
        if key not in memo:
            start = time.perf_counter()
            memo[key] = verdict_of(name, model, clean, seed, *params)
            took[key] = time.perf_counter() - start
        else:  # a run that reuses it is charged the reading's seconds
            verdict.reused_s += took[key]
        return copy.deepcopy(memo[key])

    verdict.reused_s = 0.0
    return verdict


def _row(e, res) -> MitigationRow:
    """One model's row from a run's result."""
    return MitigationRow(e.name, e.attack, e.backdoored, res.clean_samples, res.before["ca"],
                         res.after["ca"], res.before.get("asr"), res.after.get("asr"),
                         res.elapsed_s)


def both_rows(zoo: Path, out_path: Path, share: float) -> None:
    """Both rows for every model of ``zoo``, written to ``out_path`` after each model."""
    torch.set_num_threads(1)
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    split_clean(clean, 0.8, 0, needs_data=True)  # the benchmark's split, refused early if short
    label = f"gated:held_pick={share:g}"
    real = gated_module.detector_verdict
    gated_module.detector_verdict = shared_verdicts(real)
    try:
        _score(zoo, entries, clean, out_path, share, label)
    finally:
        gated_module.detector_verdict = real


def _score(zoo, entries, clean, out_path: Path, share: float, label: str) -> None:
    """The loop of :func:`both_rows`."""
    today: list[MitigationRow] = []
    cand: list[MitigationRow] = []
    notes: dict[str, dict] = {}
    for e in entries:
        rows = []
        for make in (Gated, lambda: Gated(held_pick=share)):
            loaded = load_model(zoo / e.name)
            spec = loaded.manifest.attack if loaded.manifest is not None else None
            trig = attack_triggered(attack_from_spec(spec)) if spec is not None else None
            method = make()
            gated_module.detector_verdict.reused_s = 0.0
            res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trig,
                           input_shape=loaded.input_shape, num_classes=loaded.num_classes)
            res.elapsed_s += gated_module.detector_verdict.reused_s  # as if read again
            rows.append(_row(e, res))
            if not method.treated:  # gated out: the candidate's run is this one
                rows.append(rows[0])
                break
        today.append(rows[0])
        cand.append(rows[1])
        notes[e.name] = {"held_pick": method.report_.get("held_pick"),
                         "suspect": method.report_.get("suspect"),
                         "action": str(method.report_.get("action"))[:160]}
        t, c = rows
        print(f"{e.name}: today CA {t.ca_before:.4f}->{t.ca_after:.4f} ASR {t.asr_after} "
              f"{t.elapsed_s:.1f}s | held_pick CA {c.ca_after:.4f} ASR {c.asr_after} "
              f"{c.elapsed_s:.1f}s {json.dumps(notes[e.name]['held_pick'])}", flush=True)
        out = {"gated": {"summary": summarise(today), "rows": [asdict(r) for r in today]},
               label: {"summary": summarise(cand), "rows": [asdict(r) for r in cand],
                       "notes": notes}}
        write_text_atomic(out_path, json.dumps(out, indent=1))  # a cut leaves it whole


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "R", float, 0.2, argv)
    Gated(held_pick=args.value)  # a bad value refused here, before any model is read
    both_rows(args.zoo, args.out, args.value)


if __name__ == "__main__":
    run_main(main)
