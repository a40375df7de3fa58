"""Seconds per model in ``bench_text_detect.py`` rows files (issue 15's time goal): the median
over all models and per architecture — ``kim-cnn`` for the foreign zoo's ``cnn-*`` recipes and
for trojanscope's own TextCNNs (names without a foreign recipe's prefix), ``mean-pooled`` for
its ``bag-*`` recipes (``benchmarks/foreign_text_zoo.py``).

    python benchmarks/text_rows_time.py ROWS.json [ROWS.json ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def architecture(name: str) -> str:
    """The architecture a zoo row's name stands for (foreign recipes by prefix)."""
    return "mean-pooled" if name.startswith("bag-") else "kim-cnn"


def times(rows: list[dict]) -> dict:
    """Median, lowest and highest seconds per model, over all and per architecture."""
    out = {}
    for arch in ("all", "kim-cnn", "mean-pooled"):
        s = [r["elapsed_s"] for r in rows if arch in ("all", architecture(r["name"]))]
        if s:
            out[arch] = {"models": len(s), "median_s": round(statistics.median(s), 2),
                         "min_s": round(min(s), 2), "max_s": round(max(s), 2)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path, nargs="+")
    opts = parser.parse_args()
    print(json.dumps({str(p): times(json.loads(p.read_text())) for p in opts.rows}, indent=2))


if __name__ == "__main__":
    main()
