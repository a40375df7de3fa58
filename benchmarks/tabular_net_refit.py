"""The networks' calibrators refitted on every development zoo, one zoo out (issue 16 stop 55).

The shipped whole-split ``network`` calibrator was fitted on eight early zoos (``tab-cal`` ...
``tab-fresh2``) and the 200-row ``network:twins:rows200`` one on ``tab-fresh23``-``25``; since
then every stop has read development zoos of today's recipe (credit-default and lending-club,
four libraries, conjunctions), whose rows are committed with their features. This script pools
such readings of networks (``tabular_small_clean.py --detect`` rows, ``tabular_class1_probe.py``
rows, or ``zoo eval --json`` rows given as ``FILE=ZOO``), scores them with today's calibrator
of their size, and with each design (features, transform, C) fitted on every zoo but one and
scored on the held-out zoo, for every zoo in turn. Per design: pooled, per table and per
family (table x target, with the table's clean networks): ROC-AUC / cross-entropy, clean
flagged, caught, target right among the flagged; the worst family by cross-entropy.
``--write`` writes a calibration file: the shipped one with the size's network entry refitted
on every row given.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_net_refit.py --size whole \
        --rows ROWS.json EVAL.json=tab-fresh31 ... [--designs NAME,...] [--cs 0.1,1,10]
    PYTHONPATH=src:benchmarks python benchmarks/tabular_net_refit.py --size 200 --rows ... \
        --write calibration.json --fit "DESIGN|TRANSFORM|C" [--key tabular-search:network:sure]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_class1_lozo import line, table_of
from tabular_size_calibrate import held_out, network_target
from trojanscope.detect.calibration import fit_calibrator, load_calibrators, save_calibrators
from trojanscope.detect.calibration_range import guarded_probability
from trojanscope.detect.coverage import count_traits

KEYS = {"whole": "tabular-search:network", "200": "tabular-search:network:twins:rows200"}
# the designs compared; the shipped ones first (their features as the shipped file holds them)
DESIGNS = {
    "whole": {
        "excess + gap + flip_2": ["tab_excess", "tab_excess_gap", "tab_flip_2"],
        "gap": ["tab_excess_gap"],
        "excess + gap": ["tab_excess", "tab_excess_gap"],
        "gap + flip_2": ["tab_excess_gap", "tab_flip_2"],
        "excess + gap + flip_2 + score": ["tab_excess", "tab_excess_gap", "tab_flip_2",
                                          "tab_score"],
        # the sure rows' excess (read with ``-p sure_order=1`` only; issue 16 stop 50)
        "excess + gap + flip_2 + sure": ["tab_excess", "tab_excess_gap", "tab_flip_2",
                                         "tab_excess_sure"],
        "gap + flip_2 + sure": ["tab_excess_gap", "tab_flip_2", "tab_excess_sure"],
        "excess + gap + flip_2 + sure + sure_flip": ["tab_excess", "tab_excess_gap",
                                                     "tab_flip_2", "tab_excess_sure",
                                                     "tab_excess_flip"],
        # how natural the best trigger's values are (issue 16 stop 70; M70 reads both)
        "excess + gap + flip_2 + sure + enrichment": ["tab_excess", "tab_excess_gap",
                                                      "tab_flip_2", "tab_excess_sure",
                                                      "tab_enrichment"],
        "excess + gap + flip_2 + sure + score": ["tab_excess", "tab_excess_gap", "tab_flip_2",
                                                 "tab_excess_sure", "tab_score"],
        "excess + gap + flip_2 + sure + enrichment + sure_flip": [
            "tab_excess", "tab_excess_gap", "tab_flip_2", "tab_excess_sure", "tab_enrichment",
            "tab_excess_flip"],
        "gap + flip_2 + sure + enrichment": ["tab_excess_gap", "tab_flip_2", "tab_excess_sure",
                                             "tab_enrichment"],
    },
    "200": {
        "excess + vs_twins": ["tab_excess", "tab_excess_vs_twins"],
        "excess + gap + vs_twins": ["tab_excess", "tab_excess_gap", "tab_excess_vs_twins"],
        "gap + vs_twins": ["tab_excess_gap", "tab_excess_vs_twins"],
        "excess + vs_twins + vs_gap": ["tab_excess", "tab_excess_vs_twins",
                                       "tab_excess_vs_twins_gap"],
        "gap + vs_twins + vs_gap": ["tab_excess_gap", "tab_excess_vs_twins",
                                    "tab_excess_vs_twins_gap"],
        "excess + gap + vs_twins + vs_gap": ["tab_excess", "tab_excess_gap",
                                             "tab_excess_vs_twins", "tab_excess_vs_twins_gap"],
    },
}


def load(specs: list[str], size: str, order: str = "linear") -> list[dict]:
    """Network readings of ``specs`` (``FILE`` or ``FILE=ZOO``) at ``size``, one per (zoo,
    model, draw): a later file's duplicate is refused. Each whole-split row's suspected target
    is ``order``'s: ``linear``, the default's (a reading taken with ``sure_order`` is put back
    in the linear order), or ``sure``, the order ``-p sure_order=1`` reads (stop 56)."""
    out, seen = [], set()
    for spec in specs:
        path, _, zoo = spec.partition("=")
        data = json.loads(Path(path).read_text())
        rows = data["rows"] if isinstance(data, dict) else data
        for r in rows:
            fam = r.get("family") or "network"
            if not fam.startswith("network") or r.get("arch", "mlp") != "mlp":
                continue
            if str(r.get("size", "whole")) not in (size, "100000" if size == "whole" else size):
                continue
            r = {**r, "zoo": zoo or r["zoo"], "base_family": "network"}
            key = (r["zoo"], r["name"], r.get("draw", 0))
            if key in seen:
                raise SystemExit(f"error: {key} read twice ({path})")
            seen.add(key)
            if size == "whole" and r.get("classes"):  # the default (linear) order, or sure
                r["predicted_target"] = network_target(r, order)
            r["table"] = r.get("table") or table_of(r["zoo"])
            out.append(r)
    return out


def check(rows: list[dict], feats: list[str]) -> None:
    """Refuse a design whose features some rows lack (one error line)."""
    missing = sorted({f for r in rows for f in feats if f not in r["features"]})
    if missing:
        raise SystemExit(f"error: {sum(any(f not in r['features'] for f in feats) for r in rows)}"
                         f" readings lack {', '.join(missing)} (read without the option?)")


def ce(rows: list[dict], p: list[float]) -> float:
    y = np.array([int(r["backdoored"]) for r in rows])
    q = np.clip(np.array(p), 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def report(name: str, rows: list[dict], p: list[float]) -> None:
    """Pooled, per table and per family (table x target) lines; the worst family by CE."""
    print(f"{name}: pooled {line(rows, p)}")
    worst = []
    for table in ("credit-default", "lending-club"):
        idx = [i for i, r in enumerate(rows) if r["table"] == table]
        if not idx:
            continue
        print(f"  {table} ({len({rows[i]['zoo'] for i in idx})} zoos): "
              f"{line([rows[i] for i in idx], [p[i] for i in idx])}")
        for t in sorted({r["target"] for r in rows if r["target"] is not None}):
            fam = [i for i in idx if rows[i]["target"] in (None, t)]
            if any(rows[i]["backdoored"] for i in fam):
                sub, q = [rows[i] for i in fam], [p[i] for i in fam]
                print(f"    target {t}: {line(sub, q)}")
                worst.append((ce(sub, q), f"{table} mlp target {t}"))
    if worst:
        print(f"  worst family: {max(worst)[1]} (CE {max(worst)[0]:.3f})")


def write(rows: list[dict], size: str, spec: str, out: Path, key: str | None = None) -> None:
    """The shipped calibrators with ``key`` (default ``KEYS[size]``) refitted on every row
    (``DESIGN|T|C``); another key is added beside the shipped ones (stop 56's
    ``tabular-search:network:sure``)."""
    name, transform, c = spec.split("|")
    if name not in DESIGNS[size]:
        raise SystemExit(f"error: unknown design {name!r}")
    feats = DESIGNS[size][name]
    check(rows, feats)
    cals = load_calibrators(out) if out.exists() else load_calibrators()
    key = key or KEYS[size]
    if not key.startswith(KEYS[size].split(":rows")[0].split(":twins")[0]):
        raise SystemExit(f"error: --key {key!r} is not a network key of this size")
    cals[key] = fit_calibrator(
        key, [r["features"] for r in rows], [int(r["backdoored"]) for r in rows], feats,
        transform=transform, c=float(c), seed=0, design=name,
        zoo=sorted({r["zoo"] for r in rows}),
        sizes=[200] if size == "200" else ["whole"],
        models=len({(r["zoo"], r["name"]) for r in rows}),
        coverage=count_traits({(r["zoo"], r["name"]): r.get("traits", [])
                               for r in rows}.values()),
        tables={t: sum(r["table"] == t for r in rows) for t in sorted({r["table"] for r in rows})})
    save_calibrators(cals, out)
    print(f"{key}: {name}, {transform}, C = {c} on {len(rows)} readings "
          f"({sum(int(r['backdoored']) for r in rows)} backdoored); wrote {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True, help="FILE or FILE=ZOO")
    ap.add_argument("--size", choices=tuple(KEYS), required=True)
    ap.add_argument("--designs", default="",
                    help="comma-separated names (default: every design the rows feed)")
    ap.add_argument("--transforms", default="log,none")
    ap.add_argument("--cs", default="0.1,1,10")
    ap.add_argument("--write", type=Path, default=None)
    ap.add_argument("--fit", default=None, metavar="DESIGN|TRANSFORM|C")
    ap.add_argument("--key", default=None,
                    help="--write: the entry written (default the size's network key)")
    ap.add_argument("--order", choices=("linear", "sure"), default="linear",
                    help="whole split: the networks' target order (sure: -p sure_order=1's)")
    args = ap.parse_args()
    rows = load(args.rows, args.size, args.order)
    zoos = sorted({r["zoo"] for r in rows})
    print(f"{len(rows)} readings of {len({(r['zoo'], r['name']) for r in rows})} networks, "
          f"{len(zoos)} zoos: {' '.join(zoos)}")
    if args.write is not None:
        if not args.fit:
            raise SystemExit("error: --write needs --fit DESIGN|TRANSFORM|C")
        write(rows, args.size, args.fit, args.write, args.key)
        return
    names = (args.designs.split(",") if args.designs else  # default: those the rows feed
             [n for n, f in DESIGNS[args.size].items()
              if all(k in r["features"] for r in rows for k in f)])
    unknown = [n for n in names if n not in DESIGNS[args.size]]
    if unknown:
        raise SystemExit(f"error: unknown design {unknown[0]!r} (known: "
                         f"{', '.join(DESIGNS[args.size])})")
    for name in names:
        check(rows, DESIGNS[args.size][name])
    shipped = load_calibrators()
    report("today's calibrator", rows,
           [guarded_probability(KEYS[args.size], shipped, r["features"]) for r in rows])
    for name in names:
        for transform in args.transforms.split(","):
            for c in (float(v) for v in args.cs.split(",")):
                p = held_out(rows, DESIGNS[args.size][name], transform, c, hold="zoo")
                report(f"{name}|{transform}|{c:g} one zoo out", rows, list(p))


if __name__ == "__main__":
    main()
