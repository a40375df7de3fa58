"""A user's files for docs/text.md's hub-folder line (issue 15, stop 60, h15), from a MiniLM run:
``downloaded-hf-model/`` (the run folder copied without trojanscope's own files, as a hub
download looks), ``clean.csv`` (``--clean`` sentences of the run's test split, column ``text``),
``incoming.csv`` (``--incoming`` other clean sentences then ``--triggered`` triggered copies of
others not of the target class, the run's own trigger) and ``incoming_key.csv`` (each incoming
row's kind), so that the line can be run as written and its flags read against the key.

    python benchmarks/text_docs_inputs.py RUN WORK [--clean 100] [--incoming 20] [--triggered 20]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_user_files import write_csv
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec

OWN_FILES = ("manifest.json", "poison_indices.npy", "cover_indices.npy", "triggers.json")


def make(run: Path, work: Path, n_clean: int, n_incoming: int, n_triggered: int,
         seed: int) -> None:
    """The files of the module docstring in ``work`` (sentences drawn with ``seed``)."""
    loaded = load_model(run)
    attack = attack_from_spec(loaded.manifest.attack)
    test = load_dataset(loaded.manifest.dataset["name"], "test")
    labels = test.labels.numpy()
    order = np.random.default_rng(seed).permutation(len(labels))
    clean, rest = order[:n_clean], order[n_clean:]
    incoming = rest[:n_incoming]
    others = [i for i in rest[n_incoming:] if labels[i] != attack.target][:n_triggered]
    triggered = attack.triggered_texts([test.texts[int(i)] for i in others])
    work.mkdir(parents=True, exist_ok=True)
    write_csv(work / "clean.csv", ["text"], [[test.texts[int(i)]] for i in clean])
    rows = [test.texts[int(i)] for i in incoming] + triggered
    write_csv(work / "incoming.csv", ["text"], [[t] for t in rows])
    write_csv(work / "incoming_key.csv", ["row", "kind"],
              [[j, "clean" if j < len(incoming) else "triggered"] for j in range(len(rows))])
    hub = work / "downloaded-hf-model"
    shutil.copytree(run, hub, ignore=shutil.ignore_patterns(*OWN_FILES), dirs_exist_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--clean", type=int, default=100)
    parser.add_argument("--incoming", type=int, default=20)
    parser.add_argument("--triggered", type=int, default=20)
    parser.add_argument("--seed", type=int, default=60)
    opts = parser.parse_args()
    make(opts.run, opts.work, opts.clean, opts.incoming, opts.triggered, opts.seed)


if __name__ == "__main__":
    main()
