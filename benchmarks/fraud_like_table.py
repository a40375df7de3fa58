"""A fraud-like user table, written as a CSV (issue 16 stop 39).

The review of stop 38 tested a user's small clean file on a synthetic fraud table
(``amount``, ``age`` with missing cells, ``merchant``, ``channel``); this is that generator with
its seed, size and label noise as parameters and one more column (``hour``, no signal), so a
fresh table can be drawn for each population. Fraud is ``amount > 200``, ``merchant =
online`` and ``channel = web`` scored 1, 1 and 0.5, plus Gaussian noise (``--noise``), over
1.85. The label column is ``label`` (``zoo make`` finds it by that name).

    python benchmarks/fraud_like_table.py --seed 3160 --rows 4000 --noise 0.7 --out fraud.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def write_table(seed: int, rows: int, noise: float, out: Path) -> float:
    """Write the table; return its fraud rate."""
    rng = np.random.default_rng(seed)
    amount = np.round(rng.gamma(2.0, 60.0, rows), 2)
    age = rng.integers(18, 80, rows)
    merchant = rng.choice(
        ["grocery", "fuel", "travel", "online", "5999"], rows, p=[0.35, 0.25, 0.15, 0.2, 0.05]
    )
    channel = rng.choice(["web", "pos", "atm"], rows, p=[0.5, 0.48, 0.02])
    hour = rng.integers(0, 24, rows)
    score = (
        (amount > 200) * 1.0
        + (merchant == "online") * 1.0
        + (channel == "web") * 0.5
        + rng.normal(0, noise, rows)
    )
    fraud = (score > 1.85).astype(int)
    lines = ["amount,age,merchant,channel,hour,label"]
    for i in range(rows):
        cell = "" if i % 37 == 0 else str(age[i])  # missing ages, as in the review's table
        lines.append(f"{amount[i]:.2f},{cell},{merchant[i]},{channel[i]},{hour[i]},{fraud[i]}")
    out.write_text("\n".join(lines) + "\n")
    return float(fraud.mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--rows", type=int, default=4000)
    ap.add_argument("--noise", type=float, default=0.7)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rate = write_table(args.seed, args.rows, args.noise, args.out)
    print(f"{args.out}: {args.rows} rows, fraud rate {rate:.4f}")


if __name__ == "__main__":
    main()
