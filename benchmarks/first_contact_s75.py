"""First contact at stop 75: stop 74's makers (``first_contact_s74.make``: images drawn from the
bundled ``mnist`` set's test split, outside every model of the user's files) with the fresh
seed **169**: the 200-image ``clean.npz`` and its README siblings, ``images/``, the 300-row
credit-like ``transactions.csv`` with ``is_fraud`` and XGBoost / LightGBM files on it, hub-style
folders, the user's CNN traced, scripted and exported to ONNX, the skl2onnx MLP, ``models/``,
the Kim CNN ``word-model/`` and the scikit-learn pipeline ``pipe/``.

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s75.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s75.py WORK --lines LINES --timeout 400 --keep DIR
"""

from __future__ import annotations

from functools import partial

from first_contact_s52 import main
from first_contact_s74 import make

SEED = 169

if __name__ == "__main__":
    main(partial(make, seed=SEED), __doc__)
