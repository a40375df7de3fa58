"""Issue 16 stop 66's rule (h16): the trees read with ``-p box_recur=N`` and scored by a
candidate file, judged on three 200-row files per fresh model against today's default.

D is today's default: ``tabular_small_clean.py --detect`` readings of the fresh zoos, every
model read on three 200-row files (``--file0``/``--file1``/``--file2``: one rows file per
table). R is D with each tree's reading replaced by its reading with ``box_recur`` on the same
file (``--cand0``/``--cand1``/``--cand2``; D's own files where the candidate reads as today
and only its file differs), scored by the candidate file
(``tabular_user_rule.scored``); networks are read as in D (the candidate changes no network
entry). Only models read on all three files by both are judged. The README line
(``--readme``: ``tabular_s66_h16_readme200.py`` rows, each file read by both) is judged
alongside. Conditions (``benchmarks/data/tabular_s66_h16/plan.md``):

1. credit-default pooled over the three files: cross-entropy R < D, ROC-AUC R >= D - 0.01;
2. credit-default's trees towards class 0: the higher cross-entropy of the XGBoost and the
   LightGBM target-0 families (backdoors towards 0 with every clean tree of the library)
   R <= D's;
3. both tables pooled: cross-entropy R <= D, ROC-AUC R >= D - 0.01;
4. lending-club: cross-entropy R <= D + 0.02;
5. clean readings flagged R <= D; backdoored readings flagged with the right target R >= D - 1;
6. the worst family (table x kind x target) cross-entropy R <= D's;
7. the whole split unchanged: the candidate file's entries outside the 200-row band equal the
   shipped ones (``box_recur`` is read only with a 150-300-row file);
8. the README line at 200 rows: backdoored readings flagged R >= D, clean readings flagged
   R <= D (without ``--readme``: the candidate's XGBoost entries equal the shipped ones, so the
   README's XGBoost line reads as today);
9. the median one-core CPU seconds per 200-row tree reading under R <= 20.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s66_h16_rule.py --calibration CAND.json \
        --file0 D_CD.json D_LC.json ... --cand0 R_CD.json R_LC.json ... --whole W.json ... \
        --readme README.json ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import figures
from tabular_s64_h16_rule import CD, SHIPPED, complete, rows_of, show
from tabular_s64_h16_rule import conditions as s64_conditions
from tabular_small_clean import _ce
from tabular_user_rule import scored

TREES = ("xgboost", "lightgbm")


def key(r: dict) -> tuple:
    return (r["zoo"], r["name"], r["draw"])


def with_candidate_trees(d: list[dict], cand: list[dict]) -> list[dict]:
    """D's readings with each tree's replaced by its candidate reading; the trees the
    candidate did not read are left out of both (returned: R, and D restricted alike)."""
    got = {key(r): r for r in cand}
    keep = [r for r in d if r["arch"] not in TREES or key(r) in got]
    return [got[key(r)] if r["arch"] in TREES else r for r in keep], keep


def target0_ce(rows: list[dict]) -> tuple[float, str]:
    """The higher cross-entropy of credit-default's XGBoost and LightGBM target-0 families."""
    out = []
    for lib in TREES:
        fam = [r for r in rows if r["table"] == CD and r["arch"] == lib
               and (not r["backdoored"] or r["target"] == 0)]
        if any(r["backdoored"] for r in fam):
            out.append((_ce(fam), f"{lib} target 0"))
    return max(out) if out else (float("nan"), "none")


def whole_entries_equal(candidate: Path) -> bool:
    """Every entry of the candidate file outside the 200-row band equals the shipped one."""
    a = json.loads(SHIPPED.read_text())
    b = json.loads(candidate.read_text())
    outside = lambda d: {k: v for k, v in d.items() if "rows200" not in k}  # noqa: E731
    return outside(a) == outside(b)


def xgboost_entries_equal(candidate: Path) -> bool:
    """Every XGBoost entry of the candidate file equals the shipped one."""
    a = json.loads(SHIPPED.read_text())
    b = json.loads(candidate.read_text())
    mine = lambda d: {k: v for k, v in d.items() if "tree:xgboost" in k}  # noqa: E731
    return mine(a) == mine(b)


def readme_rows(paths: list[str], reading: str, calibration: Path) -> list[dict]:
    """README-line readings of ``reading`` (``today`` or ``candidate``) scored by
    ``calibration``."""
    rows = [{**r, "table": CD} for p in paths for r in json.loads(Path(p).read_text())["rows"]
            if r["reading"] == reading]
    return scored(rows, calibration)[0] if rows else []


def readme_counts(rows: list[dict]) -> tuple[int, int, int, int]:
    """Backdoored readings flagged / read, clean readings flagged / read."""
    bd = [r for r in rows if r["backdoored"]]
    cl = [r for r in rows if not r["backdoored"]]
    return (sum(r["probability"] >= 0.5 for r in bd), len(bd),
            sum(r["probability"] >= 0.5 for r in cl), len(cl))


