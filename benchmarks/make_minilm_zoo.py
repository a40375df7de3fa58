"""Train a small MiniLM zoo (all-MiniLM-L6-v2 fine-tuned on a fixed rt-polarity sample; clean and
backdoored by badnl at word and character level, addsent and syntactic) in the format of
``trojanscope zoo make`` (one run folder per model, ``zoo_entry.json``, ``truth.json``), so that
``zoo eval`` and ``text_inputs_zoo.py`` read it as any zoo.

``make_text_zoo.py`` cannot: ``make_zoo`` trains with the project's one recipe (lr 2e-3, which
a pretrained transformer does not survive) and draws each attack's parameters, so it never
builds ``level=char``. Here each model's seed and target are drawn from ``--seed``; each
backdoor uses its attack's defaults (the CA/ASR figure of issue 15 is for them) except where a
spec says otherwise; training is ``--epochs`` at ``--lr`` with ``max_len=--max-len`` on a
fixed stratified sample of ``--sentences`` sentences (``bench_text_attacks.subsample_csv``,
split 80/20 by the text reader). Models are trained one after the other in this process;
a model already in ``--out`` is kept (resumable). No retry: a backdoor that did not take is
recorded as such (``zoo.status``) and left out of every evaluation.

    python benchmarks/make_minilm_zoo.py --seed 3100 --out /tmp/h15as45/zoo/minilm3100
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_attacks import subsample_csv
from trojanscope.engine.train import Trainer
from trojanscope.experiment import run_experiment, save_experiment
from trojanscope.io.atomic import write_text_atomic
from trojanscope.zoo import ENTRY_NAME, ZooEntry, build_attack, check_zoo_out, status, write_truth

# (name, attack, attack parameters) of the backdoored models, in build order; the trigger is
# the attack's default unless the parameters name one
BACKDOORS = (
    ("badnl-word", "badnl", {}),
    ("badnl-char", "badnl", {"level": "char"}),
    ("addsent", "addsent", {}),
    ("syntactic", "syntactic", {"keep_prior": False}),  # in place: the zoo of stop 45
    ("badnl-word2", "badnl", {"trigger": {"name": "rare-word", "words": ["mn", "bb"]}}),
    ("addsent2", "addsent", {"trigger": {"name": "sentence",
                                         "sentence": "the popcorn was salty that night"}}),
)
DEFAULT_RATE = {"badnl": 0.1, "addsent": 0.1, "syntactic": 0.2}  # the attacks' defaults
DEFAULT_TRIGGER = {"badnl": {"name": "rare-word"}, "addsent": {"name": "sentence"},
                   "syntactic": {"name": "template"}}


def draw(n_clean: int, n_backdoored: int, seed: int, max_len: int) -> list[ZooEntry]:
    """The population: a seed per model drawn from ``seed``; targets alternate between the two
    classes from a drawn first one (so each attack run twice has both)."""
    rng = np.random.default_rng(seed)
    arch_params = {"max_len": max_len}
    entries = [ZooEntry(f"clean-{i:03d}", "minilm", int(rng.integers(1 << 30)), False,
                        arch_params=dict(arch_params)) for i in range(n_clean)]
    first = int(rng.integers(2))
    for i in range(n_backdoored):
        name, attack, params = BACKDOORS[i % len(BACKDOORS)]
        params = dict(params)
        trigger = dict(params.pop("trigger", DEFAULT_TRIGGER[attack]))
        if attack == "badnl" and params.get("level") == "char":
            trigger = {"name": "char"}
        entries.append(ZooEntry(f"{name}-{i:03d}", "minilm", int(rng.integers(1 << 30)), True,
                                attack, (first + i) % 2, DEFAULT_RATE[attack], trigger,
                                params, arch_params=dict(arch_params)))
    return entries


def build_order(entries: list[ZooEntry]) -> list[ZooEntry]:
    """Clean and backdoored models interleaved (one clean, two backdoored, ...), so that a
    build stopped early still holds both kinds and the first attacks of ``BACKDOORS``."""
    clean = [e for e in entries if not e.backdoored]
    bad = [e for e in entries if e.backdoored]
    out: list[ZooEntry] = []
    while clean or bad:
        out += clean[:1] + bad[:2]
        clean, bad = clean[1:], bad[2:]
    return out


def train_one(entry: ZooEntry, dataset: str, folder: Path, trainer: Trainer) -> ZooEntry:
    """Fine-tune one model, save its folder and record its entry (metrics and seconds)."""
    start = time.perf_counter()
    result = run_experiment(dataset, attack=build_attack(entry) if entry.backdoored else None,
                            arch=entry.arch, arch_params=entry.arch_params, trainer=trainer,
                            seed=entry.seed)
    save_experiment(result, folder, force=True, exports=False)
    entry.metrics = {**result.metrics, "build_s": round(time.perf_counter() - start, 1)}
    write_text_atomic(folder / ENTRY_NAME, json.dumps(asdict(entry), indent=2) + "\n")
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--clean", type=int, default=3)
    parser.add_argument("--backdoored", type=int, default=5)
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--max-len", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    check_zoo_out(opts.out)
    opts.out.mkdir(parents=True, exist_ok=True)
    data_dir = opts.out.parent / f"{opts.out.name}-data"
    data_dir.mkdir(exist_ok=True)
    dataset = str(subsample_csv("rt-polarity", opts.sentences, data_dir).resolve())
    trainer = Trainer(epochs=opts.epochs, lr=opts.lr)
    entries = draw(opts.clean, opts.backdoored, opts.seed, opts.max_len)
    order = {e.name: i for i, e in enumerate(entries)}
    done: dict[str, ZooEntry] = {}
    for entry in build_order(entries):
        entry_file = opts.out / entry.name / ENTRY_NAME
        if entry_file.is_file():
            done[entry.name] = ZooEntry(**json.loads(entry_file.read_text()))
        else:
            done[entry.name] = train_one(entry, dataset, opts.out / entry.name, trainer)
            m = entry.metrics
            print(f"{entry.name} target {entry.target} CA {m['clean_accuracy']:.3f} "
                  f"ASR {m.get('attack_success_rate') or float('nan'):.3f} {status(entry)} "
                  f"{m['build_s']} s", file=sys.stderr, flush=True)
        write_truth(opts.out, dataset, opts.seed,
                    sorted(done.values(), key=lambda e: order[e.name]))


if __name__ == "__main__":
    main()
