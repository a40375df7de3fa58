"""The 200-row band calibrators refitted on several 200-row files per model, one zoo pair out
(issue 16 stop 64, h16).

Stop 63 found that which 200 rows a user holds decides a model's verdict (three files move a
credit-default model's p by a median 0.3), and that clean credit-default networks read high on
every file: an offset of the ``network:twins:rows200`` calibrator, which was fitted on 67
networks of ``tab-fresh23``-``25`` (one file each, before the zoos' architecture variants).
This script pools the committed 200-row readings of today's recipe (every file read per model,
``--rows``; ``tabular_draw_spread.py`` rows give their further draws), scores each with the
shipped file (``tabular_user_rule.scored``: the band entry, its range guard and gap / lever
terms), and with each design of one band entry refitted on every zoo pair but one and scored on
the pair held out, for every pair in turn. Per design: pooled, per table, per table x kind
(ROC-AUC / cross-entropy, caught, clean flagged), the worst family (table x kind x target).
``--write OUT`` writes the shipped file with ``--key``'s entry refitted on every row given
(``--fit "design|transform|C"``; ``--held PAIR`` leaves that pair's rows out of the fit).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s64_h16_band_refit.py \
        --rows R200.json ... --key tabular-search:network:twins:rows200 [--write OUT --fit ...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored
from trojanscope.detect.calibration import fit_calibrator, load_calibrators, save_calibrators
from trojanscope.detect.coverage import count_traits

SHIPPED = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"
# a design's name lists its features' short names, joined by " + "
SHORT = {"excess": "tab_excess", "gap": "tab_excess_gap", "vs_twins": "tab_excess_vs_twins",
         "vs_gap": "tab_excess_vs_twins_gap", "flip_1": "tab_flip_1", "flip_2": "tab_flip_2",
         "flip_3": "tab_flip_3", "flip_max": "tab_flip_max", "score": "tab_score",
         "enrichment": "tab_enrichment", "box": "tab_box", "mass_group": "tab_mass_group",
         "recur": "tab_major_recur", "lead": "tab_major_recur_lead", "mass_rel": "tab_mass_rel",
         "leaves": "tab_leaves", "mass": "tab_mass",  # leaves, mass: stop 72 (LightGBM)
         # the model's feature less its depth twins' (``depth_twins``; stop 73)
         "box_twin": "tab_box_twin", "mass_group_twin": "tab_mass_group_twin",
         "recur_twin": "tab_major_recur_twin", "mass_twin": "tab_mass_twin",
         # the box over more missed leaves (``box_wide``; stop 74), and its development widths
         "box_wide": "tab_box_wide", "major_box_wide": "tab_major_box_wide",
         "major_box": "tab_major_box",
         **{f"{k}{n}": f"tab_{k}{n}" for k in ("box_wide", "major_box_wide")
            for n in (20, 40, 80)}}
NETWORK_DESIGNS = [
    "excess + vs_twins", "vs_twins", "excess + vs_twins + vs_gap", "vs_twins + vs_gap",
    "excess + gap + vs_twins + vs_gap", "excess + vs_twins + flip_2",
    "excess + vs_twins + vs_gap + flip_2", "excess + vs_twins + vs_gap + flip_1",
    "excess + vs_twins + flip_1", "vs_twins + vs_gap + flip_1",
    "excess + vs_twins + vs_gap + flip_1 + flip_2", "excess + vs_twins + vs_gap + flip_2 + flip_3",
    "excess + vs_twins + vs_gap + score", "excess + vs_twins + vs_gap + flip_2 + enrichment",
    "excess + vs_twins + vs_gap + flip_2 + flip_max",
]
# the trees' band entries: the shipped design (stop 48), with the recurrence lead (stop 61's
# RLG design), with the relative mass
TREE_DESIGNS = ["box + mass_group + recur", "box + mass_group + recur + lead",
                "box + mass_group + recur + mass_rel"]
DESIGNS = {"tabular-search:network:twins:rows200": NETWORK_DESIGNS,
           **{f"tabular-search:tree:{lib}:rows200": TREE_DESIGNS
              for lib in ("xgboost", "lightgbm")}}


def features_of(design: str) -> list[str]:
    """A design's features, from its name (``"excess + vs_twins"``)."""
    return [SHORT[part] for part in design.split(" + ")]


def pair_of(zoo: str) -> str:
    """A zoo pair's name: credit-default's zoo and its lending-club twin (``-lc``) together."""
    return zoo.removesuffix("-lc")


def read_rows(paths: list[str]) -> list[dict]:
    """200-row readings: ``tabular_small_clean.py`` rows as they are, ``tabular_draw_spread``
    rows' further independent draws (``kind == "draw"``, ``j >= 1``: its draw 0 is the
    pipeline's reading, given in its own file)."""
    out, seen = [], set()
    for path in paths:
        for r in json.loads(Path(path).read_text())["rows"]:
            if "readings" in r:
                base = {k: v for k, v in r.items() if k != "readings"}
                more = [{**base, **x, "draw": x["j"], "size": 200} for x in r["readings"]
                        if x["kind"] == "draw" and x["j"] >= 1]
            else:
                more = [r]
            for x in more:
                key = (x["zoo"], x["name"], x["draw"])
                if key in seen:
                    raise SystemExit(f"error: {key} read twice ({path})")
                seen.add(key)
                out.append(x)
    return [r for r in out if r["size"] == 200 and r.get("family", "").endswith(":rows200")]


def kind(r: dict) -> str:
    return "mlp" if r["family"].startswith("network") else r["family"].split(":")[1]


