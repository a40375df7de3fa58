"""A text user's files for the README's text lines and issue 15's bad-input cases (stop 44), in
WORK: ``clean.csv`` (200 labelled rt-polarity test sentences), ``incoming.csv`` (50 more, column
``text``), ``reviews.csv`` (all 400 with ``review``/``stars``), ``downloaded-hf-model/`` (a tiny
BERT classifier as ``save_pretrained`` leaves it: ``first_contact.py``'s), and the bad inputs:

- ``empty_texts.csv``: every text empty; ``some_empty.csv``: one empty text among 200;
  ``empty_incoming.csv``: every incoming text empty;
- ``latin1.csv`` / ``latin1_incoming.csv``: ``clean.csv`` / ``incoming.csv`` with one accented
  word, written in Latin-1 (not UTF-8);
- ``oneclass.csv``: ``clean.csv`` with every label 1;
- ``hf-tokmismatch/``: the hub folder with the packaged all-MiniLM-L6-v2 tokenizer (30,522
  tokens) over its own tiny model's embedding table;
- ``hf-noconfig/``: the hub folder without ``config.json``.

    python benchmarks/text_user_files.py WORK [--seed 44]

Then ``first_contact_own.py WORK LINES`` runs each line as written.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from first_contact import _hub_folder

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt",
                   "special_tokens_map.json")


def write_csv(path: Path, header: list[str], rows: list, encoding: str = "utf-8") -> None:
    """``rows`` under ``header`` in ``path`` (``encoding``: the user's editor's)."""
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def make(work: Path, seed: int) -> None:
    """Every file of the module docstring, in ``work``."""
    import numpy as np

    from trojanscope.data import load_dataset
    from trojanscope.models.minilm import default_model_dir

    work.mkdir(parents=True, exist_ok=True)
    text = load_dataset("rt-polarity", "test")
    rows = list(zip(text.texts, text.labels.tolist(), strict=True))
    pick = [rows[i] for i in np.random.default_rng(seed).choice(len(rows), 400, replace=False)]
    clean = [list(r) for r in pick[:200]]
    incoming = [[t] for t, _ in pick[200:250]]
    write_csv(work / "clean.csv", ["text", "label"], clean)
    write_csv(work / "incoming.csv", ["text"], incoming)
    write_csv(work / "reviews.csv", ["review", "stars"], [[t, 5 if y else 1] for t, y in pick])
    write_csv(work / "empty_texts.csv", ["text", "label"], [["", y] for _, y in clean])
    write_csv(work / "some_empty.csv", ["text", "label"], [["", clean[0][1]], *clean[1:]])
    write_csv(work / "empty_incoming.csv", ["text"], [[""] for _ in incoming])
    accented = [[f"{clean[0][0]} café", clean[0][1]], *clean[1:]]
    write_csv(work / "latin1.csv", ["text", "label"], accented, encoding="latin-1")
    write_csv(work / "latin1_incoming.csv", ["text"], [["un film très bon"], *incoming[1:]],
              encoding="latin-1")
    write_csv(work / "oneclass.csv", ["text", "label"], [[t, 1] for t, _ in clean])
    hub = work / "downloaded-hf-model"
    _hub_folder(hub, work / "hf-base")
    shutil.copytree(hub, work / "hf-tokmismatch", dirs_exist_ok=True)
    for name in TOKENIZER_FILES:
        (work / "hf-tokmismatch" / name).unlink(missing_ok=True)
        source = default_model_dir() / name
        if source.is_file():
            shutil.copy(source, work / "hf-tokmismatch" / name)
    shutil.copytree(hub, work / "hf-noconfig", dirs_exist_ok=True)
    (work / "hf-noconfig" / "config.json").unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--seed", type=int, default=44)
    opts = parser.parse_args()
    make(opts.work, opts.seed)
    for path in sorted(opts.work.rglob("*")):
        if path.is_file():
            print(path.relative_to(opts.work), path.stat().st_size)


if __name__ == "__main__":
    main()
