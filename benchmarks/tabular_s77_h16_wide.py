"""LightGBM's 200-row readings with the wide box (``tab_box_wide``: ``tab_box`` over the 80 most
missed leaves, ``-p box_wide=80``): the development population re-read, and candidates that read
it (issue 16 stop 77, h16).

Reads 200-row LightGBM readings that carry ``tab_box_wide`` (three files a model; a reading's
file is its draw seed: ``tabular_s72_h16_why.read_files``), scored by ``--shipped`` (D). A
reading from before stop 76's share guard has no ``tab_minor_share``; it is filled from the
file's class counts (``others``: the rows of the other class, binary tables), so the flip term
reads it as today's detector would.

``dev``: per table, today's figures; ``tab_box`` against ``tab_box_wide`` (ROC-AUC, backdoored
against clean, all readings and the flagged ones); then, one zoo pair out, each candidate:
the band entry refitted (``--designs``, ``--cs``: ``tabular_s72_h16_fit.held_out``), the wide
box put in ``tab_box``'s place with no label fitted (``--substitute``:
``tabular_s74_h16_fit.held_substituted``), and the lower-only clean-look term
(``--looks``: ``tabular_s76_h16_lower.dev``).

``write``: the shipped file with the entry refitted on every reading given (``--fit
"design|C"``), with the wide box matched in ``tab_box``'s place (``--match tab_box_wide``:
``tabular_s74_h16_fit.substituted``), or with the clean-look term (``--look
"design|C|margin"``), to ``--out``.

``rule``: the fresh judgement (``benchmarks/data/tabular_s77_h16/plan.md``). ``--file0`` ...
``--file2``: each file's readings, LightGBM read with the wide box (what the candidate's
detector reads); D = them scored by ``--shipped`` (the wide box moves no default feature:
checked), C = by ``--candidate`` (which may differ from the shipped file in the
``:clean-look`` entry alone). ``--today``: the LightGBM models of ``--file0`` read on the same
file by today's default, for D's time and the check that the shipped file gives them the same
p. Models read on all three files; the conditions printed met or not (:func:`conditions`).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s77_h16_wide.py dev --rows R200.json... \
        [--designs "box_wide + mass_group + recur"] [--cs 1,10] [--substitute tab_box_wide] \
        [--looks "recur + lead + leaves + mass + mass_rel + major_group + box_wide|3|0.5"]
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s77_h16_wide.py rule --candidate C.json \
        --shipped BEFORE.json --file0 CD_LGBM.json LC_LGBM.json CD.json LC.json --file1 ... \
        --file2 ... --today CD_LGBM_TODAY.json LC_LGBM_TODAY.json --readme A.json B.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import figures, kind, pair_of, worst
from tabular_s64_h16_rule import CD, LC, complete, rows_of, show
from tabular_s67_h16_rule import verdict
from tabular_s70_h16_rule import flagged_clean, key
from tabular_s72_h16_fit import KEY, held_out, report, write_fit
from tabular_s72_h16_rule import caught, entry_alone, models_lost, readme_both, target_and_worst
from tabular_s72_h16_rule import turned as show_turned
from tabular_s72_h16_why import read_files
from tabular_s74_h16_fit import held_substituted, substituted
from tabular_s76_h16_lower import TERM_KEY, fit_look, why
from tabular_s76_h16_lower import dev as look_dev
from tabular_s76_h16_lower import features_of as look_features
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored
from trojanscope.detect.calibration import load_calibrators, save_calibrators
from trojanscope.detect.tabular_gap_raise import SHARE_FEATURE

FAMILY = KEY.removeprefix("tabular-search:")
WIDE = "tab_box_wide"


def with_share(rows: list[dict]) -> list[dict]:
    """``rows`` with ``tab_minor_share`` filled where missing: the smaller class's share of the
    file's rows (``others[c]``: the rows not of class ``c``; binary tables only)."""
    out = []
    for r in rows:
        if SHARE_FEATURE not in r["features"]:
            if len(r["others"]) != 2:
                raise SystemExit(f"error: {r['zoo']}/{r['name']}: no {SHARE_FEATURE} and not "
                                 "binary")
            share = min(r["others"]) / sum(r["others"])
            r = {**r, "features": {**r["features"], SHARE_FEATURE: share}}
        out.append(r)
    return out


