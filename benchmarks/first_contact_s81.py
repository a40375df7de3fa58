"""First contact at stop 81: stop 76's makers (``first_contact_s76.make``: stop 74's files, their
images drawn from the bundled ``mnist`` set's test split outside every model of the user's
files, and ``fraud.csv``, a 300-row card-payment table) with the fresh seed **420**.

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s81.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s81.py WORK --lines LINES --timeout 400 --keep DIR
"""

from __future__ import annotations

from functools import partial

from first_contact_s52 import main
from first_contact_s76 import make

SEED = 420

if __name__ == "__main__":
    main(partial(make, seed=SEED), __doc__)  # stop 76's files, this stop's seed
