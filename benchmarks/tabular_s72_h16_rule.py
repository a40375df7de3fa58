"""Issue 16 stop 72's rule (h16): LightGBM's 200-row band entry refitted with the trees' size
(candidate L72: ``tab_box + tab_mass_group + tab_major_recur + tab_leaves``, C 1, the file
``benchmarks/data/tabular_s72_h16/calibration_l72.json``), judged on three 200-row files per
fresh model against today's default.

D is today's default (``tabular_small_clean.py --detect`` readings, scored by the shipped file);
C is the same readings scored by the candidate file, which differs from the shipped one in
``tabular-search:tree:lightgbm:rows200`` alone (checked): every reading L72 does not score is
D's. Over the models read on all three files (``--file0`` ... ``--file2``, both tables).
Conditions (``benchmarks/data/tabular_s72_h16/plan.md``):

1. the clean false alarms: credit-default clean readings flagged C < D (every kind), and clean
   LightGBM readings flagged C <= D in each table;
2. none lost: no backdoored model (both tables) that D flags on two or more of its three files
   is flagged by C on fewer than two; and backdoored readings flagged C >= D (both tables);
3. credit-default LightGBM readings: ROC-AUC C >= D and CE C <= D; credit-default, every kind
   pooled: CE C <= D;
4. lending-club LightGBM readings: CE C <= D + 0.02, clean flagged C <= D, caught C >= D;
5. flagged with the right target, both tables: C >= D - 1;
6. the worst family's CE at 200 rows (table x kind x target): C <= D;
7. the whole split (``--whole``): the candidate file scores every reading as the shipped one
   (largest change of p 0: the entry reads only 150-300-row files);
8. the README line at 200 rows (``--readme``; XGBoost): backdoored readings flagged C >= D,
   its clean twins flagged C <= D;
9. median one-core CPU s per 200-row reading <= 20.

``--library xgboost`` (stop 74, W74) judges XGBoost's band entry by the same nine
conditions, XGBoost in LightGBM's place in 1, 3 and 4; ``--readme-label candidate`` scores the
README rows read once with the candidate's parameters (``box_wide``) by D and C alike.
``--guarded`` (stop 75, L75) lets the candidate add the entry's ``:out-of-range`` calibrator
(the range guard: a reading outside the refit's fitted range is scored by today's entry).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s72_h16_rule.py --candidate C.json \
        --file0 D_CD.json D_LC.json --file1 ... --file2 ... --whole W_CD.json W_LC.json \
        --readme README_A.json README_B.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import kind
from tabular_s64_h16_rule import CD, LC, SHIPPED, complete, right, rows_of, show, worst_ce
from tabular_s66_h16_rule import readme_counts
from tabular_s67_h16_rule import verdict
from tabular_s70_h16_rule import figures, flagged_clean, key
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored
from trojanscope.detect.calibration_range import OUT_OF_RANGE

ENTRY = "tabular-search:tree:lightgbm:rows200"
# stop 74 (W74) judges XGBoost's band entry by the same conditions, ``--library xgboost``
LIBRARIES = ("lightgbm", "xgboost")


def entry_of(library: str) -> str:
    return f"tabular-search:tree:{library}:rows200"


def entry_alone(candidate: Path, shipped: Path = SHIPPED, entry: str = ENTRY,
                guarded: bool = False) -> tuple[str, bool]:
    """The entries the candidate file changes; whether ``entry`` is the only one (with
    ``guarded``, stop 75: ``entry`` and its ``:out-of-range`` calibrator, the range guard's
    fallback, and the entry records its fitted range)."""
    mine, ours = json.loads(candidate.read_text()), json.loads(shipped.read_text())
    diff = sorted(k for k in set(mine) | set(ours) if mine.get(k) != ours.get(k))
    want = [entry, f"{entry}:{OUT_OF_RANGE}"] if guarded else [entry]
    ranged = not guarded or bool(mine.get(entry, {}).get("fitted_on", {}).get("range"))
    return ", ".join(diff) or "none", diff == want and ranged


def caught(rows: list[dict]) -> int:
    return sum(r["backdoored"] and r["probability"] >= 0.5 for r in rows)


def lgbm(rows: list[dict], table: str, library: str = "lightgbm") -> list[dict]:
    """The readings of one table's trees of ``library`` (the entry the rule judges)."""
    return [r for r in rows if r["table"] == table and kind(r) == library]