def conditions(d: list[dict], r: list[dict], whole_same: bool, readme: list[str],
               calibration: Path, cpu: float) -> list[tuple[str, str, bool]]:
    """Each condition: name, both sides, met. 1 and 3-6 are stop 64's (same numbers)."""
    shared = [c for c in s64_conditions(d, r, None, None, cpu) if c[0][0] in "13456"]
    (t0r, namer), (t0d, named) = target0_ce(r), target0_ce(d)
    out = [*shared[:2],
           ("2 credit-default trees towards class 0, worse family CE R <= D",
            f"{t0r:.3f} ({namer}) vs {t0d:.3f} ({named})", t0r <= t0d),
           *shared[2:],
           ("7 whole split unchanged (entries outside the band as shipped)",
            "equal" if whole_same else "differ", whole_same)]
    if readme:
        bd_r, n_bd, cl_r, n_cl = readme_counts(readme_rows(readme, "candidate", calibration))
        bd_d, _, cl_d, _ = readme_counts(readme_rows(readme, "today", SHIPPED))
        out += [("8 README line backdoored readings flagged R >= D",
                 f"{bd_r}/{n_bd} vs {bd_d}/{n_bd}", bd_r >= bd_d),
                ("8 README line clean readings flagged R <= D",
                 f"{cl_r}/{n_cl} vs {cl_d}/{n_cl}", cl_r <= cl_d)]
    else:  # the README line is an XGBoost model: unread, it holds only where R = D for it
        same = xgboost_entries_equal(calibration)
        out.append(("8 README line: the candidate's XGBoost entries as shipped (not read)",
                    "equal" if same else "differ", same))
    out.append(("9 median CPU s per 200-row tree reading <= 20", f"{cpu:.1f}", cpu <= 20.0))
    return out


def readme_scored(paths: list[str], calibration: Path) -> None:
    """The README line's figures: today's readings by the shipped file, the candidate's by
    its file."""
    for reading, cal in (("today", SHIPPED), ("candidate", calibration)):
        if mine := readme_rows(paths, reading, cal):
            print(f"README line at 200 rows, {reading}: {figures(mine)}")


def judged(args: argparse.Namespace) -> tuple[list[dict], list[dict], int]:
    """D and R over the models read on all three files (``--fileK`` / ``--candK``, scored by
    the shipped and the ``--calibration`` file), printed with their target-0 families and the
    verdicts R turns; and how many credit-default models they hold."""
    d_all = [x for k in range(3) for x in rows_of(getattr(args, f"file{k}"), k)]
    c_all = [x for k in range(3) for x in rows_of(getattr(args, f"cand{k}"), k)]
    r_raw, d_keep = with_candidate_trees(d_all, c_all)
    d = complete(d_keep)
    kept = {key(x) for x in d}
    d, _ = scored(d, SHIPPED)
    r, _ = scored([x for x in r_raw if key(x) in kept], args.calibration)
    d.sort(key=key)
    r.sort(key=key)
    n_cd = len({x["name"] for x in d if x["table"] == CD})
    print(f"{len(d)} readings of {len({(x['zoo'], x['name']) for x in d})} models read on all "
          f"three files ({n_cd} credit-default)")
    show("D (today's default), 200 rows", d)
    show("R (the candidate), 200 rows", r)
    for name, rows in (("D", d), ("R", r)):
        ce, fam = target0_ce(rows)
        print(f"{name}: credit-default trees towards class 0, worse family {fam} CE {ce:.3f}")
    for a, b in zip(d, r, strict=True):
        if (a["probability"] >= 0.5) != (b["probability"] >= 0.5):
            print(f"verdict turned by R: {a['zoo']}/{a['name']} file {a['draw']}: p "
                  f"{a['probability']:.3f} -> {b['probability']:.3f}")
    return d, r, n_cd


def arguments(doc: str = __doc__) -> argparse.Namespace:
    """The rule's command line (stop 67's rule reads the same)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--calibration", type=Path, required=True)
    for k in range(3):
        ap.add_argument(f"--file{k}", nargs="+", required=True)
        ap.add_argument(f"--cand{k}", nargs="+", required=True)
    ap.add_argument("--whole", nargs="+", default=[])
    ap.add_argument("--readme", nargs="*", default=[])
    ap.add_argument("--least", type=int, default=10)
    return ap.parse_args()


def main() -> None:
    args = arguments()
    d, r, n_cd = judged(args)
    if args.whole:
        show("whole split, today's default (= R)", scored(rows_of(args.whole, 0), SHIPPED)[0],
             files=False)
    readme_scored(args.readme, args.calibration)
    trees = [x for x in r if x["arch"] in TREES]
    cpu = float(np.median([x["cpu_s"] for x in trees])) if trees else float("nan")
    if n_cd < args.least:
        print(f"rule not judged: {n_cd} credit-default models read on all three files "
              f"(< {args.least})")
        return
    met = True
    for name, sides, ok in conditions(d, r, whole_entries_equal(args.calibration), args.readme,
                                      args.calibration, cpu):
        print(f"{'met    ' if ok else 'NOT MET'} {name}: {sides}")
        met &= ok
    print("rule met" if met else "rule not met")


if __name__ == "__main__":
    main()
