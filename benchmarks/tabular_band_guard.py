"""Stop 48's refitted tree band calibrators with a range guard (issue 16 stop 49).

Stop 48's candidate (``tabular_s48a/calibration_band.json``: the XGBoost and LightGBM
``rows200`` entries refitted on 426 development readings) met its rule on fresh zoos but turned a
user-made XGBoost model's p 0.997 into 0.003: its ``tab_major_recur_lead`` lay far outside every
development reading. The guard (:mod:`trojanscope.detect.calibration_range`): each refitted
entry records the range of each feature it reads over its fitting readings, and a reading
outside it is scored by ``<key>:out-of-range``, today's shipped band entry, with a note.

``--write OUT --candidate CAL --rows DEV.json`` writes CAL with each ``tree:*:rows200`` entry's
``fitted_on.range`` (min and max over DEV's readings of that family: the readings it was fitted
on) and the shipped entry as its ``:out-of-range`` calibrator; ``--families`` keeps only the
listed families' refitted entries (the others as shipped). ``--lozo OUT --rows LOZO.json``
reads rows whose p is the candidate's held out one zoo at a time
(``tabular_band_refit.py --lozo``) and writes them with the guard applied one zoo out too: the
range from the other zoos' readings, today's shipped band entry's p outside it; it prints how
many readings fell outside, per family. ``--probe CAL... --users USER.json`` scores the
user-made models' recorded 200-row features (``tabular_band_user_models.py --json``) by each
file's band entry through the guard (the library from the model's name). ``--flips USER.json...
--candidate CAL`` prints the user-made models right under the shipped file and wrong under CAL
(the plan's rule 6). ``--outside CAL --count-rows ROWS...`` lists the readings outside CAL's
guarded ranges.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_band_guard.py --write OUT.json \
        --candidate benchmarks/data/tabular_s48a/calibration_band.json --rows DEV_LOZO.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_band_guard.py --lozo OUT.json \
        --rows DEV_LOZO.json
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from trojanscope.detect.calibration import load_calibrators, save_calibrators
from trojanscope.detect.calibration_range import OUT_OF_RANGE, beyond, guarded_probability, outside

GUARDED = ("tree:xgboost", "tree:lightgbm")
BAND = "rows200"


def key_of(family: str) -> str:
    return f"tabular-search:{family}:{BAND}"


def ranges(rows: list[dict], features: list[str]) -> dict[str, list[float]]:
    """``{feature: [min, max]}`` over ``rows``."""
    return {f: [min(r["features"][f] for r in rows), max(r["features"][f] for r in rows)]
            for f in features}


def write(candidate: Path, rows: list[dict], out: Path, families: list[str]) -> None:
    """``candidate`` with ranges on its ``families``' entries and the shipped entries as their
    fallbacks; the other guarded families' band entries as shipped."""
    cals = load_calibrators(candidate)
    shipped = load_calibrators()
    for fam in GUARDED:
        key = key_of(fam)
        if fam not in families:
            cals[key] = shipped[key]
            print(f"{key}: as shipped")
            continue
        sub = [r for r in rows if r["base_family"] == fam]
        cals[key].fitted_on["range"] = ranges(sub, cals[key].features)
        fallback = shipped[key]
        cals[f"{key}:{OUT_OF_RANGE}"] = type(fallback)(**{**asdict(fallback),
                                                          "method": f"{key}:{OUT_OF_RANGE}"})
        print(f"{key}: range over {len(sub)} readings {cals[key].fitted_on['range']}")
    save_calibrators(cals, out)
    load_calibrators(out)  # the written file loads
    print(f"wrote {out}")


def lozo(rows: list[dict], out: Path, families: list[str]) -> None:
    """Rows with the guard applied one zoo out (p as given inside, the shipped entry's outside);
    the other guarded families' rows with the shipped entry's p."""
    shipped = load_calibrators()
    new = []
    fell: dict[str, list[str]] = {fam: [] for fam in families}
    for r in rows:
        fam = r["base_family"]
        if fam not in GUARDED:
            new.append(r)
            continue
        key = key_of(fam)
        if fam not in families:
            new.append({**r, "probability": shipped[key].probability(r["features"])})
            continue
        others = [o for o in rows if o["base_family"] == fam and o["zoo"] != r["zoo"]]
        if beyond(FEATURES[fam], ranges(others, FEATURES[fam]), r["features"]):
            fell[fam].append(f"{r['zoo']}/{r['name']}")
            new.append({**r, "probability": shipped[key].probability(r["features"])})
        else:
            new.append(r)
    for fam, names in fell.items():
        n = sum(r["base_family"] == fam for r in rows)
        print(f"{fam}: {len(names)} of {n} readings outside the other zoos' range "
              f"(scored by the shipped entry): {', '.join(names) or '-'}")
    out.write_text(json.dumps({"params": {"guard": "lozo"}, "rows": new}, indent=1))
    print(f"wrote {out}")


