"""First contact at stop 82: stop 76's makers (``first_contact_s76.make``: stop 74's files, their
images drawn from the bundled ``mnist`` set's test split outside every model of the user's
files, and ``fraud.csv``, a 300-row card-payment table) with the fresh seed **448**, and
``fraud-3000.csv``: the same fraud maker with 3,000 rows (stop 81's review: a 3%-fraud table,
where the README's fraud line trains a LightGBM that never flags fraud).

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s82.py WORK --make \
        --model-run RUN
    PYTHONPATH=src:benchmarks python benchmarks/first_contact_s82.py WORK --big
    python benchmarks/first_contact_s82.py WORK --lines LINES --timeout 400 --keep DIR
"""

from __future__ import annotations

import sys
import tempfile
from functools import partial
from pathlib import Path

from first_contact_s52 import main
from first_contact_s76 import fraud_table, make

SEED = 448
BIG = 3000  # fraud-3000.csv's rows


def big_table(work: Path, seed: int = SEED) -> None:
    """``fraud-3000.csv`` in ``work``: ``fraud_table`` with :data:`BIG` rows."""
    with tempfile.TemporaryDirectory() as tmp:
        fraud_table(Path(tmp), seed, rows=BIG)
        (Path(tmp) / "fraud.csv").replace(work / "fraud-3000.csv")


if __name__ == "__main__":
    if "--big" in sys.argv[2:]:
        big_table(Path(sys.argv[1]))
    else:
        main(partial(make, seed=SEED), __doc__)  # stop 76's files, this stop's seed
