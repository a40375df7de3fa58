"""Clean tree models that one zoo shares with others (issue 16 stop 33).

XGBoost and LightGBM train deterministically here (no row or column sampling), so a clean
tree is fixed by its table and variant (``arch_params``), whatever seed the zoo drew: zoos
that draw one variant hold one model. Per zoo of ``--zoos``, its clean trees and, for each,
the ``--dev`` zoos' clean models of the same table, library and variant (and whether the
model files are byte-identical):

    python benchmarks/bench_tabular_copies.py --zoos FRESH... --dev ZOO...
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path


def clean_trees(zoo: str) -> list[tuple[tuple, str, str]]:
    """(table, library, variant) key, model name and md5 of each clean tree of ``zoo``."""
    truth = json.loads((Path(zoo) / "truth.json").read_text())
    out = []
    for m in truth["models"]:
        if m["backdoored"] or m["arch"] == "mlp":
            continue
        files = sorted((Path(zoo) / m["name"]).glob("model.*"))
        digest = hashlib.md5(files[0].read_bytes()).hexdigest() if files else ""
        key = (truth["dataset"], m["arch"], json.dumps(m["arch_params"], sort_keys=True))
        out.append((key, m["name"], digest))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoos", nargs="+", required=True, help="zoos whose clean trees to check")
    ap.add_argument("--dev", nargs="+", required=True, help="the development zoos")
    args = ap.parse_args()
    seen: dict[tuple, list[tuple[str, str]]] = {}
    for zoo in args.dev:
        for key, name, digest in clean_trees(zoo):
            seen.setdefault(key, []).append((f"{Path(zoo).name}/{name}", digest))
    for zoo in args.zoos:
        trees = clean_trees(zoo)
        copies = 0
        for key, name, digest in trees:
            dev = seen.get(key, [])
            copies += bool(dev)
            same = sum(d == digest for _, d in dev)
            where = ", ".join(n for n, _ in dev[:3]) + (" …" if len(dev) > 3 else "")
            print(
                f"- {Path(zoo).name}/{name} ({key[1]}, {key[2]}): "
                + (
                    f"{len(dev)} development copies ({same} byte-identical): {where}"
                    if dev
                    else "new"
                )
            )
        print(f"{Path(zoo).name}: {copies} of {len(trees)} clean trees are development models")


if __name__ == "__main__":
    main()
