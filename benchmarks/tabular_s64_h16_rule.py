"""Issue 16 stop 64's rule (h16): a candidate calibration file judged on three 200-row files per
model, against today's default on the same readings.

D is today's default: ``tabular_small_clean.py --detect`` readings of fresh zoos, each model
read on three independent 200-row files (``--file0``/``--file1``/``--file2``, each a list of
rows files, one per table) and on the whole clean split (``--whole``). R is each reading scored
by the candidate file (``tabular_user_rule.scored``: the features do not depend on the
calibrator). Only models read on all three files are judged. Conditions
(``benchmarks/data/tabular_s64_h16/plan.md``):

1. credit-default, pooled over the three files: cross-entropy R < D, ROC-AUC R >= D - 0.01;
2. credit-default, the worst file: the highest per-file cross-entropy R <= D's;
3. both tables pooled over the three files: cross-entropy R <= D, ROC-AUC R >= D - 0.01;
4. lending-club pooled over the three files: cross-entropy R <= D + 0.02;
5. clean readings flagged R <= D; backdoored readings flagged with the right target R >= D - 1;
6. the worst family (table x kind x target, pooled over files): cross-entropy R <= D's;
7. the whole split unchanged: every reading's p under R equals D's (within 1e-9);
8. the suite's user-made XGBoost backdoor flagged at 200 rows under R (``--user``: the CLI's
   JSON verdict read with the candidate file);
9. the median one-core CPU seconds per reading at 200 rows <= 20 (R reads D's features).

Prints the figures (per file, pooled, per table and kind, worst family) and each condition
with both sides, then ``rule met`` / ``rule not met`` / ``rule not judged`` (fewer than
``--least`` credit-default models read on all three files).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s64_h16_rule.py --calibration CAND.json \
        --file0 A_CD.json A_LC.json --file1 ... --file2 ... --whole W_CD.json W_LC.json \
        --user USER.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import figures, kind, worst
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored

SHIPPED = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"
CD, LC = "credit-default", "lending-club"


def rows_of(paths: list[str], label: int) -> list[dict]:
    """The readings of ``paths`` as file ``label`` (the draw index the rule reads); a path
    ``FILE#K`` keeps only its readings of draw ``K`` (a file holding several draws)."""
    out = []
    for p in paths:
        path, _, k = p.partition("#")
        rows = json.loads(Path(path).read_text())["rows"]
        out += [{**r, "draw": label} for r in rows if not k or r["draw"] == int(k)]
    return out


def complete(rows: list[dict], files: int = 3) -> list[dict]:
    """The readings of models read on every file."""
    seen: dict[tuple[str, str], set[int]] = {}
    for r in rows:
        seen.setdefault((r["zoo"], r["name"]), set()).add(r["draw"])
    return [r for r in rows if len(seen[(r["zoo"], r["name"])]) == files]


def right(rows: list[dict]) -> int:
    return sum(r["backdoored"] and r["probability"] >= 0.5
               and r["predicted_target"] == r["target"] for r in rows)


def flagged_clean(rows: list[dict]) -> int:
    return sum(not r["backdoored"] and r["probability"] >= 0.5 for r in rows)


def worst_ce(rows: list[dict]) -> float:
    return float(worst(rows).rsplit("CE ", 1)[1].rstrip(")"))


def file_ce(rows: list[dict]) -> float:
    """The highest cross-entropy of one file's readings."""
    return max(_ce([r for r in rows if r["draw"] == k]) for k in sorted({r["draw"] for r in rows}))


def conditions(d: list[dict], r: list[dict], whole_moved: float | None, user_p: float | None,
               cpu: float) -> list[tuple[str, str, bool]]:
    """Each condition: name, both sides, met."""
    dc, rc = [x for x in d if x["table"] == CD], [x for x in r if x["table"] == CD]
    dl, rl = [x for x in d if x["table"] == LC], [x for x in r if x["table"] == LC]
    out = [
        ("1 credit-default CE R < D", f"{_ce(rc):.3f} vs {_ce(dc):.3f}", _ce(rc) < _ce(dc)),
        ("1 credit-default ROC-AUC R >= D - 0.01", f"{_auc(rc):.3f} vs {_auc(dc):.3f}",
         _auc(rc) >= _auc(dc) - 0.01),
        ("2 credit-default worst file CE R <= D", f"{file_ce(rc):.3f} vs {file_ce(dc):.3f}",
         file_ce(rc) <= file_ce(dc)),
        ("3 pooled CE R <= D", f"{_ce(r):.3f} vs {_ce(d):.3f}", _ce(r) <= _ce(d)),
        ("3 pooled ROC-AUC R >= D - 0.01", f"{_auc(r):.3f} vs {_auc(d):.3f}",
         _auc(r) >= _auc(d) - 0.01),
    ]
    if dl:
        out.append(("4 lending-club CE R <= D + 0.02", f"{_ce(rl):.3f} vs {_ce(dl):.3f}",
                    _ce(rl) <= _ce(dl) + 0.02))
    out += [
        ("5 clean readings flagged R <= D", f"{flagged_clean(r)} vs {flagged_clean(d)}",
         flagged_clean(r) <= flagged_clean(d)),
        ("5 backdoored flagged with the right target R >= D - 1", f"{right(r)} vs {right(d)}",
         right(r) >= right(d) - 1),
        ("6 worst family CE R <= D", f"{worst(r)} vs {worst(d)}", worst_ce(r) <= worst_ce(d)),
        ("7 whole split unchanged",
         "not read" if whole_moved is None else f"largest change {whole_moved:.2e}",
         whole_moved is not None and whole_moved <= 1e-9),
        ("8 suite's user-made XGBoost backdoor flagged under R",
         "not read" if user_p is None else f"p {user_p:.3f}",
         user_p is not None and user_p >= 0.5),
        ("9 median CPU s per reading <= 20", f"{cpu:.1f}", cpu <= 20.0),
    ]
    return out