def wide_rows(paths: list[str], shipped: Path) -> list[dict]:
    """The LightGBM 200-row readings of ``paths`` that carry the wide box, scored by
    ``shipped``; refused where one lacks it."""
    rows = [r for r in with_share(read_files(paths)) if r["family"] == FAMILY]
    bare = [f"{r['zoo']}/{r['name']}@{r['draw']}" for r in rows if WIDE not in r["features"]]
    if bare:
        raise SystemExit(f"error: {len(bare)} readings without {WIDE}, e.g. {bare[0]}")
    return scored(rows, shipped)[0]


def box_aucs(rows: list[dict]) -> None:
    """``tab_box`` against ``tab_box_wide``: ROC-AUC backdoored against clean, per table and
    target, over all readings and over the ones D flags."""
    for table in sorted({r["table"] for r in rows}):
        mine = [r for r in rows if r["table"] == table]
        for t in sorted({r["target"] for r in mine if r["backdoored"]}):
            fam = [r for r in mine if not r["backdoored"] or r["target"] == t]
            for name, sel in (("all", fam), ("flagged", [r for r in fam
                                                        if r["probability"] >= 0.5])):
                if len({r["backdoored"] for r in sel}) < 2:
                    continue
                parts = [f"{f} {_auc([{**r, 'probability': r['features'][f]} for r in sel]):.3f}"
                         for f in ("tab_box", WIDE)]
                print(f"  {table} target {t}, {name} ({len(sel)}): " + ", ".join(parts))


def entry_report(title: str, today: list[dict], got: list[dict], per_pair: bool) -> None:
    """``tabular_s72_h16_fit.report`` and the backdoored models lost (flagged by today's
    entry on two or more of their three files, by the held-out one on fewer)."""
    report(title, today, got, per_pair)
    mine = {key(r): r for r in got}
    print(f"  models lost: {models_lost(today, [mine[key(r)] for r in today]) or 'none'}")


def dev(args: argparse.Namespace, rows: list[dict]) -> None:
    pairs = sorted({pair_of(r["zoo"]) for r in rows})
    print(f"{len(rows)} LightGBM readings with {WIDE}, {len({(r['zoo'], r['name']) for r in rows})}"
          f" models, {len(pairs)} pairs: {', '.join(pairs)}")
    print(f"today's shipped entry (D): both {figures(rows)}; worst {worst(rows)}")
    for table in sorted({r["table"] for r in rows}):
        print(f"  {table} {figures([r for r in rows if r['table'] == table])}")
    box_aucs(rows)
    if args.why:
        why(rows)
    for feature in (f for f in args.substitute.split(",") if f):
        entry_report(f"{feature} in place of tab_box, matched (one pair out)", rows,
                     held_substituted(rows, feature, KEY), args.per_pair)
    for design in (d for d in args.designs.split(",") if d):
        for c in (float(x) for x in args.cs.split(",")):
            entry_report(f"{design}, C {c:g} (one pair out)", rows, held_out(rows, design, c),
                         args.per_pair)
    for look in (x for x in args.looks.split(",") if x):
        design, c, margin = look.split("|")
        look_dev(rows, [design], [float(c)], [float(margin)])


TIME_RATIO = 1.5  # C's median CPU s per LightGBM 200-row reading, at most this times D's


def judged(args: argparse.Namespace) -> tuple[list[dict], list[dict], list[tuple[dict, dict]]]:
    """D and C over the models read on all three files (see the module's ``rule``), and the
    pairs (today's reading, the wide reading scored by the shipped file) of ``--today``'s
    LightGBM models on file 0."""
    wide = complete([x for k in range(3) for x in rows_of(getattr(args, f"file{k}"), k)])
    d = sorted(scored(wide, args.shipped)[0], key=key)
    c = sorted(scored(wide, args.candidate)[0], key=key)
    return d, c, today_pairs(d, args.today)


def today_pairs(d: list[dict], today_paths: list[str]) -> list[tuple[dict, dict]]:
    """(today's reading, the wide reading of ``d``) for each LightGBM model of file 0 that
    ``today_paths`` read by today's default; refused unless every such model of ``d`` is there
    (stop 78's rule reads the same pairs)."""
    mine = {key(x): x for x in d if x["draw"] == 0 and kind(x) == "lightgbm"}
    today = [x for x in rows_of(today_paths, 0) if kind(x) == "lightgbm"]
    pairs = [(x, mine[key(x)]) for x in today if key(x) in mine]
    if not pairs or len(pairs) != len(mine):
        raise SystemExit(f"error: --today holds {len(pairs)} of file 0's {len(mine)} LightGBM "
                         "models")
    return pairs


