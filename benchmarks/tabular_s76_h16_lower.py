"""What LightGBM's clean 200-row flags share, and a lower-only term that reads them (candidate
V76; issue 16 stop 76, h16).

Reads committed 200-row readings (three files a model; a reading's file is its draw seed:
``tabular_s72_h16_why.read_files``), scored by ``--shipped`` (D).

``why``: credit-default LightGBM readings: how many files each model is flagged on (clean and
by target), the flagged share by tree size (``tab_leaves``) and by file, the 200 rows' class
balance and the model's accuracy on them, the median of each band feature per group (clean
flagged / passed, towards 0 / 1 caught / missed), and which single feature parts the flagged
clean readings from the flagged backdoored ones (ROC-AUC), with how many flagged clean readings
lie beyond every flagged backdoored reading on it.

``dev``: the lower-only term fitted one zoo pair out and in-sample, for each design (features),
C and margin: a logistic score of "backdoored" fitted on the LightGBM readings D flags (both
tables), and a drop of ``min(most, slope x (start - score))`` logits where the score is under
``start``, the lowest flagged backdoored development reading's score less ``margin``. Printed:
clean readings lowered under 0.5, backdoored readings lowered under 0.5 and models lost,
credit-default LightGBM ROC-AUC / CE, and how close the held-out flagged backdoored readings
came to the start.

``write``: the shipped file with the term (``--designs``' first, ``--cs``, ``--margins``)
fitted on every reading given (``--out``).

``rule``: the fresh judgement (``benchmarks/data/tabular_s76_h16/plan.md``): the readings of
``--file0`` ... ``--file2`` (models read on all three) scored by ``--shipped`` (D) and
``--candidate`` (C, which may differ from D in the ``:clean-look`` entry alone), the nine
conditions printed met or not, and how close the fresh readings came to the term's start.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s76_h16_lower.py why --rows R200.json...
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s76_h16_lower.py dev --rows ... \
        --designs "box + recur + lead" --cs 1 --margins 0.5
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s76_h16_lower.py rule --rows - \
        --candidate V76.json --shipped BEFORE.json --file0 R.json... --file1 ... --file2 ... \
        --whole W.json... --readme A.json B.json
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import kind, pair_of
from tabular_s64_h16_rule import CD, LC, SHIPPED, rows_of, show
from tabular_s67_h16_rule import verdict
from tabular_s70_h16_rule import figures, flagged_clean, key
from tabular_s72_h16_rule import (
    band_scored,
    caught,
    models_lost,
    readme_both,
    rule_arguments,
    rule_inputs,
    target_and_worst,
)
from tabular_s72_h16_why import read_files
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored
from trojanscope.detect.calibration import (
    Calibrator,
    fit_calibrator,
    load_calibrators,
    save_calibrators,
)
from trojanscope.detect.tabular_clean_look import TERM, looked_probability

ENTRY = "tabular-search:tree:lightgbm:rows200"
TERM_KEY = f"{ENTRY}:{TERM}"
FAMILY = ENTRY.removeprefix("tabular-search:")
SHOWN = ("tab_leaves", "tab_box", "tab_mass_group", "tab_major_recur", "tab_major_recur_lead",
         "tab_major_flip_1", "tab_mass", "tab_mass_rel", "tab_major_group")
# short names of the designs' features (the band features a LightGBM 200-row reading records)
NAMES = {"box": "tab_box", "mass_group": "tab_mass_group", "recur": "tab_major_recur",
         "lead": "tab_major_recur_lead", "flip": "tab_major_flip_1", "leaves": "tab_leaves",
         "mass": "tab_mass", "mass_rel": "tab_mass_rel", "major_group": "tab_major_group",
         "major_group_rel": "tab_major_group_rel", "box_over": "tab_box_over",
         "flip_2": "tab_flip_2", "major_box": "tab_major_box", "gap": "tab_gap",
         "score": "tab_major_score", "enrichment": "tab_enrichment",
         "box_wide": "tab_box_wide", "major_box_wide": "tab_major_box_wide"}
MARGIN, SLOPE, MOST, C = 0.5, 20.0, 4.0, 1.0


def features_of(design: str) -> list[str]:
    return [NAMES[p.strip()] for p in design.split("+")]


def lgbm(rows: list[dict], table: str | None = None) -> list[dict]:
    return [r for r in rows if kind(r) == "lightgbm" and table in (None, r["table"])]


def group(r: dict) -> str:
    hit = r["probability"] >= 0.5
    if not r["backdoored"]:
        return "clean flagged" if hit else "clean passed"
    return f"towards {r['target']} {'caught' if hit else 'missed'}"


def why(rows: list[dict]) -> None:
    cd = lgbm(rows, CD)
    print(f"credit-default LightGBM 200-row readings: {len(cd)}")
    files: dict[tuple[str, str], list[dict]] = {}
    for r in cd:
        files.setdefault((r["zoo"], r["name"]), []).append(r)
    for name, sel in (("clean", lambda v: not v[0]["backdoored"]),
                      ("towards 0", lambda v: v[0]["backdoored"] and v[0]["target"] == 0),
                      ("towards 1", lambda v: v[0]["backdoored"] and v[0]["target"] == 1)):
        for deep in (False, True):
            got = [v for v in files.values() if sel(v)
                   and (v[0]["features"]["tab_leaves"] > 3.5) == deep]
            n = Counter(sum(x["probability"] >= 0.5 for x in v) for v in got)
            print(f"  {name} models, {'deep (tab_leaves > 3.5)' if deep else 'shallow'}: "
                  f"{len(got)}, flagged on 0/1/2/3 of their files: "
                  f"{'/'.join(str(n[k]) for k in range(4))}")
    print("median per group (n1 = the file's class-1 rows; acc = the model's accuracy on them):")
    print("  " + " ".join(f"{f.removeprefix('tab_'):>12s}" for f in SHOWN)
          + "     n1    acc  group")
    for g in ("clean flagged", "clean passed", "towards 0 caught", "towards 0 missed",
              "towards 1 caught", "towards 1 missed"):
        got = [r for r in cd if group(r) == g]
        if not got:
            continue
        med = [np.median([float(r["features"][f]) for r in got]) for f in SHOWN]
        n1 = np.median([r["others"][0] for r in got])
        acc = np.median([sum(r["sources"]) / r["size"] for r in got])
        named = Counter(r["predicted_target"] for r in got)
        print("  " + " ".join(f"{m:12.3f}" for m in med) + f" {n1:6.0f} {acc:6.3f}  {g} "
              f"({len(got)}; named 0 {named[0]}, 1 {named[1]})")
    print("clean readings flagged per file (zoo, draw seed):")
    per: dict[tuple[str, int], list[bool]] = {}
    for r in cd:
        if not r["backdoored"]:
            per.setdefault((r["zoo"], r["draw"]), []).append(r["probability"] >= 0.5)
    print("  " + "; ".join(f"{z} {d} {sum(v)}/{len(v)}" for (z, d), v in sorted(per.items())))
    flagged = [r for r in lgbm(rows) if r["probability"] >= 0.5]
    cl = [r for r in flagged if not r["backdoored"] and r["table"] == CD]
    bd = [r for r in flagged if r["backdoored"]]
    print(f"flagged readings: clean credit-default {len(cl)}, backdoored (both tables) {len(bd)}; "
          "per feature, ROC-AUC backdoored against clean (all; towards 0; towards 1) and the "
          "flagged clean readings below / above every flagged backdoored one:")
    names = sorted(set.intersection(*[set(r["features"]) for r in flagged]) - {"calibrated"})
    out = []
    for f in names:
        a = [_auc([{**r, "probability": float(r["features"][f])} for r in cl + [
            b for b in bd if t in (None, b["target"])]]) for t in (None, 0, 1)]
        b = np.asarray([float(r["features"][f]) for r in bd])
        c = np.asarray([float(r["features"][f]) for r in cl])
        out.append((abs(a[0] - 0.5), f, a, int((c < b.min()).sum()), int((c > b.max()).sum())))
    for _, f, a, lo, hi in sorted(out, reverse=True)[:16]:
        print(f"  {f:24s} {a[0]:.3f}; {a[1]:.3f}; {a[2]:.3f}   below {lo}, above {hi}")


def fit_look(rows: list[dict], features: list[str], c: float = C, margin: float = MARGIN,
             slope: float = SLOPE, most: float = MOST) -> Calibrator:
    """The clean-look term fitted on the LightGBM readings of ``rows`` that D flags (both
    tables): a logistic score of "backdoored", its start the lowest flagged backdoored
    reading's score less ``margin``."""
    hit = [r for r in lgbm(rows) if r["probability"] >= 0.5]
    term = fit_calibrator(TERM_KEY, [r["features"] for r in hit],
                          [int(r["backdoored"]) for r in hit], features, transform="none", c=c)
    low = min(term.logit(r["features"]) for r in hit if r["backdoored"])
    term.fitted_on.update({
        "start": low - margin, "lowest_backdoor": low, "reads_from": 0.5, "margin": margin,
        "slope": slope, "most": most, "sizes": [200], "zoo": sorted({r["zoo"] for r in hit}),
        "n_clean": sum(not r["backdoored"] for r in hit),
        "design": "clean-look term (issue 16 stop 76, h16, V76): a logistic score of "
                  "backdoored against clean on the LightGBM 200-row development readings the "
                  "shipped file flags; -min(most, slope x (start - score)) logits where the "
                  "score is under start = the lowest flagged backdoor's score - margin"})
    return term


