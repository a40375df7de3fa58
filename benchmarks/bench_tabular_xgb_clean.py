"""Why the XGBoost calibrator flags clean models (issue 16 stop 32; a study).

For the XGBoost rows of packed ``zoo eval`` files whose zoo is on disk (for each model's
depth, ``arch_params``): each feature's share of the logit of the calibration file's
``tabular-search:tree:xgboost`` entry (coefficient times standardised feature) for the clean
models it flags (p >= 0.5), and per tree depth the range of ``tab_mass_group`` over the clean
models and over the backdoors of each target:

    PYTHONPATH=src python benchmarks/bench_tabular_xgb_clean.py --rows ROWS... --zoos ZOO_DIR... \
        [--calibration FILE]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from trojanscope.detect.calibration import _clip, _transform, load_calibrators

ENTRY = "tabular-search:tree:xgboost"


def depth_rows(rows_files: list[str], zoos: dict[str, str]) -> list[dict]:
    """XGBoost rows of the files whose zoo is on disk, each with its model's depth."""
    out = []
    for f in rows_files:
        payload = json.loads(Path(f).read_text())
        zoo = zoos.get(Path(payload["zoo"]).name)
        if zoo is None:
            print(f"{f}: zoo not on disk, skipped")
            continue
        truth = json.loads((Path(zoo) / "truth.json").read_text())
        depth = {m["name"]: m["arch_params"].get("max_depth") for m in truth["models"]}
        for r in payload["rows"]:
            if r.get("family") == "tree:xgboost":
                out.append({**r, "depth": depth[r["name"]], "zoo": Path(payload["zoo"]).name})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--zoos", nargs="+", required=True)
    ap.add_argument("--calibration", default=None, help="default: the shipped file")
    args = ap.parse_args()
    cal = load_calibrators(args.calibration)[ENTRY]
    rows = depth_rows(args.rows, {Path(z).name: z for z in args.zoos})
    rows = [r for r in rows if all(f in r["features"] for f in cal.features)]  # bench_tabular_floor
    print(f"{len(rows)} XGBoost rows; entry: {', '.join(cal.features)} ({cal.transform})")
    print(
        f"\nclean models flagged: each feature's term of the logit (intercept {cal.intercept:+.2f})"
    )
    for r in rows:
        p = cal.probability(r["features"])
        if r["backdoored"] or p < 0.5:
            continue
        terms = [
            c * (_transform(_clip(r["features"][f]), cal.transform) - m) / s
            for f, c, m, s in zip(cal.features, cal.coef, cal.mean, cal.scale, strict=True)
        ]
        parts = ", ".join(
            f"{f} {r['features'][f]:.2f} ({t:+.2f})"
            for f, t in zip(cal.features, terms, strict=True)
        )
        print(f"- {r['zoo']}/{r['name']} depth {r['depth']}: p {p:.2f}; {parts}")
    print("\n| depth | clean: n, tab_mass_group range, flagged | target 0 | target 1 |")
    print("|---|---|---|---|")
    by = defaultdict(lambda: defaultdict(list))
    for r in rows:
        kind = "clean" if not r["backdoored"] else f"t{r['target']}"
        by[r["depth"]][kind].append(
            (r["features"]["tab_mass_group"], cal.probability(r["features"]))
        )
    for depth in sorted(by):
        cells = []
        for kind in ("clean", "t0", "t1"):
            v = by[depth][kind]
            if not v:
                cells.append("–")
                continue
            g = [a for a, _ in v]
            flag = sum(p >= 0.5 for _, p in v)
            cells.append(f"{len(v)}, {min(g):.2f}–{max(g):.2f}, {flag} flagged")
        print(f"| {depth} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
