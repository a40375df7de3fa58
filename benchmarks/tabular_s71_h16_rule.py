"""Issue 16 stop 71's rule (h16): whole-split networks read with two clean twins beside the
sure rows (candidate T71: ``-p whole_twins=2`` with ``benchmarks/data/tabular_s71_h16/
calibration_t71.json``), judged on fresh zoos against today's default.

D is today's default (``tabular_small_clean.py --detect`` readings, scored by the shipped
file). C is D with each network's whole-split reading replaced by its ``whole_twins=2``
reading (``--twins``) scored by the candidate file, which is the shipped file with the entry
``tabular-search:network:sure:twins`` added. Conditions
(``benchmarks/data/tabular_s71_h16/plan.md``):

1. credit-default networks, whole split: ROC-AUC C >= D and CE C <= D, one strictly better;
2. the family this stop is for, credit-default MLPs aimed at class 1 (with the table's clean
   networks), whole split: CE C <= D;
3. none lost: every backdoored network D flags, C flags (both tables); clean networks flagged
   C <= D;
4. lending-club networks, whole split: ROC-AUC C >= D and CE C <= D + 0.02;
5. flagged with the right target, whole split, both tables: C >= D - 1;
6. the whole split under C at issue 16's goal (ROC-AUC >= 0.95, CE <= 0.30), pooled and
   credit-default;
7. the ``whole_twins`` readings scored by the shipped file equal D (the twins change no
   feature the default reads), and their median one-core CPU seconds per network <= 20;
8. the worst family's CE at the whole split (table x library x target): C <= D.

Stated, not conditions (in the 150-300-row band ``whole_twins`` reads nothing: C = D there by
construction, tested): today's default with a 200-row file (``--file0`` ...) and the README
line at 200 rows (``--readme``).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s71_h16_rule.py --candidate C.json \
        --whole W_CD.json W_LC.json --twins T_CD.json T_LC.json [--file0 ...] [--readme ...] \
        [--write-c C.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_s64_h16_rule import CD, LC, SHIPPED, complete, right, rows_of, show, worst_ce
from tabular_s66_h16_rule import readme_counts
from tabular_s67_h16_rule import goal, verdict
from tabular_s70_h16_rule import figures, flagged_clean, key
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored

ENTRY = "tabular-search:network:sure:twins"


def networks(rows: list[dict], table: str | None = None) -> list[dict]:
    return [r for r in rows if r["family"].startswith("network")
            and (table is None or r["table"] == table)]


def family1(rows: list[dict]) -> list[dict]:
    """Credit-default networks aimed at class 1, with the table's clean networks."""
    return [r for r in networks(rows, CD) if r["target"] in (None, 1)]


def with_twins(d: list[dict], twins: list[dict]) -> list[dict]:
    """D with each network replaced by its ``whole_twins`` reading (refused where one is
    missing: a network C did not read is not C's)."""
    by = {key(r): r for r in twins}
    out = []
    for r in d:
        if r["family"].startswith("network"):
            if key(r) not in by:
                raise SystemExit(f"error: {r['zoo']}/{r['name']} has no whole_twins reading")
            out.append(by[key(r)])
        else:
            out.append(r)
    return out