def lowered(rows: list[dict], term: Calibrator) -> list[dict]:
    """``rows`` (scored by D) lowered by ``term`` where it reads (LightGBM's band readings)."""
    return [{**r, "probability": looked_probability(ENTRY, {TERM_KEY: term}, r["features"],
                                                    r["probability"])}
            if r.get("family") == FAMILY else r for r in rows]


def turned(d: list[dict], c: list[dict]) -> str:
    """Clean and backdoored readings C turned under 0.5; backdoored models lost."""
    cl = sum(not a["backdoored"] and a["probability"] >= 0.5 > b["probability"]
             for a, b in zip(d, c, strict=True))
    bd = sum(a["backdoored"] and a["probability"] >= 0.5 > b["probability"]
             for a, b in zip(d, c, strict=True))
    return f"clean lowered under 0.5 {cl}, backdoored {bd}, lost {models_lost(d, c) or 'none'}"


def dev(rows: list[dict], designs: list[str], cs: list[float], margins: list[float]) -> None:
    rows = sorted(rows, key=key)
    trees = lgbm(rows)
    pairs = sorted({pair_of(r["zoo"]) for r in trees})
    cd = lgbm(trees, CD)
    print(f"{len(trees)} LightGBM readings ({len(pairs)} pairs); credit-default: clean flagged "
          f"by D {sum(not r['backdoored'] and r['probability'] >= 0.5 for r in cd)} of "
          f"{sum(not r['backdoored'] for r in cd)}, ROC-AUC / CE {figures(cd)}")
    for design in designs:
        for c in cs:
            for margin in margins:
                d_all, c_all, near = [], [], []
                for p in pairs:
                    held = [r for r in trees if pair_of(r["zoo"]) == p]
                    term = fit_look([r for r in trees if pair_of(r["zoo"]) != p],
                                    features_of(design), c, margin)
                    d_all += held
                    c_all += lowered(held, term)
                    start = term.fitted_on["start"]
                    near += [(term.logit(r["features"]) - start, not r["backdoored"])
                             for r in held if r["probability"] >= 0.5]
                term = fit_look(trees, features_of(design), c, margin)
                bd_near = min(v for v, clean in near if not clean)
                cl_under = sum(v < 0 for v, clean in near if clean)
                print(f"{design} | C {c} margin {margin}: one pair out: {turned(d_all, c_all)}; "
                      f"flagged clean under the start {cl_under}; flagged backdoored closest "
                      f"{bd_near:+.2f} above it; credit-default LightGBM "
                      f"{figures(lgbm(c_all, CD))}\n    in-sample: "
                      f"{turned(trees, lowered(trees, term))}")


