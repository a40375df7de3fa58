"""Merge generalisation rows of several populations into one calibration pool, each row with
its training recipe (issue 9, seventh round).

Rows come from ``generalise_rows.py`` (with probes attached by ``attach_probes.py``); a later
file's row for the same model replaces an earlier one, and ``--probes`` files
(``probe_rows.py`` output) fill in probes a row lacks. Each row gets ``train_recipe``: for a
``foreign_zoo.py`` model the recipe of its ``truth.json`` (optimiser, epochs, label smoothing,
weight decay, schedule, augmentation), for trojanscope's engine ``{"optim": "engine"}``. The
zoo folders are found under ``--root`` (rows name them relative to where they were made).

    python benchmarks/widen_pool.py --root /tmp/h9i --out benchmarks/out/pool7_rows.json \
        --rows gen_rows_probe_stripes.json --rows fresh_rows_probe_stripes.json ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def recipes(zoo: Path) -> dict[str, dict]:
    """Model name -> training recipe, from a foreign zoo's ``truth.json`` (empty for ours)."""
    truth = zoo / "truth.json"
    if not truth.is_file():
        return {}
    rows = json.loads(truth.read_text())["models"]
    return {r["name"]: r["recipe"] for r in rows if "recipe" in r}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=Path, action="append", required=True)
    ap.add_argument("--probes", type=Path, action="append", default=[])
    ap.add_argument("--root", type=Path, default=Path("."))
    ap.add_argument("--drop-zoo", action="append", default=[],
                    help="Leave this zoo's rows out (e.g. the evaluation zoo).")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    merged: dict[str, dict] = {}
    for f in args.rows:
        for r in json.loads(f.read_text()):
            if r["zoo"] not in args.drop_zoo:
                merged[f"{r['zoo']}/{r['name']}"] = r
    for f in args.probes:
        for key, probe in json.loads(f.read_text()).items():
            if key in merged and not merged[key].get("probe"):
                merged[key]["probe"] = probe
    cache: dict[str, dict] = {}
    for r in merged.values():
        if "train_recipe" in r:  # a merged pool's row: its recipe is already there
            continue
        if r["zoo"] not in cache:
            cache[r["zoo"]] = recipes(args.root / r["zoo"])
        recipe = cache[r["zoo"]].get(r["name"])
        if r["recipe"] == "foreign" and recipe is None:
            raise SystemExit(f"error: no recipe for foreign model {r['zoo']}/{r['name']}")
        r["train_recipe"] = {"optim": "adam", "label_smoothing": 0.0, **recipe} if recipe \
            else {"optim": "engine"}
    rows = list(merged.values())
    args.out.write_text(json.dumps(rows) + "\n")
    zoos = sorted({r["zoo"] for r in rows})
    print(f"{len(rows)} rows ({sum(r['backdoored'] for r in rows)} backdoored, "
          f"{sum(not r.get('probe') for r in rows)} without probes) from {', '.join(zoos)}")


if __name__ == "__main__":
    main()