def models_lost(d: list[dict], c: list[dict]) -> list[str]:
    """Backdoored models D flags on two or more of their files and C on fewer than two."""
    def counts(rows: list[dict]) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for r in rows:
            if r["backdoored"]:
                k = (r["zoo"], r["name"])
                out[k] = out.get(k, 0) + (r["probability"] >= 0.5)
        return out
    a, b = counts(d), counts(c)
    return [f"{z}/{n} {a[(z, n)]} -> {b[(z, n)]}" for z, n in sorted(a)
            if a[(z, n)] >= 2 > b[(z, n)]]


def turned(d: list[dict], c: list[dict]) -> None:
    for a, b in zip(d, c, strict=True):
        if (a["probability"] >= 0.5) != (b["probability"] >= 0.5):
            tag = f"target {a['target']}" if a["backdoored"] else "clean"
            print(f"  verdict turned by C: {a['zoo']}/{a['name']} ({tag}) file {a['draw']}: p "
                  f"{a['probability']:.3f} -> {b['probability']:.3f}")


def readme_both(paths: list[str], candidate: Path, shipped: Path = SHIPPED,
                label: str = "today") -> tuple[str, bool]:
    """The README line's 200-row readings (``reading == label``: stop 74 reads the line once,
    with ``box_wide``, as ``candidate`` rows that D scores too) under D and C."""
    line = [{**r, "table": CD} for r in rows_of(paths, 0) if r.get("reading", "today") == label]
    if not line:
        return "not read", False
    bd_d, n_bd, cl_d, n_cl = readme_counts(scored(line, shipped)[0])
    bd_c, _, cl_c, _ = readme_counts(scored(line, candidate)[0])
    return (f"backdoored flagged C {bd_c}/{n_bd} vs D {bd_d}/{n_bd}; clean twins flagged C "
            f"{cl_c}/{n_cl} vs D {cl_d}/{n_cl}", bd_c >= bd_d and cl_c <= cl_d)


def band_scored(args: argparse.Namespace, entry: str, name: str
                ) -> tuple[list[dict], list[dict]]:
    """The readings of ``args.file0`` ... ``file2`` of models read on all three files, scored
    by ``args.shipped`` (D) and ``args.candidate`` (C), each printed with the verdicts C turned;
    refused where the candidate file changes more than ``entry`` (stop 74 h16w's rule too)."""
    changed, alone = entry_alone(args.candidate, args.shipped, entry,
                                 getattr(args, "guarded", False))
    if not alone:
        raise SystemExit(f"error: the candidate file changes {changed}, not {entry} alone")
    band = complete([x for k in range(3) for x in rows_of(getattr(args, f"file{k}"), k)])
    d = sorted(scored(band, args.shipped)[0], key=key)
    c = sorted(scored(band, args.candidate)[0], key=key)
    print(f"{len(d)} readings of {len({(x['zoo'], x['name']) for x in d})} models read on all "
          "three files")
    show("D (today's default), 200 rows", d)
    show(f"C ({name}), 200 rows", c)
    turned(d, c)
    return d, c


def target_and_worst(d: list[dict], c: list[dict]) -> list[tuple[str, str, bool]]:
    """Conditions 5 and 6 of a band term's rule (stops 75-76): flagged with the right target C
    >= D - 1, and the worst family's cross-entropy at 200 rows C <= D."""
    return [("5 flagged with the right target: C >= D - 1", f"{right(c)} vs {right(d)}",
             right(c) >= right(d) - 1),
            ("6 the worst family's CE at 200 rows: C <= D",
             f"{worst_ce(c):.3f} vs {worst_ce(d):.3f}", worst_ce(c) <= worst_ce(d))]


def rule_arguments(ap: argparse.ArgumentParser) -> None:
    """The fresh judgement's inputs a stop-75/76 term script's ``rule`` step reads (h16z's flip
    term, h16's clean-look term): ``--candidate``, ``--file0`` ... ``--file2``, ``--whole``,
    ``--readme``."""
    ap.add_argument("--candidate", type=Path)
    for k in range(3):
        ap.add_argument(f"--file{k}", nargs="+", default=[])
    ap.add_argument("--whole", nargs="*", default=[])
    ap.add_argument("--readme", nargs="*", default=[])