def write(rows: list[dict], out: Path, base: Path, design: str, c: float, margin: float) -> None:
    cals = load_calibrators(base)
    term = fit_look(rows, features_of(design), c, margin)
    cals[TERM_KEY] = term
    save_calibrators(cals, out)
    print(f"wrote {out}: {TERM_KEY} {design}, C {c}, margin {margin}: start "
          f"{term.fitted_on['start']:.4f} (lowest flagged backdoor "
          f"{term.fitted_on['lowest_backdoor']:.4f})")


def rule(args: argparse.Namespace) -> None:
    d, c = band_scored(args, TERM_KEY, "V76")  # stop 72's: refused unless the term alone differs
    whole = scored(rows_of(args.whole, 0), args.shipped)[0]
    moved = scored(whole, args.candidate)[1] if whole else float("nan")
    if whole:
        show("whole split, today's default (= C)", whole, files=False)
    cd_d, cd_c = [r for r in d if r["table"] == CD], [r for r in c if r["table"] == CD]
    lg_d, lg_c, lc_d, lc_c = lgbm(d, CD), lgbm(c, CD), lgbm(d, LC), lgbm(c, LC)
    gone = models_lost(d, c)
    text, readme_ok = readme_both(args.readme, args.candidate, args.shipped)
    cpu = float(np.median([x["cpu_s"] for x in d])) if d else float("nan")
    lg_cpu = float(np.median([x["cpu_s"] for x in lgbm(d)])) if lgbm(d) else float("nan")
    term = load_calibrators(args.candidate)[TERM_KEY]
    start = float(term.fitted_on["start"])
    hit = [r for r in lgbm(d) if r["probability"] >= 0.5]
    bd = [term.logit(r["features"]) - start for r in hit if r["backdoored"]]
    cl = sorted(term.logit(r["features"]) - start for r in hit if not r["backdoored"])
    print(f"the term's start {start:.4f}: flagged backdoored LightGBM readings' scores above it, "
          f"lowest {min(bd) if bd else float('nan'):+.3f}; flagged clean LightGBM readings' "
          f"scores less the start: {', '.join(f'{v:+.2f}' for v in cl)}")
    verdict([
        ("1 credit-default clean readings flagged C < D; clean LightGBM C <= D in each table",
         f"credit-default {flagged_clean(cd_c)} vs {flagged_clean(cd_d)} of "
         f"{sum(not x['backdoored'] for x in cd_d)}; LightGBM {flagged_clean(lg_c)} vs "
         f"{flagged_clean(lg_d)}, lending-club {flagged_clean(lc_c)} vs {flagged_clean(lc_d)}",
         flagged_clean(cd_c) < flagged_clean(cd_d) and flagged_clean(lg_c) <= flagged_clean(
             lg_d) and flagged_clean(lc_c) <= flagged_clean(lc_d)),
        ("2 none lost: no backdoored model D flags on >= 2 files is flagged by C on < 2; "
         "backdoored readings flagged C >= D",
         f"models lost {gone or 'none'}; caught {caught(c)} vs {caught(d)}",
         not gone and caught(c) >= caught(d)),
        ("3 credit-default LightGBM ROC-AUC C >= D and CE C <= D; credit-default CE C <= D",
         f"LightGBM {figures(lg_c)} vs {figures(lg_d)}; credit-default {figures(cd_c)} vs "
         f"{figures(cd_d)}", bool(lg_d) and _auc(lg_c) >= _auc(lg_d) and _ce(lg_c) <= _ce(
             lg_d) and _ce(cd_c) <= _ce(cd_d)),
        ("4 lending-club LightGBM CE C <= D + 0.02, clean flagged C <= D, caught C >= D",
         f"{figures(lc_c)} vs {figures(lc_d)}; caught {caught(lc_c)} vs {caught(lc_d)}",
         bool(lc_d) and _ce(lc_c) <= _ce(lc_d) + 0.02 and flagged_clean(lc_c) <= flagged_clean(
             lc_d) and caught(lc_c) >= caught(lc_d)),
        *target_and_worst(d, c),
        ("7 whole split: the candidate file scores every reading as the shipped one",
         f"{len(whole)} readings, largest change of p {moved:.1e}" if whole else "not read",
         bool(whole) and moved <= 1e-9),
        ("8 README line at 200 rows: backdoored flagged C >= D, clean twins C <= D", text,
         readme_ok),
        ("9 median CPU s per 200-row reading <= 20 (all; LightGBM)", f"{cpu:.1f}; {lg_cpu:.1f}",
         cpu <= 20.0 and lg_cpu <= 20.0),
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=("why", "dev", "write", "rule"))
    ap.add_argument("--rows", nargs="*", default=[])
    ap.add_argument("--shipped", type=Path, default=SHIPPED)
    ap.add_argument("--designs", default="box + mass_group + recur + lead")
    ap.add_argument("--cs", default=str(C))
    ap.add_argument("--margins", default=str(MARGIN))
    ap.add_argument("--out", type=Path)
    rule_arguments(ap)
    args = ap.parse_args()
    if args.step == "rule":
        rule_inputs(args)
        rule(args)
        return
    if not args.rows:
        raise SystemExit(f"error: {args.step} needs --rows")
    rows = scored(read_files(args.rows), args.shipped)[0]
    if args.step == "why":
        why(rows)
    elif args.step == "dev":
        dev(rows, args.designs.split(","), [float(x) for x in args.cs.split(",")],
            [float(x) for x in args.margins.split(",")])
    else:
        if args.out is None:
            raise SystemExit("error: write needs --out")
        write(rows, args.out, args.shipped, args.designs.split(",")[0], float(args.cs),
              float(args.margins))


if __name__ == "__main__":
    main()
