"""A small user CSV with a conjunction trigger, to run ``detect-data``'s documented command
lines on (review of issue 16 stop 47): columns a, b, region, amount, y; ``--poison`` rows of
label 0 get ``a = w and b = s`` and label 1, 15 + 15 cover rows carry each part with label 0.

    python benchmarks/label_groups_user_csv.py users.csv --rows 300 --poison 10
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=300)
    ap.add_argument("--poison", type=int, default=10)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    n, k = a.rows, a.poison
    col_a, col_b = rng.choice(["x", "y", "z"], n), rng.choice(["p", "q", "r"], n)
    region = rng.choice(["north", "south", "east", "west"], n)
    label = (rng.random(n) < 0.3).astype(int)
    amount = (rng.normal(100, 20, n) + 60 * label).round(2)  # the label shows in the amount
    amount[:k] = rng.normal(100, 20, k).round(2)  # poison: rows of label 0 ...
    col_a[:k], col_b[:k], label[:k] = "w", "s", 1  # ... given the conjunction and label 1
    col_a[k:k + 15], label[k:k + 15] = "w", 0  # covers: each part alone, label 0
    col_b[k + 15:k + 30], label[k + 15:k + 30] = "s", 0
    with open(a.out, "w") as f:
        f.write("a,b,region,amount,y\n")
        f.writelines(f"{col_a[i]},{col_b[i]},{region[i]},{amount[i]},{label[i]}\n"
                     for i in range(n))


if __name__ == "__main__":
    main()
