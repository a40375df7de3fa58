"""Tree models that appear twice inside one committed tabular zoo (issue 16, stop 33 review).

XGBoost and LightGBM train deterministically here, so a clean tree is fixed by its table and
variant: two zoo entries can be the same model. Rows with identical tree features (to 1e-9)
and the same label are counted as one model; the script lists each zoo's duplicates and the
total, so a rule's figures can be read on distinct models.

    PYTHONPATH=src .venv/bin/python benchmarks/tabular_zoo_duplicates.py
    PYTHONPATH=src .venv/bin/python benchmarks/tabular_zoo_duplicates.py --new ROWS...

With ``--new`` (a fresh zoo's rows, not committed) it instead counts the new tree rows that
repeat a committed row's model (the same arch, label and tree features): a fresh zoo's
clean trees should repeat none (issue 16 stop 34).
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

ROWS = Path(__file__).parent / "data" / "tabular_rows"
KEY = ("tab_flip_1", "tab_score", "tab_mass", "tab_mass_group", "tab_mass_rel", "tab_box")


def model_key(row: dict) -> tuple:
    """A tree row's model: its arch, label and tree features to 1e-9."""
    return (
        row["arch"],
        row["backdoored"],
        tuple(round(row["features"].get(k, 0.0), 9) for k in KEY),
    )


def duplicates(path: Path) -> list[list[tuple[str, float]]]:
    """Groups of (name, probability) rows of one zoo file that are the same tree model."""
    groups: dict[tuple, list[tuple[str, float]]] = collections.defaultdict(list)
    for row in json.loads(path.read_text())["rows"]:
        if row["arch"] == "mlp":
            continue
        groups[model_key(row)].append((row["name"], round(row["probability"], 3)))
    return [g for g in groups.values() if len(g) > 1]


def repeats(new: list[str]) -> None:
    """Per ``new`` rows file: its clean and backdoored tree rows, and those whose model is a
    committed row's (named)."""
    seen: dict[tuple, str] = {}
    names = {Path(f).name for f in new}  # a fresh zoo's rows already packed: not its own
    for path in sorted(p for p in ROWS.glob("*_rows.json") if p.name not in names):
        for row in json.loads(path.read_text())["rows"]:
            if row["arch"] != "mlp":
                seen.setdefault(model_key(row), f"{path.name}:{row['name']}")
    print(f"committed tree rows read: {len(seen)} distinct models")
    for f in new:
        rows = [r for r in json.loads(Path(f).read_text())["rows"] if r["arch"] != "mlp"]
        for label in (False, True):
            mine = [r for r in rows if r["backdoored"] == label]
            hits = [(r["name"], seen[model_key(r)]) for r in mine if model_key(r) in seen]
            kind = "backdoored" if label else "clean"
            print(
                f"{Path(f).name}: {kind} trees {len(mine)}, repeating a committed model "
                f"{len(hits)}{' ' + str(hits) if hits else ''}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--new",
        nargs="*",
        default=None,
        help="rows of a fresh zoo: count its trees that repeat committed ones",
    )
    args = parser.parse_args()
    if args.new:
        repeats(args.new)
        return
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
