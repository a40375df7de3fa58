"""First contact with a user's own small files (stop 53): stop 52's files and lines
(``first_contact_s52.py``) drawn with seed 53, plus ``reviews.csv``, 400 sentences of
rt-polarity's test split (seed 53) with a ``stars`` column of 1 or 5, as the text lines name it,
and ``ckpt.pt``, a state dict saved by ``torch.save``. Lines run by
``first_contact_own.run_lines``.

    python benchmarks/first_contact_s53.py WORK --make --model-run RUN   # the user files
    python benchmarks/first_contact_s53.py WORK --lines LINES --timeout 200
"""

from __future__ import annotations

from pathlib import Path

from first_contact_s52 import main, make

SEED = 53


def make_text(work: Path, seed: int = SEED) -> None:
    """``reviews.csv``: 400 rt-polarity test sentences (``seed``), ``review`` and ``stars``; and
    ``ckpt.pt``, a state dict saved by plain ``torch.save`` (the scan line's file)."""
    import csv

    import numpy as np
    import torch

    from trojanscope.data import load_dataset

    text = load_dataset("rt-polarity", "test")
    pick = np.random.default_rng(seed).choice(len(text.texts), 400, replace=False)
    with open(work / "reviews.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["review", "stars"])
        writer.writerows([text.texts[i], 5 if int(text.labels[i]) else 1] for i in pick)
    torch.manual_seed(seed)
    torch.save(torch.nn.Linear(784, 10).state_dict(), work / "ckpt.pt")


def make_all(work: Path, model_run: Path) -> None:
    """Stop 52's files drawn with seed 53, then :func:`make_text`'s."""
    make(work, model_run, SEED)
    make_text(work)


if __name__ == "__main__":
    main(make_all, __doc__)
