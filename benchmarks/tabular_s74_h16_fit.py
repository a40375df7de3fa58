"""XGBoost's 200-row band entry refitted with the box read over more missed leaves
(``box_wide``, candidate W74; issue 16 stop 74, h16).

Reads 200-row XGBoost readings of zoos (a reading's file is its draw seed, the number in its
file's name: ``tabular_s72_h16_why.read_files``) and of the README line (``--readme``: rows of
``tabular_s68_h16_readme200.py`` / ``tabular_s74_h16_widths.py --readme``; a README model and
its clean twin of the same seed decade form one group, ``readme562`` for 5620-5629, and a
clean twin is named ``clean-<seed>``), scores them by the shipped file and by
``tabular-search:tree:xgboost:rows200`` refitted on every group but one, for each group in
turn (``tabular_s64_h16_band_refit.held_out``: a design's features, no transform, C). Printed
per design and C as ``tabular_s72_h16_fit.py`` prints (both tables and each, the worst family,
the backdoored readings lost and gained), and the README line apart (its readings flagged, its
clean twins flagged). ``--write OUT --fit "design|C"`` writes the shipped file with the entry
refitted on every reading given (the gap term and every other entry as shipped). ``--stored
FILE ...``: the committed readings of the same models and files by today's default (zoo files
named by draw seed; README files with ``reading == "today"``), against which every default
feature, p and target of the readings given is compared (the largest difference printed).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s74_h16_fit.py --rows R200.json ... \
        --readme README.json ... [--designs "box_wide + mass_group + recur"] [--cs 1,10]
        [--write OUT --fit "box_wide + mass_group + recur|1"]
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import features_of, figures, held_out, pair_of
from tabular_s72_h16_fit import SHIPPED, fit_arguments, report, write_fit
from tabular_s72_h16_why import read_files
from tabular_small_clean import _auc
from tabular_user_rule import scored

KEY = "tabular-search:tree:xgboost:rows200"
FAMILY = KEY.removeprefix("tabular-search:")
CANDIDATE = "box_wide + mass_group + recur"
BOX = "tab_box"  # the term a substitution replaces


def substituted(cals: dict, rows: list[dict], feature: str, key: str = KEY) -> dict:
    """The calibration file ``cals`` (JSON) with ``key``'s ``tab_box`` replaced by ``feature``,
    no label fitted: its weight, the other terms and the intercept kept, and its centre and
    scale set so that over the clean readings of ``rows`` the standardised ``feature`` has the
    mean and spread the standardised ``tab_box`` has (a clean tree reads as it did on
    average; a tree whose wider boxes stand further above a clean tree's than its top ten
    reads higher)."""
    out = copy.deepcopy(cals)
    entry = out[key]
    clean = [r["features"] for r in rows if not r["backdoored"]]
    box = np.asarray([f[BOX] for f in clean])
    wide = np.asarray([f[feature] for f in clean])
    i = entry["features"].index(BOX)
    centre, scale = entry["mean"][i], entry["scale"][i]
    new_scale = scale * float(wide.std()) / float(box.std())
    entry["features"][i] = feature
    entry["scale"][i] = new_scale
    entry["mean"][i] = float(wide.mean()) - (float(box.mean()) - centre) * new_scale / scale
    entry["fitted_on"] = {**entry["fitted_on"], "design": f"{feature} in place of {BOX}, "
                          "centre and scale matched on the clean development readings "
                          "(issue 16 stop 74, W74)", "n_clean_matched": len(clean)}
    return out


def held_substituted(rows: list[dict], feature: str, key: str = KEY) -> list[dict]:
    """Each group's readings scored by the substitution matched on the other groups' clean
    zoo readings (README twins left out of the match: they are the line's own check);
    ``key``: whose band entry (stop 77 reads LightGBM's)."""
    cals = json.loads(SHIPPED.read_text())
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cal.json"
        for group in sorted({pair_of(r["zoo"]) for r in rows}):
            train = [r for r in rows if pair_of(r["zoo"]) != group
                     and not r["zoo"].startswith("readme")]
            path.write_text(json.dumps(substituted(cals, train, feature, key), indent=1))
            out += scored([r for r in rows if pair_of(r["zoo"]) == group], path)[0]
    return out


def readme_rows(paths: list[str]) -> list[dict]:
    """README-line readings as zoo readings: ``zoo`` the seed decade's group (the model and
    its clean twin together), a clean twin's ``name`` ``clean-<seed>``; each read once."""
    out, seen = [], set()
    for path in paths:
        for row in readme_rows_of(json.loads(Path(path).read_text())["rows"]):
            key = (row["zoo"], row["name"], row["draw"])
            if key in seen:
                raise SystemExit(f"error: {key} read twice ({path})")
            seen.add(key)
            out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    fit_arguments(ap, CANDIDATE)
    ap.add_argument("--readme", nargs="*", default=[])
    ap.add_argument("--stored", nargs="*", default=[])
    ap.add_argument("--substitute", default="",
                    help="comma-separated features each put in tab_box's place (no fit)")
    ap.add_argument("--write-substitute", help="FEATURE: --write the substitution, matched "
                    "on every zoo reading given")
    args = ap.parse_args()
    rows = [r for r in read_files(args.rows) + readme_rows(args.readme)
            if r["family"] == FAMILY]
    if args.stored:
        compare(rows, args.stored)
    print(f"{len(rows)} XGBoost readings of {len({(r['zoo'], r['name']) for r in rows})} "
          f"models, {len({pair_of(r['zoo']) for r in rows})} groups")
    if args.write and args.write_substitute:
        zoo = [r for r in rows if not r["zoo"].startswith("readme")]
        cals = substituted(json.loads(SHIPPED.read_text()), zoo, args.write_substitute)
        # a development width's name (tab_box_wide40) is what -p box_wide=40 reads as
        names = cals[KEY]["features"]
        names[names.index(args.write_substitute)] = "tab_box_wide"
        args.write.write_text(json.dumps(cals, indent=1) + "\n")
        print(f"wrote {args.write}: {KEY} with {args.write_substitute} (read as tab_box_wide) "
              f"in place of {BOX}, matched on {sum(not r['backdoored'] for r in zoo)} clean "
              "readings")
        return
    if args.write:
        write_fit(KEY, rows, args.fit, args.write)
        return
    today = scored(rows, SHIPPED)[0]
    report("today's shipped entry", today, today, False)
    line(today)
    box_aucs(today)
    for feature in (f for f in args.substitute.split(",") if f):
        got = held_substituted(rows, feature)
        report(f"{feature} in place of {BOX}, matched (one group out)", today, got,
               args.per_pair)
        line(got)
    for design in (d for d in args.designs.split(",") if d):
        for c in (float(x) for x in args.cs.split(",")):
            got = held_out(KEY, rows, features_of(design), "none", c)
            report(f"{design}, C {c:g} (one group out)", today, got, args.per_pair)
            line(got)


def compare(rows: list[dict], stored: list[str]) -> None:
    """Every default feature, p and target of ``rows`` against the stored readings of the same
    model and file (matched by name and file: a zoo file's draw seed, a README file's index)."""
    zoo = [p for p in stored if "readme" not in Path(p).name]
    line_rows = [r for p in stored if "readme" in Path(p).name
                 for r in json.loads(Path(p).read_text())["rows"] if r.get("reading") == "today"]
    old = {(r["name"], r["draw"]): r for r in read_files(zoo) + readme_rows_of(line_rows)}
    pairs = [(old[(r["name"], r["draw"])], r) for r in rows if (r["name"], r["draw"]) in old]
    worst = max((abs(a["features"][k] - b["features"][k]) for a, b in pairs
                 for k in a["features"]), default=float("nan"))
    moved = max((abs(a["probability"] - b["probability"]) for a, b in pairs),
                default=float("nan"))
    named = sum(a["predicted_target"] != b["predicted_target"] for a, b in pairs)
    print(f"{len(pairs)} of {len(rows)} readings matched to stored ones: largest difference of "
          f"a default feature {worst:.1e}, of p {moved:.1e}; targets differing {named}")


def readme_rows_of(rows: list[dict]) -> list[dict]:
    """:func:`readme_rows`' renaming of rows already read."""
    return [{**r, "zoo": f"readme{int(r['name']) // 10}",
             "name": r["name"] if r["backdoored"] else f"clean-{r['name']}"} for r in rows]


def box_aucs(rows: list[dict]) -> None:
    """Per table and target (the README line apart): how well ``tab_box`` and each wider box
    the readings hold part backdoored from clean readings (ROC-AUC), and the caught ones."""
    names = [k for k in ("tab_box", "tab_box_wide") if all(k in r["features"] for r in rows)]
    groups = {"README line": [r for r in rows if r["zoo"].startswith("readme")]}
    zoo = [r for r in rows if not r["zoo"].startswith("readme")]
    for table in sorted({r["table"] for r in zoo}):
        mine = [r for r in zoo if r["table"] == table]
        for t in sorted({r["target"] for r in mine if r["backdoored"]}):
            groups[f"{table} target {t}"] = [r for r in mine if not r["backdoored"]
                                             or r["target"] == t]
    for name, mine in groups.items():
        if len({r["backdoored"] for r in mine}) == 2:
            parts = [f"{k} {_auc([{**r, 'probability': r['features'][k]} for r in mine]):.3f}"
                     for k in names]
            print(f"  ROC-AUC against the clean readings, {name}: " + ", ".join(parts))


def line(rows: list[dict]) -> None:
    """The README line's readings apart: its backdoors and its clean twins."""
    mine = [r for r in rows if r["zoo"].startswith("readme")]
    if mine:
        print(f"  README line {figures(mine)}")


if __name__ == "__main__":
    main()
