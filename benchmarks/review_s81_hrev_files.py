"""Stop 81's review (hrev): a new user's small files with seed **421**: stop 80's
(``review_s80_hrev_files.make``: the 200-image ``clean.npz`` and its siblings, the fraud team's
300-row ``fraud.csv``, the credit-like 300-row ``transactions.csv``) and, for the echoes screen
(which reads fraud-like tables, at most 15 % of one label, where the attack's 5 % relabels a few
fraud rows in place), ``fraud-3000.csv``: the same fraud maker (``first_contact_s76``) with
3,000 rows (``fraud.csv``'s 300 leave 6 fraud rows in a training split, too few to attack).

    PYTHONPATH=src:benchmarks python benchmarks/review_s81_hrev_files.py WORK
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from first_contact_s76 import fraud_table
from review_s80_hrev_files import make as make_s80

SEED = 421
BIG = 3000  # fraud-3000.csv's rows


def make(work: Path, seed: int = SEED) -> None:
    """Stop 80's files with ``seed``, then ``fraud-3000.csv``, in ``work``."""
    make_s80(work, seed)
    with tempfile.TemporaryDirectory() as tmp:
        fraud_table(Path(tmp), seed, rows=BIG)
        (Path(tmp) / "fraud.csv").replace(work / "fraud-3000.csv")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    make(parser.parse_args().work)
