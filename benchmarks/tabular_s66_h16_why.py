"""Why credit-default tree backdoors towards class 0 are lost with a 200-row clean file, from
stored readings (issue 16 stop 66, h16).

Every committed 200-row tree reading given (``FILE#K``: the file's draw index K), scored by
today's shipped file, grouped by library x truth (clean, backdoored towards 0, towards 1) x
verdict at 0.5: how many, the right targets, the rows a trigger towards the target could flip
(``sources``) and the target's other rows, and the median of each feature the band entries and
the box read, at 200 rows and on the same model's whole split (``--whole``: stored whole-split
readings, matched by zoo and name).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s66_h16_why.py --rows R.json#0 ... \
        --whole W.json ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import SHIPPED
from tabular_s66_h16_fit import load
from tabular_user_rule import scored

FEATURES = ("tab_box", "tab_major_box", "tab_mass_group", "tab_major_group", "tab_major_recur",
            "tab_gap")


def groups(rows: list[dict]) -> list[tuple[str, list[dict]]]:
    out = []
    for lib in ("xgboost", "lightgbm"):
        mine = [r for r in rows if r["arch"] == lib]
        for name, pick in (("clean", lambda r: not r["backdoored"]),
                           ("towards 0", lambda r: r["backdoored"] and r["target"] == 0),
                           ("towards 1", lambda r: r["backdoored"] and r["target"] == 1)):
            for verdict, flagged in (("flagged", True), ("not flagged", False)):
                g = [r for r in mine if pick(r) and (r["probability"] >= 0.5) == flagged]
                if g:
                    out.append((f"{lib} {name} {verdict}", g))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--whole", nargs="*", default=[])
    args = ap.parse_args()
    rows = [r for r in load(args.rows) if r["table"] == "credit-default"]
    rows = scored(rows, SHIPPED)[0]
    whole = {}
    for path in args.whole:
        for r in json.loads(Path(path).read_text())["rows"]:
            if "features" in r:
                whole[(r["zoo"], r["name"])] = r
    print(f"{len(rows)} credit-default tree readings at 200 rows of "
          f"{len({(r['zoo'], r['name']) for r in rows})} trees; whole split read for "
          f"{sum((r['zoo'], r['name']) in whole for r in rows)} of the readings")
    print("class-1 rows per file: median "
          f"{np.median([r['others'][0] for r in rows]):.0f} (quartiles "
          f"{np.percentile([r['others'][0] for r in rows], 25):.0f}-"
          f"{np.percentile([r['others'][0] for r in rows], 75):.0f})")
    for name, g in groups(rows):
        t = [r["target"] if r["backdoored"] else 0 for r in g]
        src = [r["sources"][k] for r, k in zip(g, t, strict=True)]
        right = sum(r["predicted_target"] == r["target"] for r in g if r["backdoored"])
        w = [whole[(r["zoo"], r["name"])] for r in g if (r["zoo"], r["name"]) in whole]
        feats = "; ".join(
            f"{f.removeprefix('tab_')} {np.median([r['features'][f] for r in g]):.2f}/"
            + (f"{np.median([x['features'][f] for x in w]):.2f}" if w else "-")
            for f in FEATURES)
        print(f"{name}: {len(g)} readings, p median {np.median([r['probability'] for r in g]):.2f}"
              f"{f', right target {right}' if g[0]['backdoored'] else ''}; rows to flip towards "
              f"{'the target' if g[0]['backdoored'] else 'class 0'} median {np.median(src):.0f} "
              f"(min {min(src)}); whole-split p median "
              + (f"{np.median([x['probability'] for x in w]):.2f}" if w else "-")
              + f" | 200 rows / whole split: {feats}")


if __name__ == "__main__":
    main()
