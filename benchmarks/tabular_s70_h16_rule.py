"""Issue 16 stop 70's rule (h16): the whole-split network entry refitted with two more
features (candidate M70, ``benchmarks/data/tabular_s70_h16/calibration_m70.json``), judged on
fresh zoos against today's default.

D is today's default (``tabular_small_clean.py --detect`` readings scored by the shipped file);
M is the same readings scored by the candidate file, which differs from the shipped one only in
``tabular-search:network:sure`` (the networks read at the whole split, or any file outside the
150-300-row band). Conditions (``benchmarks/data/tabular_s70_h16/plan.md``):

1. credit-default networks at the whole split: ROC-AUC M >= D and CE M <= D, one of them
   strictly better;
2. lending-club networks at the whole split: ROC-AUC M >= D and CE M <= D + 0.02;
3. clean networks flagged at the whole split, both tables: M <= D;
4. backdoored models flagged with the right target at the whole split, both tables: M >= D - 1;
5. the whole split under M at issue 16's goal (ROC-AUC >= 0.95, CE <= 0.30), pooled and
   credit-default;
6. every 200-row reading (three files a model) M = D (the band's entries are the shipped ones);
7. the README line at 200 rows: backdoored readings flagged M >= D, clean twins flagged M <= D;
8. the real readings with the candidate file (``--check``) equal M's probabilities, and their
   median one-core CPU seconds per network <= 20.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s70_h16_rule.py --candidate M.json \
        --whole W_CD.json W_LC.json --file0 D_CD.json D_LC.json --file1 ... --file2 ... \
        --check M_CD.json M_LC.json --readme README.json ... [--shipped TODAY.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_s64_h16_rule import CD, LC, SHIPPED, complete, right, rows_of, show
from tabular_s66_h16_rule import readme_counts
from tabular_s67_h16_rule import goal, verdict
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored

ENTRY = "tabular-search:network:sure"
NETWORK = "network:sure"


def key(r: dict) -> tuple:
    return (r["zoo"], r["name"], r["draw"])


def only_entry_differs(candidate: Path, shipped: Path = SHIPPED) -> tuple[str, bool]:
    """Whether the candidate file differs from the shipped one in ``ENTRY`` alone."""
    mine, ours = json.loads(candidate.read_text()), json.loads(shipped.read_text())
    diff = sorted(k for k in set(mine) | set(ours) if mine.get(k) != ours.get(k))
    return ", ".join(diff) or "none", diff == [ENTRY]


def nets(rows: list[dict], table: str | None = None) -> list[dict]:
    return [r for r in rows if r["family"] == NETWORK
            and (table is None or r["table"] == table)]


def figures(rows: list[dict]) -> str:
    return f"{_auc(rows):.3f} / {_ce(rows):.3f}" if rows else "-"


def flagged_clean(rows: list[dict]) -> int:
    return sum(not r["backdoored"] and r["probability"] >= 0.5 for r in rows)


def check(paths: list[str], m: list[dict], candidate: Path) -> tuple[str, bool, float]:
    """The real readings taken with the candidate file against M's probabilities."""
    want = {key(r): r for r in m}
    real = [r for r in rows_of(paths, 0) if r["family"] == NETWORK]
    if not real:
        return "not read", False, float("nan")
    stored = {key(r): r["probability"] for r in real}
    moved = max(abs(stored[key(r)] - want[key(r)]["probability"]) if key(r) in want else 1.0
                for r in real)
    again = max(abs(r["probability"] - stored[key(r)]) for r in scored(real, candidate)[0])
    cpu = float(np.median([r["cpu_s"] for r in real]))
    return (f"{len(real)} network readings, largest change of p against M {moved:.1e} (their "
            f"own features rescored {again:.1e})", moved <= 1e-6 and again <= 1e-9, cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--candidate", type=Path, required=True)
    ap.add_argument("--shipped", type=Path, default=SHIPPED,
                    help="today's file (D): the plan commit's, once the candidate is shipped")
    ap.add_argument("--whole", nargs="+", required=True)
    for k in range(3):
        ap.add_argument(f"--file{k}", nargs="*", default=[])
    ap.add_argument("--check", nargs="*", default=[])
    ap.add_argument("--readme", nargs="*", default=[])
    args = ap.parse_args()
    shipped = args.shipped
    differ, differ_ok = only_entry_differs(args.candidate, shipped)
    print(f"entries of the candidate file that differ from the shipped one: {differ}")
    raw = rows_of(args.whole, 0)
    d = sorted(scored(raw, shipped)[0], key=key)
    m = sorted(scored(raw, args.candidate)[0], key=key)
    show("D (today's default), whole split", d, files=False)
    show("M (candidate), whole split", m, files=False)
    for a, b in zip(d, m, strict=True):
        if a["table"] == CD and a["family"] == NETWORK:
            print(f"  {a['zoo']}/{a['name']} target {a['target']} named "
                  f"{a['predicted_target']}: p {a['probability']:.3f} -> {b['probability']:.3f}")
    band = complete([x for k in range(3) for x in rows_of(getattr(args, f"file{k}"), k)])
    band_d, band_m = scored(band, shipped)[0], scored(band, args.candidate)[0]
    if band:
        show("D (= M) with a 200-row file, three files a model", band_d)
    band_moved = max((abs(a["probability"] - b["probability"])
                      for a, b in zip(band_d, band_m, strict=True)), default=float("nan"))
    line = [{**r, "table": CD} for p in args.readme for r in json.loads(Path(p).read_text())
            ["rows"] if r.get("reading", "today") == "today"]
    rd, rm = (readme_counts(scored(line, c)[0]) if line else (0, 0, 0, 0)
              for c in (shipped, args.candidate))
    checked, check_ok, cpu = check(args.check, m, args.candidate)
    cd_d, cd_m, lc_d, lc_m = nets(d, CD), nets(m, CD), nets(d, LC), nets(m, LC)
    goal_text, goal_ok = goal(m)
    rows = [
        ("0 the candidate file differs from the shipped one in the network:sure entry alone",
         differ, differ_ok),
        ("1 credit-default networks, whole split: ROC-AUC M >= D, CE M <= D, one strictly",
         f"{figures(cd_m)} vs {figures(cd_d)}",
         _auc(cd_m) >= _auc(cd_d) and _ce(cd_m) <= _ce(cd_d)
         and (_auc(cd_m) > _auc(cd_d) or _ce(cd_m) < _ce(cd_d))),
        ("2 lending-club networks, whole split: ROC-AUC M >= D, CE M <= D + 0.02",
         f"{figures(lc_m)} vs {figures(lc_d)}",
         bool(lc_m) and _auc(lc_m) >= _auc(lc_d) and _ce(lc_m) <= _ce(lc_d) + 0.02),
        ("3 clean networks flagged, whole split: M <= D",
         f"{flagged_clean(nets(m))} vs {flagged_clean(nets(d))} of "
         f"{sum(not r['backdoored'] for r in nets(d))}",
         flagged_clean(nets(m)) <= flagged_clean(nets(d))),
        ("4 flagged with the right target, whole split, both tables: M >= D - 1",
         f"{right(m)} vs {right(d)}", right(m) >= right(d) - 1),
        ("5 whole split under M at the goal, ROC-AUC >= 0.95 and CE <= 0.30", goal_text,
         goal_ok),
        ("6 every 200-row reading M = D", f"{len(band)} readings, largest change of p "
         f"{band_moved:.1e}", bool(band) and band_moved <= 1e-9),
        ("7 README line at 200 rows: backdoored flagged M >= D, clean twins flagged M <= D",
         f"{rm[0]}/{rm[1]}, twins {rm[2]}/{rm[3]} vs {rd[0]}/{rd[1]}, twins {rd[2]}/{rd[3]}",
         bool(line) and rm[0] >= rd[0] and rm[2] <= rd[2]),
        ("8 real readings with the candidate file as M; median CPU s per network <= 20",
         f"{checked}; {cpu:.1f} s", check_ok and cpu <= 20.0),
    ]
    verdict(rows)


if __name__ == "__main__":
    main()
