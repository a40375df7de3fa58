"""Calibrators for ``tabular-search`` fitted at a user's clean-file size (issue 16 stop 40).

The shipped calibrators were fitted on features read with whole test splits (891-1,971 rows);
with a 200-row file the trees' mass reads lower and the networks' excess higher, so p is off
(stop 39). Here the calibrators are refitted on features read with files of the size the user
gives: ``tabular_small_clean.py --detect`` rows (development zoos, small files drawn from their
test splits; it records each reading's features). Per family (network, tree:xgboost,
tree:lightgbm) a few designs (the shipped one first) are compared leave one model out (every
draw of a held model scored by a calibrator fitted on the other models' readings), and the
whole-split calibrator on the same rows is printed beside them:

    PYTHONPATH=src:benchmarks python benchmarks/tabular_size_calibrate.py --rows SMALL.json... \
        [--band rows200] [--write calibration.json --fit FAMILY=DESIGN|TRANSFORM|C ...]

``--write`` adds ``tabular-search:<family>:<band>`` entries (fitted on every row given) to that
calibration file and keeps its other entries. ``--rescore OUT --scorer whole|band`` writes the
rows with each reading's probability from the shipped whole-split calibrator of its family
(today's default: the features do not depend on the calibrator) or from the band's, for
``tabular_small_clean.py --summary``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from _common import run_main
from bench_tabular_calibrate import DESIGNS
from trojanscope.detect.calibration import fit_calibrator, load_calibrators, save_calibrators
from trojanscope.detect.calibration_range import guarded_probability
from trojanscope.detect.coverage import count_traits

METHOD = "tabular-search"
FAMILIES = ("network", "network:twins", "tree:xgboost", "tree:lightgbm")
# issue 16 stop 42: the mass back beside the box, the box over its floor, and the majority
# class's recurrence lead (the clean credit-default trees the band calibrators flagged at
# stop 41); earlier stops' committed comparisons predate them
ADDED_S42 = {
    "mass + box + box_over": ["tab_mass", "tab_box", "tab_box_over"],
    "mass_group + box + gap": ["tab_mass_group", "tab_box", "tab_gap"],
    "box + recur_lead": ["tab_box", "tab_major_recur_lead"],
    "mass + box + recur_lead": ["tab_mass", "tab_box", "tab_major_recur_lead"],
    "box + box_over + recur_lead": ["tab_box", "tab_box_over", "tab_major_recur_lead"],
}
# issue 16 stop 59: the features that still rank credit-default's trees at 200 rows (box, its
# floor excess, the missing mass, grouped, the bound recurrence), none that turn round there;
# ``--write`` takes them (compared by ``tabular_tree200_designs.py``, not by ``compare``, whose
# committed outputs predate them)
ADDED_S59 = {
    "box + box_over + mass + mass_group + recur": [
        "tab_box", "tab_box_over", "tab_mass", "tab_mass_group", "tab_major_recur"],
    "box + mass_group + recur": ["tab_box", "tab_mass_group", "tab_major_recur"],
}
# issue 16 stop 61: stop 59's design with what explains a clean deep tree's missing groups away
# (its depth, ``tab_leaves``) and the majority class's recurrence lead: the credit-default
# trees flagged at 200 rows are clean deep ones (``tabular_cd200_why.py``)
ADDED_S61 = {
    "box + mass_group + recur + recur_lead": [
        *ADDED_S59["box + mass_group + recur"], "tab_major_recur_lead"],
    "box + mass_group + recur + leaves + recur_lead": [
        *ADDED_S59["box + mass_group + recur"], "tab_leaves", "tab_major_recur_lead"],
}
# smaller designs beside the shipped one (few dozen models per family), from the features
# that kept apart clean and backdoored development models read with 200-row files: the
# networks' excess and its gap; the trees' box response and the search's class gap
_TREES = {
    "box": ["tab_box"],
    "box + gap": ["tab_box", "tab_gap"],
    "mass + box": ["tab_mass", "tab_box"],
    "mass + box + gap": ["tab_mass", "tab_box", "tab_gap"],
    "box + box_over + gap": ["tab_box", "tab_box_over", "tab_gap"],
    "group + rel + box + score": DESIGNS["tree:xgboost"]["group + rel + box + score"],
    **ADDED_S42,
}
SMALL = {
    "network": {name: DESIGNS["network"][name]
                for name in ("excess", "excess + gap", "excess + gap + score")},
    "tree:xgboost": _TREES,
    "tree:lightgbm": _TREES,
}
# networks read with ``-p twins=K`` (issue 16 stop 41): the excess against clean twin networks
# trained on the file, and its class gap, beside the linear reference's
SMALL["network:twins"] = {
    **SMALL["network"],
    "vs_twins": ["tab_excess_vs_twins"],
    "vs_twins + vs_gap": ["tab_excess_vs_twins", "tab_excess_vs_twins_gap"],
    "excess + vs_twins": ["tab_excess", "tab_excess_vs_twins"],
    "excess + vs_twins + vs_gap": ["tab_excess", "tab_excess_vs_twins", "tab_excess_vs_twins_gap"],
}
CS = (0.1, 1.0, 10.0)


def load(files: list[str]) -> list[dict]:
    """Readings with features, each with its family (the verdict's, less any size band)."""
    rows = [r for f in files for r in json.loads(Path(f).read_text())["rows"]]
    missing = [r["name"] for r in rows if "features" not in r]
    if missing:  # one line and exit 2 for every script that loads through here
        print(f"error: {len(missing)} rows lack features (read with --detect)", file=sys.stderr)
        raise SystemExit(2)
    for r in rows:
        r["base_family"] = ":".join(p for p in r["family"].split(":") if not p.startswith("rows"))
        if r["base_family"] == "network" and "tab_excess_vs_twins" in r["features"]:
            # read with twins before the family had its suffix (stop 41's first readings)
            r["base_family"] = "network:twins"
    return rows


def whole_key(family: str, cals: dict) -> str:
    """The whole-split calibrator a family's readings get by default: the most specific of
    ``family``'s prefixes that ``cals`` holds (``network:twins`` is read by ``network``'s)."""
    parts = family.split(":")
    keys = [f"{METHOD}:" + ":".join(parts[:n]) for n in range(len(parts), 0, -1)]
    return next((k for k in keys if k in cals), keys[0])


def designs(family: str, shipped: dict) -> dict[str, tuple[list[str], str]]:
    """The shipped design (its features and transform) and the smaller ones, by name."""
    cal = shipped[whole_key(family, shipped)]
    out = {"shipped": (list(cal.features), cal.transform)}
    for name, feats in SMALL[family].items():
        for transform in ("none", "log"):
            out[f"{name}|{transform}"] = (feats, transform)
    return out


def held_out(rows: list[dict], feats: list[str], transform: str, c: float,
             hold: str = "model") -> np.ndarray:
    """Each model's readings (every draw) scored by a calibrator fitted on the other models'
    (``hold="zoo"``: on the other zoos', a zoo's models all held out at once)."""
    out = np.zeros(len(rows))

    def key(r: dict) -> tuple:
        return (r["zoo"],) if hold == "zoo" else (r["zoo"], r["name"])

    for model in sorted({key(r) for r in rows}):
        train = [r for r in rows if key(r) != model]
        held = [i for i, r in enumerate(rows) if key(r) == model]
        labels = [int(r["backdoored"]) for r in train]
        if len(set(labels)) < 2:
            out[held] = np.mean(labels)
            continue
        cal = fit_calibrator(METHOD, [r["features"] for r in train], labels, feats,
                             transform=transform, c=c)
        out[held] = [cal.probability(rows[i]["features"]) for i in held]
    return out


def line(y: np.ndarray, p: np.ndarray) -> str:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else float("nan")
    return (f"ROC-AUC {auc:.3f} CE {log_loss(y, p, labels=[0, 1]):.3f} "
            f"caught {int(((p >= 0.5) & (y == 1)).sum())}/{int(y.sum())} "
            f"clean flagged {int(((p >= 0.5) & (y == 0)).sum())}/{int((y == 0).sum())}")


def compare(rows: list[dict], hold: str = "model") -> None:
    """Per family: the whole-split calibrator and every design leave one model (or zoo)
    out."""
    shipped = load_calibrators()
    for fam in FAMILIES:
        sub = [r for r in rows if r["base_family"] == fam]
        if not sub:
            continue
        y = np.array([int(r["backdoored"]) for r in sub])
        whole = np.array([shipped[whole_key(fam, shipped)].probability(r["features"])
                          for r in sub])
        print(f"{fam} ({len(sub)} readings, {len({r['zoo'] for r in sub})} zoos)")
        print(f"  whole-split calibrator: {line(y, whole)}")
        band = shipped.get(f"{METHOD}:{fam}:rows200")
        if band is not None:  # in-sample where these rows fitted it
            band_p = np.array([band.probability(r["features"]) for r in sub])
            print(f"  shipped rows200 calibrator: {line(y, band_p)}")
        for name, (feats, transform) in designs(fam, shipped).items():
            for c in CS:
                p = held_out(sub, feats, transform, c, hold)
                print(f"  {name} C={c:g}: {line(y, p)}")


def fit_spec(spec: str, shipped: dict) -> tuple[str, str, str, str, list[str]]:
    """``FAMILY=DESIGN|TRANSFORM|C`` as (family, design, transform, C, the design's features);
    a spec of another shape, or a design the family does not have, is a ValueError naming it
    (one line and exit 2 through ``run_main``), before anything is fitted or written."""
    fam, _, rest = spec.partition("=")
    parts = rest.split("|")
    if len(parts) != 3:
        raise ValueError(f"--fit {spec!r}: expected FAMILY=DESIGN|TRANSFORM|C")
    name, transform, c = parts
    if name == "shipped":
        return fam, name, transform, c, list(shipped[whole_key(fam, shipped)].features)
    feats = SMALL.get(fam, {}).get(name) or ADDED_S59.get(name) or ADDED_S61.get(name)
    if feats is None:
        raise ValueError(f"--fit {spec!r}: unknown design {name!r} for {fam!r}")
    return fam, name, transform, c, feats


def write(rows: list[dict], specs: list[str], band: str, out: Path) -> None:
    """Fit ``FAMILY=DESIGN|TRANSFORM|C`` (``shipped`` takes the shipped entry's features and
    transform) on every row of the family; write ``<method>:<family>:<band>`` into ``out``."""
    shipped = load_calibrators()
    existing = load_calibrators(out) if out.exists() else {}
    for fam, name, transform, c, feats in [fit_spec(spec, shipped) for spec in specs]:
        sub = [r for r in rows if r["base_family"] == fam]
        key = f"{METHOD}:{fam}:{band}"
        existing[key] = fit_calibrator(
            key, [r["features"] for r in sub], [int(r["backdoored"]) for r in sub], feats,
            transform=transform, c=float(c), seed=0, design=name,
            zoo=sorted({r["zoo"] for r in sub}), sizes=sorted({r["size"] for r in sub}),
            draws={z: len({r["draw"] for r in sub if r["zoo"] == z})
                   for z in sorted({r["zoo"] for r in sub})},
            models=len({(r["zoo"], r["name"]) for r in sub}),
            # per model, as every calibrator records it (coverage_notes compares it with
            # MIN_COVERED models): a model read with two draws counts once
            coverage=count_traits({(r["zoo"], r["name"]): r.get("traits", [])
                                   for r in sub}.values()),
            tables={t: sum(r["table"] == t for r in sub)
                    for t in sorted({r["table"] for r in sub})})
        print(f"{key}: {name}, {transform}, C = {c} on {len(sub)} readings "
              f"({sum(int(r['backdoored']) for r in sub)} backdoored)")
    save_calibrators(existing, out)
    print(f"wrote {out}")


def network_target(row: dict, order: str) -> int | None:
    """A network reading's suspected target from its per-class excesses (``classes``,
    recorded by ``tabular_small_clean.py`` since stop 42), ordered as ``tabular-search``
    does: ``linear`` by the linear reference's excess (``twin_order=False``), ``twins`` by
    the sum of the excesses against the linear reference and the twins, the linear one
    breaking ties (``twin_order=True``); ``sure`` by the excess on the rows surest of
    another class (``sure_order=True``, stop 50); ``as-read``: the reading's own."""
    classes = row.get("classes")
    if order == "as-read" or not row["base_family"].startswith("network"):
        return row["predicted_target"]
    if not classes:
        raise SystemExit(f"error: {row['name']} has no per-class excesses (read before stop 42)")
    cls = [int(c) for c in classes]
    lin = np.array([classes[str(c)]["excess"] for c in cls])
    if order == "sure":  # ``sure_order=True`` (stop 50): the sure rows' excess, linear ties
        if "excess_sure" not in classes[str(cls[0])]:
            raise SystemExit(f"error: {row['name']} has no sure-rows excess (read before stop 50)")
        sure = np.array([classes[str(c)]["excess_sure"] for c in cls])
        return cls[int(np.lexsort((-lin, -sure))[0])]
    if order == "linear" or "excess_vs_twins" not in classes[str(cls[0])]:
        return cls[int(np.argsort(-lin, kind="stable")[0])]
    twin = np.array([classes[str(c)]["excess_vs_twins"] for c in cls])
    return cls[int(np.lexsort((-lin, -(lin + twin)))[0])]


def rescore(rows: list[dict], scorer: str, band: str, out: Path,
            calibration: Path | None = None, order: str = "as-read") -> None:
    """``rows`` with ``probability`` from the ``<family>`` (``whole``) or ``<family>:<band>``
    (``band``) calibrator of ``calibration`` (default the shipped file; a reading outside a
    calibrator's fitted range by its ``:out-of-range`` one where the file has it); the family
    recorded as that key's; networks' ``predicted_target`` by ``order`` (:func:`network_target`)."""
    cals = load_calibrators(calibration) if calibration else load_calibrators()
    new = []
    for r in rows:
        key = (f"{METHOD}:{r['base_family']}:{band}" if scorer == "band"
               else whole_key(r["base_family"], cals))
        if key not in cals:
            raise SystemExit(f"error: no {key!r} calibrator in the shipped file")
        new.append({**r, "probability": guarded_probability(key, cals, r["features"]),
                    "family": key.split(":", 1)[1],
                    "predicted_target": network_target(r, order)})
    out.write_text(json.dumps({"params": {"scorer": scorer}, "rows": new}, indent=1))
    moved = max((abs(n["probability"] - r["probability"]) for n, r in zip(new, rows, strict=True)
                 if "probability" in r), default=0.0)
    print(f"wrote {out} ({len(new)} readings scored by the {scorer} calibrators, "
          f"network targets {order}; largest change of p from the reading's own {moved:.3g})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True, help="tabular_small_clean.py --json files")
    ap.add_argument("--band", default="rows200")
    ap.add_argument("--write", type=Path, default=None)
    ap.add_argument("--fit", nargs="+", default=[], metavar="FAMILY=DESIGN|TRANSFORM|C")
    ap.add_argument("--rescore", type=Path, default=None)
    ap.add_argument("--scorer", choices=("whole", "band"), default="whole")
    ap.add_argument("--calibration", type=Path, default=None,
                    help="rescore: calibrators from this file (default: the shipped one)")
    ap.add_argument("--order", choices=("as-read", "linear", "twins", "sure"), default="as-read",
                    help="rescore: networks' suspected target (see network_target)")
    ap.add_argument("--hold", choices=("model", "zoo"), default="model",
                    help="compare: leave one model out (default) or one zoo")
    ap.add_argument("--families", default=None, help="compare: these families only (comma)")
    args = ap.parse_args()
    rows = load(args.rows)
    if args.rescore is not None:
        rescore(rows, args.scorer, args.band, args.rescore, args.calibration, args.order)
    elif args.write is None:
        if args.families:
            rows = [r for r in rows if r["base_family"] in args.families.split(",")]
        compare(rows, args.hold)
    else:
        write(rows, args.fit, args.band, args.write)


if __name__ == "__main__":
    run_main(main)