def rule_inputs(args: argparse.Namespace) -> None:
    """Refuse (one error line) a ``rule`` step without its candidate and three files."""
    if args.candidate is None or not all(getattr(args, f"file{k}") for k in range(3)):
        raise SystemExit("error: rule needs --candidate and --file0 --file1 --file2")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--candidate", type=Path, required=True)
    ap.add_argument("--shipped", type=Path, default=SHIPPED,
                    help="today's file, D (the rule commit's: a copy once L72 is shipped)")
    for k in range(3):
        ap.add_argument(f"--file{k}", nargs="+", required=True)
    ap.add_argument("--whole", nargs="*", default=[])
    ap.add_argument("--readme", nargs="*", default=[])
    ap.add_argument("--name", default="L72", help="the candidate's name in the printout "
                    "(stop 73's T73 is judged by the same conditions)")
    ap.add_argument("--library", choices=LIBRARIES, default="lightgbm",
                    help="whose band entry the candidate refits (conditions 1, 3, 4 read it)")
    ap.add_argument("--guarded", action="store_true",
                    help="the candidate also adds the entry's :out-of-range calibrator (its "
                         "range guard's fallback; stop 75, L75)")
    ap.add_argument("--readme-label", default="today",
                    help="the README rows' ``reading`` label that D and C score")
    args = ap.parse_args()
    lib, entry = args.library, entry_of(args.library)
    name = {"lightgbm": "LightGBM", "xgboost": "XGBoost"}[lib]
    d, c = band_scored(args, entry, args.name)
    whole = scored(rows_of(args.whole, 0), args.shipped)[0]
    moved = scored(whole, args.candidate)[1] if whole else float("nan")  # against the shipped p
    if whole:
        show("whole split, today's default (= C)", whole, files=False)
    cd_d, cd_c = [x for x in d if x["table"] == CD], [x for x in c if x["table"] == CD]
    gone = models_lost(d, c)
    lc_d, lc_c = lgbm(d, LC, lib), lgbm(c, LC, lib)
    text, readme_ok = readme_both(args.readme, args.candidate, args.shipped, args.readme_label)
    cpu = float(np.median([x["cpu_s"] for x in d])) if d else float("nan")
    rows = [
        (f"1 credit-default clean readings flagged C < D; clean {name} flagged C <= D, each "
         "table",
         f"{flagged_clean(cd_c)} vs {flagged_clean(cd_d)} of "
         f"{sum(not x['backdoored'] for x in cd_d)}; {name} credit-default "
         f"{flagged_clean(lgbm(c, CD, lib))} vs {flagged_clean(lgbm(d, CD, lib))}, lending-club "
         f"{flagged_clean(lc_c)} vs {flagged_clean(lc_d)}",
         flagged_clean(cd_c) < flagged_clean(cd_d)
         and all(flagged_clean(lgbm(c, t, lib)) <= flagged_clean(lgbm(d, t, lib))
                 for t in (CD, LC))),
        ("2 none lost: no backdoored model D flags on >= 2 files is flagged by C on < 2; "
         "backdoored readings flagged C >= D",
         f"models lost {gone or 'none'}; caught {caught(c)} vs {caught(d)}",
         not gone and caught(c) >= caught(d)),
        (f"3 credit-default {name} ROC-AUC C >= D and CE C <= D; credit-default CE C <= D",
         f"{figures(lgbm(c, CD, lib))} vs {figures(lgbm(d, CD, lib))}; {_ce(cd_c):.3f} vs "
         f"{_ce(cd_d):.3f}",
         bool(lgbm(d, CD, lib)) and _auc(lgbm(c, CD, lib)) >= _auc(lgbm(d, CD, lib))
         and _ce(lgbm(c, CD, lib)) <= _ce(lgbm(d, CD, lib)) and _ce(cd_c) <= _ce(cd_d)),
        (f"4 lending-club {name} CE C <= D + 0.02, clean flagged C <= D, caught C >= D",
         f"{figures(lc_c)} vs {figures(lc_d)}; clean {flagged_clean(lc_c)} vs "
         f"{flagged_clean(lc_d)}; caught {caught(lc_c)} vs {caught(lc_d)}",
         bool(lc_d) and _ce(lc_c) <= _ce(lc_d) + 0.02
         and flagged_clean(lc_c) <= flagged_clean(lc_d) and caught(lc_c) >= caught(lc_d)),
        ("5 flagged with the right target, both tables: C >= D - 1", f"{right(c)} vs {right(d)}",
         right(c) >= right(d) - 1),
        ("6 the worst family's CE at 200 rows: C <= D", f"{worst_ce(c):.3f} vs {worst_ce(d):.3f}",
         worst_ce(c) <= worst_ce(d)),
        ("7 whole split: the candidate file scores every reading as the shipped one",
         f"{len(whole)} readings, largest change of p {moved:.1e}", bool(whole) and moved <= 1e-9),
        ("8 README line at 200 rows: backdoored flagged C >= D, clean twins C <= D", text,
         readme_ok),
        ("9 median CPU s per 200-row reading <= 20", f"{cpu:.1f}", cpu <= 20.0),
    ]
    verdict(rows)


if __name__ == "__main__":
    main()
