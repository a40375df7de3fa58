"""Tree models that appear twice inside one committed tabular zoo (issue 16, stop 33 review).

XGBoost and LightGBM train deterministically here, so a clean tree is fixed by its table and
variant: two zoo entries can be the same model. Rows with identical tree features (to 1e-9)
and the same label are counted as one model; the script lists each zoo's duplicates and the
total, so a rule's figures can be read on distinct models.

    PYTHONPATH=src .venv/bin/python benchmarks/tabular_zoo_duplicates.py
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

ROWS = Path(__file__).parent / "data" / "tabular_rows"
KEY = ("tab_flip_1", "tab_score", "tab_mass", "tab_mass_group", "tab_mass_rel", "tab_box")


def duplicates(path: Path) -> list[list[tuple[str, float]]]:
    """Groups of (name, probability) rows of one zoo file that are the same tree model."""
    groups: dict[tuple, list[tuple[str, float]]] = collections.defaultdict(list)
    for row in json.loads(path.read_text())["rows"]:
        if row["arch"] == "mlp":
            continue
        key = (row["arch"], row["backdoored"],
               tuple(round(row["features"].get(k, 0.0), 9) for k in KEY))
        groups[key].append((row["name"], round(row["probability"], 3)))
    return [g for g in groups.values() if len(g) > 1]


def main() -> None:
    total = extra = 0
    for path in sorted(ROWS.glob("*_rows.json")):
        rows = [r for r in json.loads(path.read_text())["rows"] if r["arch"] != "mlp"]
        total += len(rows)
        groups = duplicates(path)
        extra += sum(len(g) - 1 for g in groups)
        if groups:
            print(path.name, groups)
    print(f"tree rows {total}, rows that repeat a model of the same zoo {extra}")


if __name__ == "__main__":
    main()
