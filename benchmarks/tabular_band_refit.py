"""The 200-row band calibrators refitted on every development reading (issue 16 stop 48).

``tabular-search`` scores a clean file of 150-300 rows with the ``tabular-search:<family>:rows200``
calibrators: the tree ones were fitted at stop 40 on one zoo pair (``tab-fresh22`` / ``-lc``, 46
readings), the networks' ``network:twins`` one at stop 43 on three (67). Since then 200-row
readings of today's reading path have been committed for ``tab-fresh23`` to ``tab-fresh30``
(both tables). Here each family's band calibrator is refitted on all of them, its design chosen
leave one zoo out (a zoo's models and draws held out together) by stop 44's choice
(``tabular_tree_lozo.allowed``: the lowest cross-entropy of the family among the designs that
in neither table flag more clean models nor have a worse worst family than the shipped band
design refitted the same way); ``--grid`` prints every design and the choice per family.

``--tree-rows`` / ``--network-rows`` name files of which only that group counts (files read
before the networks' current path, ``twin_fit=distil`` since stop 43, give trees only).
Readings are deduplicated by (zoo, model, size, draw), the first file given winning, so a draw
committed by two stops counts once. ``--designs`` fixes a family's design; ``as-shipped`` keeps
its shipped entry (p as shipped, neither refitted nor written). ``--lozo OUT`` writes every
reading with its held-out p, networks' targets in the default ``twin_order`` (for
``tabular_small_clean.py --summary``); ``--shipped OUT`` the same rows with the shipped band
calibrators' p (today's default); ``--out-from N`` keeps zoos ``tab-freshN`` on in both;
``--write CAL`` writes a copy of the shipped calibration file with the refitted entries.
``--where`` reads scored rows as they are: the share of the cross-entropy per table x library
x truth and how often a model's verdict changes between drawn files.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_band_refit.py --rows SCORED.json --where
    PYTHONPATH=src:benchmarks python benchmarks/tabular_band_refit.py --rows SMALL.json... \
        [--tree-rows ...] [--network-rows ...] [--grid] [--designs FAMILY=DESIGN|TRANSFORM|C ...] \
        [--lozo OUT.json] [--shipped OUT.json] [--out-from N] [--write CAL.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from tabular_size_calibrate import SMALL, load, network_target, write
from tabular_tree_lozo import allowed, brief, measures, score
from trojanscope.detect.calibration import SHIPPED as SHIPPED_NAME
from trojanscope.detect.calibration import load_calibrators

FAMILIES = ("network:twins", "tree:xgboost", "tree:lightgbm")
# the shipped rows200 entries' designs (calibration.json: stop 40's trees, stop 43's networks)
SHIPPED = {"network:twins": "excess + vs_twins|none|10",
           "tree:xgboost": "box + box_over + gap|none|10",
           "tree:lightgbm": "box + gap|log|10"}
CS = ("0.1", "1", "10")
# a family given this design keeps the shipped band entry as it is (not refitted)
KEEP = "as-shipped"


def zoo_number(zoo: str) -> int:
    """``tab-fresh26-lc`` -> 26 (the zoo's number in issue 16's series)."""
    return int(zoo.split("-")[1].removeprefix("fresh"))


def dedupe(rows: list[dict]) -> list[dict]:
    """One reading per (zoo, model, size, draw) and family group, the first one given."""
    seen: set[tuple] = set()
    out = []
    for r in rows:
        key = (r["zoo"], r["name"], r["size"], r["draw"])
        if r["base_family"] in FAMILIES and key not in seen:
            seen.add(key)
            out.append(r)
    return out


def choose(rows: list[dict], fam: str, verbose: bool = True) -> str:
    """The family's design, leave one zoo out: lowest CE among the allowed (stop 44's rule)."""
    sub = [r for r in rows if r["base_family"] == fam]
    base_p = score(sub, {fam: SHIPPED[fam]})
    base = measures(sub, base_p)
    if verbose:
        print(f"{fam} shipped {SHIPPED[fam]}: {brief(sub, base_p)}")
    best = (base["ce"], SHIPPED[fam])
    for name in SMALL[fam]:
        for transform in ("none", "log"):
            for c in CS:
                design = f"{name}|{transform}|{c}"
                p = score(sub, {fam: design})
                m = measures(sub, p)
                ok = allowed(m, base)
                if verbose:
                    print(f"  {design}: {brief(sub, p)}{'' if ok else ' (not allowed)'}")
                if ok and m["ce"] < best[0] - 1e-12:
                    best = (m["ce"], design)
    if verbose:
        print(f"chosen {fam}: {best[1]}")
    return best[1]


def held_rows(rows: list[dict], spec: dict[str, str] | None) -> list[dict]:
    """Every reading with its held-out p under ``spec`` (``None``: the shipped band
    calibrators' p, today's default) and the default target order."""
    cals = load_calibrators()
    p = np.array([cals[f"tabular-search:{r['base_family']}:rows200"].probability(r["features"])
                  for r in rows])
    for fam, design in (spec or {}).items():
        if design == KEEP:
            continue
        idx = [i for i, r in enumerate(rows) if r["base_family"] == fam]
        p[idx] = score([rows[i] for i in idx], {fam: design})
    out = []
    for r, pi in zip(rows, p, strict=True):
        order = "twins" if r.get("classes") and r["base_family"] == "network:twins" else "as-read"
        out.append({**r, "probability": float(pi), "family": f"{r['base_family']}:rows200",
                    "predicted_target": network_target(r, order)})
    return out


def where(rows: list[dict]) -> None:
    """Where the cross-entropy of scored rows comes from: its share per table x library x
    (clean, backdoored), flagged / missed counts, and how often a model's verdict changes
    from one drawn file to another (the draw's noise)."""
    n = len(rows)
    cells: dict[tuple, list] = {}
    for r in rows:
        p = min(max(float(r["probability"]), 1e-6), 1 - 1e-6)
        bad = bool(r["backdoored"])
        c = cells.setdefault((r["table"], r["arch"], "backdoored" if bad else "clean"), [0, 0, 0.0])
        c[0] += 1
        c[1] += int((p < 0.5) if bad else (p >= 0.5))
        c[2] += -np.log(p if bad else 1 - p)
    total = sum(c[2] for c in cells.values()) / n
    print(f"{n} readings, CE {total:.3f}; share of the CE (wrong verdicts: clean flagged, "
          "backdoored missed):")
    for key, (k, wrong, ce_sum) in sorted(cells.items(), key=lambda kv: -kv[1][2]):
        print(f"  {' '.join(key)}: {ce_sum / n:.3f} ({100 * ce_sum / n / total:.0f}%), "
              f"wrong {wrong}/{k}")
    by_model: dict[tuple, list] = {}
    for r in rows:
        by_model.setdefault((r["zoo"], r["name"]), []).append(float(r["probability"]))
    multi = [v for v in by_model.values() if len(v) > 1]
    if multi:
        changed = sum(len({p >= 0.5 for p in v}) > 1 for v in multi)
        spread = np.median([max(v) - min(v) for v in multi])
        print(f"models read with more than one file: {len(multi)}; verdict changes between "
              f"files {changed}; median spread of p {spread:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True, help="tabular_small_clean.py --json files")
    ap.add_argument("--where", action="store_true",
                    help="the given rows as scored (their own p): where the CE comes from")
    ap.add_argument("--tree-rows", nargs="*", default=[], help="files whose trees only count")
    ap.add_argument("--network-rows", nargs="*", default=[], help="files whose networks only count")
    ap.add_argument("--grid", action="store_true", help="choose each family's design one zoo out")
    ap.add_argument("--designs", nargs="*", default=[], metavar="FAMILY=DESIGN|TRANSFORM|C")
    ap.add_argument("--lozo", type=Path, default=None, help="rows with held-out p")
    ap.add_argument("--shipped", type=Path, default=None,
                    help="rows with the shipped band calibrators' p (today's default)")
    ap.add_argument("--out-from", type=int, default=0, metavar="N",
                    help="--lozo / --shipped: only zoos tab-freshN and later (fitting sees all)")
    ap.add_argument("--write", type=Path, default=None, help="candidate calibration file")
    args = ap.parse_args()
    if args.where:
        where(load(args.rows))
        return
    rows = dedupe(load(args.rows)
                  + [r for r in load(args.tree_rows) if r["base_family"].startswith("tree")]
                  + [r for r in load(args.network_rows) if r["base_family"] == "network:twins"])
    zoos = sorted({r["zoo"] for r in rows})
    print(f"{len(rows)} readings, {len(zoos)} zoos: " + ", ".join(
        f"{fam} {sum(r['base_family'] == fam for r in rows)}" for fam in FAMILIES))
    spec = dict(SHIPPED)
    for d in args.designs:
        fam, design = d.split("=", 1)
        if fam not in FAMILIES or (design != KEEP and design.split("|")[0] not in SMALL[fam]):
            raise SystemExit(f"error: unknown design {d!r}")
        spec[fam] = design
    if args.grid:
        spec = {fam: choose(rows, fam) for fam in FAMILIES}
    print(f"designs: {spec}")
    def kept(out: list[dict]) -> list[dict]:
        return [r for r in out if zoo_number(r["zoo"]) >= args.out_from]

    if args.lozo is not None:
        args.lozo.write_text(json.dumps({"params": {"lozo": spec},
                                         "rows": kept(held_rows(rows, spec))}, indent=1))
        print(f"wrote {args.lozo}")
    if args.shipped is not None:
        args.shipped.write_text(json.dumps({"params": {"shipped": "rows200"},
                                            "rows": kept(held_rows(rows, None))},
                                           indent=1))
        print(f"wrote {args.shipped}")
    if args.write is not None:
        shipped = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED_NAME
        shutil.copyfile(shipped, args.write)
        write(rows, [f"{fam}={d}" for fam, d in spec.items() if d != KEEP], "rows200", args.write)


if __name__ == "__main__":
    main()
