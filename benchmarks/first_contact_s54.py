"""First contact with a user's own small files (stop 54): stop 53's files
(``first_contact_s53.py``: stop 52's images, table and hub folder, ``reviews.csv`` and
``ckpt.pt``) drawn with seed 61, the first seed after stop 53's spent ones, and two more text
files for the MiniLM lines: ``incoming.csv`` (50 other rt-polarity test sentences, a ``text``
column only, as docs/text.md's ``detect-inputs runs/text incoming.csv`` reads them) and
``clean-reviews.csv`` (300 more, ``text`` and ``label`` 1 or 5: the stars ``reviews.csv``'s
MiniLM folder names its classes by). Lines run by ``first_contact_own.run_lines``.

    python benchmarks/first_contact_s54.py WORK --make --model-run RUN   # the user files
    python benchmarks/first_contact_s54.py WORK --lines LINES --timeout 200
"""

from __future__ import annotations

from pathlib import Path

from first_contact_s52 import main, make
from first_contact_s53 import make_text

SEED = 61


def make_minilm_files(work: Path, seed: int = SEED) -> None:
    """``incoming.csv`` and ``clean-reviews.csv`` (above), from rt-polarity's test sentences
    that ``reviews.csv`` (:func:`make_text`'s draw with the same seed) does not hold."""
    import csv

    import numpy as np

    from trojanscope.data import load_dataset

    text = load_dataset("rt-polarity", "test")
    taken = np.random.default_rng(seed).choice(len(text.texts), 400, replace=False)
    rest = np.setdiff1d(np.arange(len(text.texts)), taken)
    pick = np.random.default_rng(seed).choice(rest, 350, replace=False)
    with open(work / "incoming.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["text"], *([text.texts[i]] for i in pick[:50])])
    with open(work / "clean-reviews.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["text", "label"], *([text.texts[i],
                                                        5 if int(text.labels[i]) else 1]
                                                       for i in pick[50:])])


def make_all(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 53's user files, drawn with ``seed`` (61 here; stop 55 draws 63), and the MiniLM
    lines' two files."""
    make(work, model_run, seed)
    make_text(work, seed)
    make_minilm_files(work, seed)


if __name__ == "__main__":
    main(make_all, __doc__)