def conditions(d: list[dict], c: list[dict], pairs: list[tuple[dict, dict]],
               readme: tuple[str, bool]) -> list[tuple[str, str, bool]]:
    """plan.md's conditions: name, both sides, met."""
    cd_d, cd_c = [x for x in d if x["table"] == CD], [x for x in c if x["table"] == CD]
    lgd = {t: [x for x in d if x["table"] == t and kind(x) == "lightgbm"] for t in (CD, LC)}
    lgc = {t: [x for x in c if x["table"] == t and kind(x) == "lightgbm"] for t in (CD, LC)}
    cpu_d = float(np.median([a["cpu_s"] for a, _ in pairs]))
    cpu_c = float(np.median([b["cpu_s"] for _, b in pairs]))
    cpu_all = float(np.median([x["cpu_s"] for x in c]))
    moved = max(abs(a["probability"] - b["probability"]) for a, b in pairs)
    same = all(a["probability"] == b["probability"] for a, b in zip(d, c, strict=True))
    gone = models_lost(d, c)
    return [
        ("1 credit-default clean readings flagged C < D (not 'nothing moved'); clean LightGBM "
         "flagged C <= D in each table",
         f"{flagged_clean(cd_c)} vs {flagged_clean(cd_d)} of "
         f"{sum(not x['backdoored'] for x in cd_d)}; LightGBM credit-default "
         f"{flagged_clean(lgc[CD])} vs {flagged_clean(lgd[CD])}, lending-club "
         f"{flagged_clean(lgc[LC])} vs {flagged_clean(lgd[LC])}"
         + ("; nothing moved" if same else ""),
         flagged_clean(cd_c) < flagged_clean(cd_d) and all(
             flagged_clean(lgc[t]) <= flagged_clean(lgd[t]) for t in (CD, LC))),
        ("2 none lost: no backdoored model D flags on >= 2 files is flagged by C on < 2; "
         "backdoored readings flagged C >= D (both tables)",
         f"models lost {gone or 'none'}; caught {caught(c)} vs {caught(d)}",
         not gone and caught(c) >= caught(d)),
        ("3 credit-default LightGBM ROC-AUC C >= D and CE C <= D; credit-default (every kind) "
         "CE C <= D",
         f"LightGBM {figures(lgc[CD])} vs {figures(lgd[CD])}; every kind {_ce(cd_c):.3f} vs "
         f"{_ce(cd_d):.3f}",
         bool(lgd[CD]) and _auc(lgc[CD]) >= _auc(lgd[CD]) and _ce(lgc[CD]) <= _ce(lgd[CD])
         and _ce(cd_c) <= _ce(cd_d)),
        ("4 lending-club LightGBM ROC-AUC C >= D and CE C <= D",
         f"{figures(lgc[LC])} vs {figures(lgd[LC])}",
         bool(lgd[LC]) and _auc(lgc[LC]) >= _auc(lgd[LC]) and _ce(lgc[LC]) <= _ce(lgd[LC])),
        *target_and_worst(d, c),
        ("7 README line at 200 rows: backdoored flagged C >= D, clean twins C <= D", *readme),
        (f"8 median one-core CPU s per LightGBM 200-row reading (file 0) C <= {TIME_RATIO} x D;"
         " median over every reading C <= 20",
         f"LightGBM {cpu_c:.2f} vs {cpu_d:.2f} ({cpu_c / cpu_d:.2f}x, {len(pairs)} models); all "
         f"{cpu_all:.2f}",
         cpu_c <= TIME_RATIO * cpu_d and cpu_all <= 20.0),
        ("9 the wide box moves no default feature: file 0's LightGBM readings by today's "
         "default and with the wide box, scored by the shipped file, give the same p",
         f"largest difference {moved:.1e}", moved <= 1e-9),
    ]