def figures(rows: list[dict]) -> str:
    bd = [r for r in rows if r["backdoored"]]
    cl = [r for r in rows if not r["backdoored"]]
    caught = sum(r["probability"] >= 0.5 for r in bd)
    flagged = sum(r["probability"] >= 0.5 for r in cl)
    return (f"{_auc(rows):.3f} / {_ce(rows):.3f}, caught {caught}/{len(bd)}, "
            f"clean flagged {flagged}/{len(cl)}")


def worst(rows: list[dict]) -> str:
    """The family (table x kind x target, with its clean models) of highest cross-entropy."""
    out = []
    for table in sorted({r["table"] for r in rows}):
        for k in sorted({kind(r) for r in rows if r["table"] == table}):
            mine = [r for r in rows if r["table"] == table and kind(r) == k]
            for t in sorted({r["target"] for r in mine if r["backdoored"]}):
                fam = [r for r in mine if not r["backdoored"] or r["target"] == t]
                out.append((_ce(fam), f"{table} {k} target {t}"))
    ce, name = max(out)
    return f"{name} (CE {ce:.3f})"


def report(title: str, rows: list[dict]) -> None:
    print(f"{title}: pooled {figures(rows)}; worst {worst(rows)}")
    for table in sorted({r["table"] for r in rows}):
        mine = [r for r in rows if r["table"] == table]
        parts = [f"{k} {figures([r for r in mine if kind(r) == k])}"
                 for k in sorted({kind(r) for r in mine})]
        print(f"  {table} {figures(mine)} | " + " | ".join(parts))


def per_pair(today: list[dict], got: list[dict]) -> None:
    """Per pair and draw, each table: today's figures and the held-out design's."""
    for pair in sorted({pair_of(r["zoo"]) for r in today}):
        for k in sorted({r["draw"] for r in today if pair_of(r["zoo"]) == pair}):
            for table in sorted({r["table"] for r in today}):
                mine = [r for r in today if (pair_of(r["zoo"]), r["draw"], r["table"])
                        == (pair, k, table)]
                held = [r for r in got if (pair_of(r["zoo"]), r["draw"], r["table"])
                        == (pair, k, table)]
                if mine:
                    print(f"    {pair} draw {k} {table}: today {figures(mine)} | "
                          f"refit {figures(held)}")


def with_entry(key: str, rows: list[dict], features: list[str], transform: str,
               c: float) -> dict:
    """The shipped calibrators with ``key`` refitted on ``rows`` (every reading a row; the
    coverage and tables counted per model)."""
    cals = load_calibrators(SHIPPED)
    old = cals[key]
    traits: dict[tuple[str, str], set[str]] = {}
    for r in rows:  # a model's traits from whichever reading records them
        traits.setdefault((r["zoo"], r["name"]), set()).update(r.get("traits", []))
    models = {(r["zoo"], r["name"]): r["table"] for r in rows}
    cals[key] = fit_calibrator(
        old.method, [r["features"] for r in rows], [int(r["backdoored"]) for r in rows],
        features, transform=transform, c=c, seed=0, design=" + ".join(features),
        sizes=[200], models=len(models), coverage=count_traits(traits.values()),
        tables={t: sum(v == t for v in models.values()) for t in sorted(set(models.values()))},
        zoo=sorted({r["zoo"] for r in rows}))
    return cals


def held_out(key: str, rows: list[dict], features: list[str], transform: str,
             c: float) -> list[dict]:
    """Each pair's rows scored by ``key`` refitted on the other pairs' rows of its family."""
    family = key.removeprefix("tabular-search:")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cal.json"
        for pair in sorted({pair_of(r["zoo"]) for r in rows}):
            train = [r for r in rows if r["family"] == family and pair_of(r["zoo"]) != pair]
            save_calibrators(with_entry(key, train, features, transform, c), path)
            out += scored([r for r in rows if pair_of(r["zoo"]) == pair], path)[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--key", required=True, choices=sorted(DESIGNS))
    ap.add_argument("--designs", default="", help="comma-separated design names (all)")
    ap.add_argument("--cs", default="1,10")
    ap.add_argument("--transforms", default="none")
    ap.add_argument("--write", type=Path)
    ap.add_argument("--fit", help='"design|transform|C" for --write')
    ap.add_argument("--held", default="", help="with --write: a zoo pair left out of the fit")
    ap.add_argument("--per-pair", action="store_true",
                    help="each design's figures per pair and draw beside today's")
    args = ap.parse_args()
    rows = read_rows(args.rows)
    family = args.key.removeprefix("tabular-search:")
    print(f"{len(rows)} readings of {len({(r['zoo'], r['name']) for r in rows})} models, "
          f"{len({pair_of(r['zoo']) for r in rows})} pairs; {args.key}: "
          f"{sum(r['family'] == family for r in rows)} readings")
    if args.write:
        name, transform, c = args.fit.split("|")
        fam = [r for r in rows if r["family"] == family and pair_of(r["zoo"]) != args.held]
        save_calibrators(with_entry(args.key, fam, features_of(name), transform,
                                    float(c)), args.write)
        print(f"wrote {args.write}: {args.key} = {name}, {transform}, C {c}, "
              f"{len(fam)} readings")
        return
    today = scored(rows, SHIPPED)[0]
    mine = [r for r in today if r["family"] == family]
    report("today's shipped file (this family)", mine)
    wanted = [d for d in args.designs.split(",") if d] or list(DESIGNS[args.key])
    for name in wanted:
        for transform in args.transforms.split(","):
            for c in (float(x) for x in args.cs.split(",")):
                got = [r for r in held_out(args.key, rows, features_of(name), transform,
                                           c) if r["family"] == family]
                report(f"{name}, {transform}, C {c:g} (one pair out)", got)
                if args.per_pair:
                    per_pair(mine, got)


if __name__ == "__main__":
    main()
