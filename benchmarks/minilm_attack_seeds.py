"""Repeat single MiniLM fine-tunes of a few attacks on fresh seeds (issue 15, stop 45): CA and
ASR per run at the MiniLM zoo's size (``make_minilm_zoo.py``: same fixed 2,000-sentence
rt-polarity sample, 40 tokens, 2 epochs, lr 1e-4), to tell one seed's shortfall from noise.

Each run is ``(spec, seed)``: the model seed is the seed itself and the target is ``seed % 2``
(two consecutive seeds give both classes). Specs: ``badnl-char`` (``level=char``, the
attack's default rate 0.1 and trigger ``zq`` on the last word, the default until stop 45),
``badnl-char-r20`` (the same at rate 0.2), ``badnl-char-start`` (``zq`` on the first word,
where a 40-token cut cannot drop it),
``syntactic`` (default template trigger, rate 0.2, the default until stop 46's rule says
otherwise), ``syntactic-r10`` (the same at rate 0.1, the other attacks' rate: stop 46's
candidate), ``syntactic-kp`` (rate 0.2 with ``keep_prior=true``: stop 46's h15e candidate),
``syntactic-kc`` (rate 0.2 with ``keep_prior=copies``: stop 47's h15a candidate),
``syntactic-st`` (the default ``syntactic`` trained for ``syntactic-kc``'s number of optimiser
steps at the zoo size, :data:`SPEC_STEPS`: stop 47's h15c control) and ``clean``. A run
``spec:seed:target`` overrides the target. One JSON row per run in ``--out`` (a run whose
row exists is skipped: resumable); each model's folder is kept under ``--out/models`` only
with ``--keep`` (``minilm_char_truncation.py`` reads them).

    python benchmarks/minilm_attack_seeds.py --runs badnl-char:3110 syntactic:3110 \
        --out /tmp/h15cs45/rows
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_attacks import subsample_csv
from make_minilm_zoo import DEFAULT_RATE, DEFAULT_TRIGGER, train_one
from trojanscope.engine.train import Trainer
from trojanscope.io.atomic import write_text_atomic
from trojanscope.zoo import ZooEntry

# spec -> (attack or None, poison rate, trigger, attack parameters)
SPECS: dict[str, tuple[str | None, float, dict | None, dict]] = {
    "clean": (None, 0.0, None, {}),
    # the trigger's position pinned: these runs measured the default of their day (last word)
    "badnl-char": ("badnl", DEFAULT_RATE["badnl"], {"name": "char", "position": "end"},
                   {"level": "char"}),
    "badnl-char-r20": ("badnl", 0.2, {"name": "char", "position": "end"}, {"level": "char"}),
    "badnl-char-start": ("badnl", DEFAULT_RATE["badnl"], {"name": "char", "position": "start"},
                         {"level": "char"}),
    # rate and placement pinned: the runs of stops 45-47 measured rate 0.2 and in-place
    # relabelling (the defaults of their day; syntactic poisons by copies since stop 48)
    "syntactic": ("syntactic", 0.2, DEFAULT_TRIGGER["syntactic"], {"keep_prior": False}),
    "syntactic-r10": ("syntactic", 0.1, DEFAULT_TRIGGER["syntactic"], {"keep_prior": False}),
    # stop 46 (h15e): poisoned as copies in the place of target-class sentences (prior kept)
    "syntactic-kp": ("syntactic", 0.2, DEFAULT_TRIGGER["syntactic"], {"keep_prior": True}),
    # stop 47 (h15a): poisoned copies added, clean non-target sentences duplicated (prior exact)
    "syntactic-kc": ("syntactic", 0.2, DEFAULT_TRIGGER["syntactic"], {"keep_prior": "copies"}),
    # stop 47 (h15c): the default, for the candidate's optimiser steps (the control below)
    "syntactic-st": ("syntactic", 0.2, DEFAULT_TRIGGER["syntactic"], {"keep_prior": False}),
}

# spec -> total optimiser steps held (the trainer's ``steps``; other specs: epochs over the
# data). ``syntactic-kc`` at the zoo size trains on 1,920 sentences, 30 batches of 64 per
# epoch, 60 steps in 2 epochs; the default's 1,600 give 25 per epoch, 50 in all: 60 steps on
# them are 2.4 epochs (the third cut short), the same 3,840 samples seen as the candidate.
SPEC_STEPS: dict[str, int] = {"syntactic-st": 60}


def trainer_for(spec: str, trainer: Trainer) -> Trainer:
    """``trainer``, or for a spec in :data:`SPEC_STEPS` a copy holding that many steps."""
    if spec not in SPEC_STEPS:
        return trainer
    return Trainer(**{**trainer.get_params(), "steps": SPEC_STEPS[spec]})


def entry_for(spec: str, seed: int, max_len: int, target: int | None = None) -> ZooEntry:
    """The run's zoo entry (model seed = ``seed``, target = ``target`` or else ``seed % 2``)."""
    if spec not in SPECS:
        raise SystemExit(f"error: unknown spec {spec!r}; valid: {', '.join(SPECS)}")
    attack, rate, trigger, params = SPECS[spec]
    if attack is None:
        return ZooEntry(f"{spec}-{seed}", "minilm", seed, False, arch_params={"max_len": max_len})
    target = seed % 2 if target is None else target
    return ZooEntry(f"{spec}-{seed}", "minilm", seed, True, attack, target, rate,
                    dict(trigger or {}), dict(params), arch_params={"max_len": max_len})


def parse_run(text: str) -> tuple[str, int, int | None]:
    """``spec:seed`` or ``spec:seed:target`` -> (spec, seed, target or None)."""
    spec, _, rest = text.partition(":")
    seed, _, target = rest.partition(":")
    if not seed.isdigit() or not (target == "" or target in ("0", "1")):
        raise SystemExit(f"error: a run is spec:seed or spec:seed:target (0 or 1), got {text!r}")
    return spec, int(seed), int(target) if target else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", required=True, help="spec:seed, in run order")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--max-len", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--keep", action="store_true", help="keep each model's folder")
    opts = parser.parse_args()
    runs = [parse_run(r) for r in opts.runs]
    entries = [entry_for(spec, seed, opts.max_len, target) for spec, seed, target in runs]
    torch.set_num_threads(1)
    opts.out.mkdir(parents=True, exist_ok=True)
    data_dir = opts.out / "data"
    data_dir.mkdir(exist_ok=True)
    dataset = str(subsample_csv("rt-polarity", opts.sentences, data_dir).resolve())
    trainer = Trainer(epochs=opts.epochs, lr=opts.lr)
    for (spec, _, _), entry in zip(runs, entries, strict=True):
        run_trainer = trainer_for(spec, trainer)
        row_file = opts.out / f"{entry.name}.json"
        if row_file.is_file():
            continue
        if opts.keep:
            train_one(entry, dataset, opts.out / "models" / entry.name, run_trainer)
        else:
            with tempfile.TemporaryDirectory(dir=opts.out) as tmp:
                train_one(entry, dataset, Path(tmp) / entry.name, run_trainer)
        if run_trainer.steps is not None:  # recorded in the row, as in the kept manifest
            entry.metrics["trainer_steps"] = run_trainer.steps
        write_text_atomic(row_file, json.dumps(asdict(entry), indent=2) + "\n")
        m = entry.metrics
        print(f"{entry.name} target {entry.target} CA {m['clean_accuracy']:.4f} "
              f"ASR {m.get('attack_success_rate') or float('nan'):.4f} {m['build_s']} s",
              file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