def probe(readings: Path, files: list[Path]) -> None:
    """Each 200-row reading of ``tabular_band_user_models.py --json`` (its recorded band
    features, the shipped file's row) scored by each file's band entry through the guard."""
    got = [r for r in json.loads(readings.read_text())["readings"]
           if r["rows"] == 200 and r["calibration"] == "shipped"]
    for path in files:
        cals = load_calibrators(path)
        for r in got:
            fam = "tree:xgboost" if "xgb" in r["model"] else "tree:lightgbm"
            p = guarded_probability(key_of(fam), cals, r["features"])
            right = (p >= 0.5) == r["backdoored"]
            print(f"{path.name} {r['model']} ({'backdoored' if r['backdoored'] else 'clean'}): "
                  f"p {p:.3f} {'right' if right else 'WRONG'}")


def flips(files: list[Path], candidate: str) -> None:
    """Rule 6: user-made models (``tabular_band_user_models.py --json`` files) right under the
    shipped file and wrong under ``candidate`` (a ``--calibration`` value as given), at 200
    rows."""
    got = [{**r, "model": f"{f.stem}:{r['model']}" if len(files) > 1 else r["model"]}
           for f in files for r in json.loads(f.read_text())["readings"] if r["rows"] == 200]
    by = {(r["model"], r["calibration"]): r for r in got}
    models = sorted({r["model"] for r in got})
    lost = [m for m in models if by[(m, "shipped")]["right"] and not by[(m, candidate)]["right"]]
    gained = [m for m in models
              if not by[(m, "shipped")]["right"] and by[(m, candidate)]["right"]]
    right = sum(by[(m, candidate)]["right"] for m in models)
    base = sum(by[(m, "shipped")]["right"] for m in models)
    print(f"{candidate}: right {right}/{len(models)} (shipped {base}/{len(models)}); right under "
          f"the shipped file and wrong under it: {', '.join(lost) or 'none'}; the other way: "
          f"{', '.join(gained) or 'none'}")


def count_outside(path: Path, files: list[Path]) -> None:
    """How many readings of ``files`` (``tabular_small_clean.py`` rows) lie outside the range
    of their band entry in calibration file ``path`` (scored by its ``:out-of-range`` one)."""
    cals = load_calibrators(path)
    seen = fell = 0
    for f in files:
        for r in json.loads(f.read_text())["rows"]:
            fam = r.get("base_family") or r["family"].removesuffix(f":{BAND}")
            cal = cals.get(key_of(fam))
            if cal is None or "range" not in cal.fitted_on:
                continue
            seen += 1
            far = outside(cal, r["features"])
            if far:
                fell += 1
                print(f"{f.name} {r['zoo']}/{r['name']}: " + ", ".join(
                    f"{n} {v:.3g} (range {lo:.3g} to {hi:.3g})" for n, v, lo, hi in far))
    print(f"{path.name}: {fell} of {seen} readings with a guarded entry lie outside its range")


# the features the candidate's designs read (tabular_s48a: mass + box + recur_lead; mass + box +
# box_over)
FEATURES = {"tree:xgboost": ["tab_mass", "tab_box", "tab_major_recur_lead"],
            "tree:lightgbm": ["tab_mass", "tab_box", "tab_box_over"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=Path, default=None)
    ap.add_argument("--probe", nargs="+", type=Path, default=None, metavar="CAL",
                    help="score --users' 200-row readings with these calibration files")
    ap.add_argument("--users", type=Path, default=None)
    ap.add_argument("--outside", type=Path, default=None, metavar="CAL",
                    help="count --count-rows readings outside CAL's guarded ranges")
    ap.add_argument("--count-rows", nargs="+", type=Path, default=[])
    ap.add_argument("--flips", nargs="+", type=Path, default=None, metavar="USER.json",
                    help="rule 6: models right as shipped and wrong under --candidate")
    ap.add_argument("--write", type=Path, default=None)
    ap.add_argument("--candidate", type=Path, default=None)
    ap.add_argument("--lozo", type=Path, default=None)
    ap.add_argument("--families", default=",".join(GUARDED),
                    help="the refitted families kept (comma); the others as shipped")
    args = ap.parse_args()
    if args.outside is not None:
        count_outside(args.outside, args.count_rows)
        return
    if args.flips is not None:
        if args.candidate is None:
            raise SystemExit("error: --flips needs --candidate")
        flips(args.flips, str(args.candidate))
        return
    if args.probe is not None:
        if args.users is None:
            raise SystemExit("error: --probe needs --users")
        probe(args.users, args.probe)
        return
    if args.rows is None:
        raise SystemExit("error: give --rows")
    rows = json.loads(args.rows.read_text())["rows"]
    families = [f for f in args.families.split(",") if f]
    if any(f not in GUARDED for f in families):
        raise SystemExit(f"error: --families takes {', '.join(GUARDED)}")
    if args.write is not None:
        if args.candidate is None:
            raise SystemExit("error: --write needs --candidate")
        write(args.candidate, rows, args.write, families)
    elif args.lozo is not None:
        lozo(rows, args.lozo, families)
    else:
        raise SystemExit("error: give --write or --lozo")


if __name__ == "__main__":
    main()
