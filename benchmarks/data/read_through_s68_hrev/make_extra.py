"""Data files for the stop-68 read-through's extra harness pairs (hrev), beside the two-class
MLPs that benchmarks/two_class_mlp_check.py wrote under DIR (8 x 8 digits, 64 flat values):
flat rows, 3-D images, tables of 64 numeric columns (fits), of 64 with one categorical column
(65 values once encoded), of 63 (narrower), of 65 (wider), seeded.

    python make_extra.py DIR
"""

import sys
from pathlib import Path

import numpy as np

out = Path(sys.argv[1])
rng = np.random.default_rng(68)
with np.load(out / "clean.npz") as z:
    x, y = z["x"], z["y"]
np.savez(out / "rows.npz", x=x.reshape(len(x), 64), y=y)
np.savez(out / "three-d.npz", x=x.reshape(len(x), 8, 8), y=y)


def table(name: str, columns: int, categorical: bool = False) -> None:
    head = [f"p{i}" for i in range(columns)] + ["label"]
    rows = [",".join(head)]
    for i in range(len(x)):
        cells = [f"{v:.4f}" for v in x[i].reshape(-1)[:columns]]
        cells += ["0.5"] * (columns - len(cells))
        if categorical:
            cells[0] = "ab"[i % 2]
        rows.append(",".join([*cells, str(int(y[i]))]))
    (out / name).write_text("\n".join(rows) + "\n")


table("t64.csv", 64)
table("t64cat.csv", 64, categorical=True)
table("t63.csv", 63)
table("t65.csv", 65)
del rng