def rule(args: argparse.Namespace) -> None:
    changed, alone = entry_alone(args.candidate, args.shipped, TERM_KEY)
    if not alone:
        raise SystemExit(f"error: the candidate file changes {changed}, not {TERM_KEY} alone")
    d, c, pairs = judged(args)
    print(f"{len(d)} readings of {len({(x['zoo'], x['name']) for x in d})} models read on all "
          "three files")
    show("D (today's default), 200 rows", d)
    show("C (the candidate), 200 rows", c)
    show_turned(d, c)
    term = load_calibrators(args.candidate)[TERM_KEY]
    start = float(term.fitted_on["start"])
    flagged = {key(x) for x in d if kind(x) == "lightgbm" and x["probability"] >= 0.5}
    lows = [(term.logit(x["features"]) - start, x["backdoored"]) for x in c if key(x) in flagged]
    print(f"the term's start {start:.4f}: LightGBM readings D flags, their scores less the "
          f"start: backdoored lowest {min((v for v, b in lows if b), default=float('nan')):+.3f};"
          " clean " + ", ".join(f"{v:+.2f}" for v, b in sorted(lows) if not b))
    verdict(conditions(d, c, pairs, readme_both(args.readme, args.candidate, args.shipped)))
    if args.beside is not None:  # reported beside, not a condition
        b = sorted(scored(d, args.beside)[0], key=key)
        show(f"beside ({args.beside.name}), 200 rows", b, files=False)
        print(f"  beside against D: models lost {models_lost(d, b) or 'none'}")


def rule_inputs(args: argparse.Namespace) -> None:
    """Refuse (one error line) a ``rule`` step without its candidate, three files and
    ``--today`` (stop 78's rule reads the same inputs)."""
    if args.candidate is None or not args.today or not all(
            getattr(args, f"file{k}") for k in range(3)):
        raise SystemExit("error: rule needs --candidate, --file0 --file1 --file2, --today")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=("dev", "write", "rule"))
    ap.add_argument("--rows", nargs="*", default=[])
    ap.add_argument("--candidate", type=Path)
    for k in range(3):
        ap.add_argument(f"--file{k}", nargs="*", default=[])
    ap.add_argument("--today", nargs="*", default=[])
    ap.add_argument("--beside", type=Path, help="rule: a file scored beside (not a condition)")
    ap.add_argument("--readme", nargs="*", default=[])
    ap.add_argument("--shipped", type=Path, default=Path(__file__).resolve().parents[1]
                    / "src/trojanscope/detect/calibration.json")
    ap.add_argument("--designs", default="")
    ap.add_argument("--cs", default="1,10")
    ap.add_argument("--substitute", default="")
    ap.add_argument("--looks", default="")
    ap.add_argument("--why", action="store_true", help="tabular_s76_h16_lower.why as well")
    ap.add_argument("--per-pair", action="store_true")
    ap.add_argument("--fit", default="")
    ap.add_argument("--look", default="")
    ap.add_argument("--match", default="")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.step == "rule":
        rule_inputs(args)
        rule(args)
        return
    if not args.rows:
        raise SystemExit(f"error: {args.step} needs --rows")
    rows = wide_rows(args.rows, args.shipped)
    if args.step == "dev":
        dev(args, rows)
    elif args.out is None or sum(map(bool, (args.fit, args.look, args.match))) != 1:
        raise SystemExit("error: write needs --out and one of --fit, --look, --match")
    elif args.fit:
        write_fit(KEY, rows, args.fit, args.out)
    elif args.match:
        cals = substituted(json.loads(args.shipped.read_text()), rows, args.match, KEY)
        args.out.write_text(json.dumps(cals, indent=1) + "\n")
        print(f"wrote {args.out}: {KEY} with {args.match} in place of tab_box, matched on "
              f"{sum(not r['backdoored'] for r in rows)} clean readings")
    else:
        look_file(rows, args.shipped, args.look, args.out)


def look_file(rows: list[dict], shipped: Path, look: str, out: Path) -> None:
    """``shipped`` with the clean-look term ``look`` (``"design|C|margin"``) fitted on
    ``rows`` (stop 76's fit), written to ``out``."""
    design, c, margin = look.split("|")
    cals = load_calibrators(shipped)
    term = fit_look(rows, look_features(design), float(c), float(margin))
    term.fitted_on["design"] = (
        f"clean-look term reading the wide box (issue 16 stop 77, h16, X77): {design}, C {c}, "
        "a logistic score of backdoored against clean on the LightGBM 200-row development "
        "readings with tab_box_wide that the shipped file flags; -min(most, slope x (start - "
        "score)) logits where the score is under start = the lowest flagged backdoor's score "
        f"- margin ({margin})")
    cals[TERM_KEY] = term
    save_calibrators(cals, out)
    print(f"wrote {out}: {TERM_KEY} {design}, C {c}, margin {margin}: start "
          f"{term.fitted_on['start']:.4f} (lowest flagged backdoor "
          f"{term.fitted_on['lowest_backdoor']:.4f}), {term.fitted_on['n_clean']} clean and "
          f"{term.fitted_on['n_models'] - term.fitted_on['n_clean']} backdoored flagged readings")


if __name__ == "__main__":
    main()