def lost(d: list[dict], c: list[dict]) -> list[str]:
    """Backdoored networks D flags and C does not."""
    return [f"{a['zoo']}/{a['name']}" for a, b in zip(d, c, strict=True)
            if a["backdoored"] and a["probability"] >= 0.5 > b["probability"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--candidate", type=Path, required=True)
    ap.add_argument("--shipped", type=Path, default=SHIPPED, help="today's file (D)")
    ap.add_argument("--whole", nargs="+", required=True)
    ap.add_argument("--twins", nargs="+", required=True)
    for k in range(3):
        ap.add_argument(f"--file{k}", nargs="*", default=[])
    ap.add_argument("--readme", nargs="*", default=[])
    ap.add_argument("--write-c", type=Path, default=None,
                    help="C's whole-split rows, for tabular_small_clean.py --summary")
    args = ap.parse_args()
    d = sorted(scored(rows_of(args.whole, 0), args.shipped)[0], key=key)
    raw = [r for r in rows_of(args.twins, 0) if r["family"].startswith("network")]
    # the shipped file holds no ``:twins`` entry: calibrate() falls back to ``network:sure``
    fallback = [{**r, "family": r["family"].removesuffix(":twins")} for r in raw]
    as_today = {key(r): r for r in scored(fallback, args.shipped)[0]}
    c = sorted(scored(with_twins(d, raw), args.candidate)[0], key=key)
    if args.write_c:
        args.write_c.write_text(json.dumps({"params": {"whole_twins": 2}, "rows": c}, indent=1))
    same = max((abs(as_today[key(r)]["probability"] - r["probability"])
                for r in networks(d)), default=float("nan"))
    cpu = float(np.median([r["cpu_s"] for r in raw])) if raw else float("nan")
    show("D (today's default), whole split", d, files=False)
    show("C (T71), whole split", c, files=False)
    for a, b in zip(d, c, strict=True):
        if a["family"].startswith("network") and a["table"] == CD:
            tag = f"target {a['target']}" if a["backdoored"] else "clean"
            print(f"  {a['zoo']}/{a['name']} ({tag}, named {a['predicted_target']}): vs_twins "
                  f"{b['features'].get('tab_excess_vs_twins', float('nan')):.3f}, p "
                  f"{a['probability']:.3f} -> {b['probability']:.3f}")
    band = complete([x for k in range(3) for x in rows_of(getattr(args, f"file{k}"), k)],
                    files=sum(bool(getattr(args, f"file{k}")) for k in range(3)) or 3)
    if band:
        show("D (= C) with a 200-row file", scored(band, args.shipped)[0])
    if args.readme:
        line = [{**r, "table": CD} for r in rows_of(args.readme, 0)
                if r.get("reading", "today") == "today"]
        bd, n_bd, cl, n_cl = readme_counts(scored(line, args.shipped)[0])
        print(f"README line at 200 rows (D = C): backdoored flagged {bd}/{n_bd}, clean twins "
              f"flagged {cl}/{n_cl}")
    cd_d, cd_c, lc_d, lc_c = networks(d, CD), networks(c, CD), networks(d, LC), networks(c, LC)
    gone = lost(networks(d), networks(c))
    goal_text, goal_ok = goal(c)
    rows = [
        ("1 credit-default networks, whole split: ROC-AUC C >= D, CE C <= D, one strictly",
         f"{figures(cd_c)} vs {figures(cd_d)}",
         bool(cd_c) and _auc(cd_c) >= _auc(cd_d) and _ce(cd_c) <= _ce(cd_d)
         and (_auc(cd_c) > _auc(cd_d) or _ce(cd_c) < _ce(cd_d))),
        ("2 credit-default MLPs aimed at class 1 (with the clean networks): CE C <= D",
         f"{figures(family1(c))} vs {figures(family1(d))}",
         bool(family1(c)) and _ce(family1(c)) <= _ce(family1(d))),
        ("3 none lost: every backdoored network D flags C flags; clean flagged C <= D",
         f"lost {gone or 'none'}; clean {flagged_clean(networks(c))} vs "
         f"{flagged_clean(networks(d))} of {sum(not r['backdoored'] for r in networks(d))}",
         not gone and flagged_clean(networks(c)) <= flagged_clean(networks(d))),
        ("4 lending-club networks, whole split: ROC-AUC C >= D, CE C <= D + 0.02",
         f"{figures(lc_c)} vs {figures(lc_d)}",
         bool(lc_c) and _auc(lc_c) >= _auc(lc_d) and _ce(lc_c) <= _ce(lc_d) + 0.02),
        ("5 flagged with the right target, whole split, both tables: C >= D - 1",
         f"{right(c)} vs {right(d)}", right(c) >= right(d) - 1),
        ("6 whole split under C at the goal, ROC-AUC >= 0.95 and CE <= 0.30", goal_text,
         goal_ok),
        ("7 whole_twins readings scored by the shipped file = D; median CPU s per network "
         "<= 20", f"largest change of p {same:.1e}; {cpu:.1f} s",
         same <= 1e-9 and cpu <= 20.0),
        ("8 the worst family's CE, whole split: C <= D",
         f"{worst_ce(c):.3f} vs {worst_ce(d):.3f}", worst_ce(c) <= worst_ce(d)),
    ]
    verdict(rows)


if __name__ == "__main__":
    main()
