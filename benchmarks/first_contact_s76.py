"""First contact at stop 76: stop 74's makers (``first_contact_s74.make``: images drawn from the
bundled ``mnist`` set's test split, outside every model of the user's files) with the fresh
seed **226**, and one file more: ``fraud.csv``, a 300-row card-payment table as a fraud team
exports it (amount, hour, merchant category, country, whether the card was present, and
``is_fraud`` on about 4% of the rows), drawn by plain numpy code. The credit-like
``transactions.csv`` holds 70-30 labels; a fraud table's majority label holds 90% or more of
its rows, where ``label-groups``' ``covers=3`` (stop 75) reads.

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s76.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s76.py WORK --lines LINES --timeout 400 --keep DIR
"""

from __future__ import annotations

from pathlib import Path

from first_contact_s52 import main
from first_contact_s74 import make as make_s74

SEED = 226
MERCHANTS = ("grocery", "fuel", "travel", "electronics", "restaurant", "online", "pharmacy")
COUNTRIES = ("home", "neighbour", "abroad")


def fraud_table(work: Path, seed: int = SEED, rows: int = 300) -> None:
    """``fraud.csv`` (the module docstring): fraud leans to online and electronics, abroad,
    card-not-present, night hours and larger amounts, as such tables do."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed + 4000)
    merchant = rng.choice(MERCHANTS, rows, p=[0.25, 0.15, 0.08, 0.08, 0.2, 0.18, 0.06])
    country = rng.choice(COUNTRIES, rows, p=[0.8, 0.12, 0.08])
    present = rng.random(rows) < np.where(merchant == "online", 0.0, 0.85)
    hour = rng.integers(0, 24, rows)
    amount = np.round(rng.lognormal(3.4, 1.0, rows), 2)
    logit = (-4.6 + 1.1 * np.isin(merchant, ("online", "electronics")) + 1.2 * (country == "abroad")
             + 0.9 * ~present + 0.8 * ((hour < 6) | (hour > 22)) + 0.5 * (amount > 120))
    fraud = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    pd.DataFrame({"amount": amount, "hour": hour, "merchant": merchant, "country": country,
                  "card_present": present.astype(int), "is_fraud": fraud}).to_csv(
        work / "fraud.csv", index=False)


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 74's files with ``seed``, then ``fraud.csv``."""
    make_s74(work, model_run, seed)
    fraud_table(work, seed)


if __name__ == "__main__":
    main(make, __doc__)