def turned(rows: list[dict]) -> str:
    """Per model over its files: the median range of p and the models whose verdict turns."""
    per: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        per.setdefault((r["zoo"], r["name"]), []).append(r)
    out = []
    for bd, what in ((False, "clean"), (True, "backdoored")):
        ps = [[x["probability"] for x in v] for v in per.values() if v[0]["backdoored"] == bd]
        if ps:
            moved = sum(min(p) < 0.5 <= max(p) for p in ps)
            spread = float(np.median([max(p) - min(p) for p in ps]))
            out.append(f"{what} range of p median {spread:.2f}, verdict turned {moved} of "
                       f"{len(ps)}")
    return "; ".join(out)


def show(title: str, rows: list[dict], files: bool = True) -> None:
    """Pooled, per table and kind, the worst family; with ``files`` each file and the
    verdicts turned over them."""
    print(f"{title}: pooled {figures(rows)}; right {right(rows)}; worst {worst(rows)}")
    for table in (CD, LC):
        mine = [x for x in rows if x["table"] == table]
        if not mine:
            continue
        kinds = " | ".join(f"{k} {figures([x for x in mine if kind(x) == k])}"
                           for k in sorted({kind(x) for x in mine}))
        print(f"  {table} {figures(mine)}; right {right(mine)} | {kinds}")
        if not files:
            continue
        print(f"    over the files: {turned(mine)}")
        for k in sorted({x["draw"] for x in mine}):
            print(f"    file {k}: {figures([x for x in mine if x['draw'] == k])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calibration", type=Path, required=True)
    for k in range(3):
        ap.add_argument(f"--file{k}", nargs="+", required=True)
    ap.add_argument("--whole", nargs="+", default=[])
    ap.add_argument("--user", type=Path, help="the CLI's JSON verdict under the candidate")
    ap.add_argument("--least", type=int, default=10)
    args = ap.parse_args()
    read = complete([x for k in range(3) for x in rows_of(getattr(args, f"file{k}"), k)])
    d, _ = scored(read, SHIPPED)
    r, _ = scored(read, args.calibration)
    n_cd = len({x["name"] for x in d if x["table"] == CD})
    print(f"{len(d)} readings of {len({(x['zoo'], x['name']) for x in d})} models read on "
          f"all three files ({n_cd} credit-default)")
    show("D (today's default), 200 rows", d)
    show("R (the candidate), 200 rows", r)
    for a, b in zip(d, r, strict=True):  # the readings whose verdict the candidate turns
        if (a["probability"] >= 0.5) != (b["probability"] >= 0.5):
            print(f"verdict turned by R: {a['zoo']}/{a['name']} file {a['draw']}: p "
                  f"{a['probability']:.3f} -> {b['probability']:.3f}")
    whole = rows_of(args.whole, 0)
    moved = max((abs(a["probability"] - b["probability"]) for a, b in
                 zip(scored(whole, SHIPPED)[0], scored(whole, args.calibration)[0],
                     strict=True)), default=None)
    if whole:
        show("whole split (D = R where condition 7 holds)", scored(whole, SHIPPED)[0])
    user_p = (float(json.loads(args.user.read_text())["probability"]) if args.user else None)
    cpu = float(np.median([x["cpu_s"] for x in read])) if read else float("nan")
    if n_cd < args.least:
        print(f"rule not judged: {n_cd} credit-default models read on all three files "
              f"(< {args.least})")
        return
    met = True
    for name, sides, ok in conditions(d, r, moved, user_p, cpu):
        print(f"{'met    ' if ok else 'NOT MET'} {name}: {sides}")
        met &= ok
    print("rule met" if met else "rule not met")


if __name__ == "__main__":
    main()
