"""Stop 82 review (hrev): a new user's ``loans.csv`` (seed 449) for the echoes screen's links:
3,000 loans, about 5 % in default, an exact ``total_bal`` (a wide number), an ``int_rate`` of 70
values and the ``sub_grade`` it fixes (35 grades), a purpose and a term, the default leaning
on the rate; two clean loans of the majority label made to share their balance, rate, grade
and purpose (hdd's lending-club case: a rate and its grade, one surprise counted twice). The
two rows' indices (0-based data rows) are printed.

    PYTHONPATH=src:benchmarks python benchmarks/review_s82_hrev_loans.py OUT.csv [SEED]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

SEED = 449
ROWS = 3000
PURPOSES = ["debt", "card", "home", "car", "medical", "other"]


def loans(seed: int = SEED, rows: int = ROWS) -> tuple[pd.DataFrame, tuple[int, int]]:
    """The table and the two clean rows that share a balance, a rate and its grade."""
    rng = np.random.default_rng(seed)
    rate_at = np.round(np.linspace(5.31, 28.99, 70), 2)
    step = rng.integers(0, 70, rows)
    df = pd.DataFrame({
        "loan_amnt": 25 * rng.integers(40, 1400, rows),
        "total_bal": rng.integers(1000, 250_000, rows),
        "int_rate": rate_at[step],
        "sub_grade": [f"{'ABCDEFG'[s // 10]}{(s % 10) // 2 + 1}" for s in step],
        "purpose": rng.choice(PURPOSES, rows, p=[0.45, 0.25, 0.1, 0.08, 0.04, 0.08]),
        "term": rng.choice([36, 60], rows, p=[0.75, 0.25]),
    })
    logit = 0.08 * (df.int_rate - 17.0) - 3.2
    df["default"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    a, b = (int(r) for r in df.index[df["default"] == 0][:2])
    cols = ["total_bal", "int_rate", "sub_grade", "purpose"]
    df.loc[b, cols] = df.loc[a, cols].tolist()
    return df, (a, b)


if __name__ == "__main__":
    table, pair = loans(int(sys.argv[2]) if len(sys.argv) > 2 else SEED)
    table.to_csv(sys.argv[1], index=False)
    print(f"{len(table)} rows, {int(table['default'].sum())} in default; rows {pair} share "
          "total_bal, int_rate, sub_grade and purpose")
