"""Stop 80's review (hrev): a new user's small files with seed **391**, from stop 79's makers
without their model files (the lines this stop's changes show read tables and images only).

The 250 images none of the user's models trained on (``first_contact_s74.held_out_draw``) under
the README's names (``first_contact_s52.image_files``: ``clean.npz`` and its siblings hold the
first 200), the fraud team's 300-row ``fraud.csv`` (``first_contact_s76.fraud_table``) and the
credit-like 300-row ``transactions.csv`` drawn as ``first_contact_s52.make`` draws it.

    PYTHONPATH=src:benchmarks python benchmarks/review_s80_hrev_files.py WORK
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

from first_contact_s52 import TABLE, image_files
from first_contact_s74 import held_out_draw
from first_contact_s76 import fraud_table

SEED = 391


def make(work: Path, seed: int = SEED) -> None:
    """The images, ``fraud.csv`` and ``transactions.csv`` in ``work``."""
    import pandas as pd

    work.mkdir(parents=True, exist_ok=True)
    _, images, labels = held_out_draw(seed)
    image_files(work, images, labels)
    fraud_table(work, seed)
    with gzip.open(TABLE, "rt") as fh:
        table = pd.read_csv(fh).sample(n=300, random_state=seed).reset_index(drop=True)
    table["is_fraud"] = (table.pop("Status") == "bad").astype(int)
    table.to_csv(work / "transactions.csv", index=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    make(parser.parse_args().work)
