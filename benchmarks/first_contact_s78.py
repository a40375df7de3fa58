"""First contact at stop 78: stop 76's makers (``first_contact_s76.make``: stop 74's files, their
images drawn from the bundled ``mnist`` set's test split outside every model of the user's
files, and ``fraud.csv``, a 300-row card-payment table) with the fresh seed **276**.

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s78.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s78.py WORK --lines LINES --timeout 400 --keep DIR
"""

from __future__ import annotations

from pathlib import Path

from first_contact_s52 import main
from first_contact_s76 import make as make_s76

SEED = 276


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 76's files with ``seed``."""
    make_s76(work, model_run, seed)


if __name__ == "__main__":
    main(make, __doc__)
