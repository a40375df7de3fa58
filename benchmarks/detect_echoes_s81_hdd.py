"""Issue 16 stop 81 (hdd): ``label-groups``' echoes screen (``-p echoes=1``) against today's
default, on the fraud attack's runs that relabel in place and on clean tables.

``runs`` and ``tables`` are stop 79's readers (``detect_twins_s79_hdd``: each run folder or
clean twin read as ``detect-data RUN`` reads it, both settings, a training split read once).
``clean`` reads clean tables as stop 80's ``clean`` did (``detect_twins_s80_hdd.clean_rows``:
``bench_tabular_detect``'s sets of ``--bases``, their synthetic clean tables, ``REAL`` lists
and CSVs), the screen being this one: ``label_echoes.echo_groups`` as ``label-groups`` runs
it, and where it keeps rows, today's full read for the rows it adds beyond today's flags (the
candidate adds its groups' rows after the cut and moves no other flag). ``rule`` judges
``benchmarks/data/detect_echoes_s81_hdd/rule.md``.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \\
        benchmarks/detect_echoes_s81_hdd.py runs --runs '/tmp/hdd81/fresh/*/*-attack' \\
        --json OUT.json
    ... tables --tables '/tmp/hdd81/fresh/*/*-clean' --json OUT.json
    ... clean --bases 17900,18000 --synthetic 30 --csv '/tmp/hdd81/fresh_real/*/*.csv' \\
        --json OUT.json
    ... rule --runs-json R.json --tables-json T.json --clean-json C.json
    ... rates --runs-json R.json     (TPR/FPR per run, beside the rule)
    ... misses --runs-json R.json    (each table's trigger and finds, beside the rule)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import detect_twins_s79_hdd as s79
import detect_twins_s80_hdd as s80
from detect_copies_s78_hdd import cpu, read, write_rows
from trojanscope.detect.data.label_echoes import echo_groups
from trojanscope.detect.data.shared_values import table_of, value_codes

# today's default as the rule reads it (main b6a48f74: twins 1, twin_null 5, no echoes),
# pinned so that a rerun reads the same whatever the default becomes
TODAY = {"twins": 1, "twin_null": 5, "echoes": 0}
CANDIDATE = {"twins": 1, "twin_null": 5, "echoes": 1}
TIME_RATIO = 2.0
FLOORS = {"runs": 60, "multi_runs": 20, "twins": 60, "real": 12, "synthetic": 50, "sets": 40}
D, C = "default", "echoes"


def screen_rows(data, mask: np.ndarray | None) -> dict:
    """The echoes screen on one table as ``label-groups`` runs it (seed 0): its groups, the
    rows they hold, and those beyond today's flags (``beyond``; of them poison,
    ``beyond_poison``). The keys are stop 80's (``twin_rows`` the screen's rows)."""
    x, schema = table_of(data)
    labels = np.asarray([int(data[i][1]) for i in range(len(data))])
    codes = value_codes(x, schema)
    t0 = cpu()
    found, bar = echo_groups(codes, labels)
    rows = np.zeros(len(codes), bool)
    for g in found:
        rows |= g["members"]
    beyond = np.zeros(len(codes), bool)
    if rows.any():
        flags, _ = read(data, None, TODAY)
        beyond = rows.copy()
        beyond[flags] = False
    return {"rows": len(codes), "groups": len(found), "null_bar": None if np.isnan(bar) else
            round(bar, 3), "kept": len(found), "twin_rows": int(rows.sum()),
            "beyond": int(beyond.sum()),
            "beyond_poison": int((beyond & mask).sum()) if mask is not None else 0,
            "screen_cpu_s": round(cpu() - t0, 3)}


def family(row: dict) -> str:
    """In place: one row relabelled, or several sharing the trigger; or copies."""
    if row["copies"]:
        return "copies"
    return "in place, one row" if row["poison"] == 1 else "in place, 2+ rows"


def judge(runs: list[dict], twins: list[dict], clean: list[dict]) -> tuple[bool, list[str]]:
    """The rule's floors and conditions (``rule.md``), each with its figures."""
    full_d, full_c = (sum(r[v]["full"] for r in runs) for v in (D, C))
    lost, down, pooled = s79.run_losses(runs, D, C)
    more = [f"{r['seed']} {r['arch']}" for r in twins
            if not set(r[C].get("flags", [])) <= set(r[D].get("flags", []))]
    kinds = {k: [r for r in clean if r["kind"] == k] for k in ("set", "synthetic", "real")}
    added = [f"{r['set']} ({r['beyond'] - r['beyond_poison']})" for r in clean
             if r["beyond"] - r["beyond_poison"] > 0]
    med = [float(np.median([r[v]["cpu_s"] for r in runs])) for v in (D, C)]
    floors = {"runs": len(runs), "multi_runs": sum(r["poison"] > 1 for r in runs),
              "twins": len(twins), "real": len(kinds["real"]),
              "synthetic": len(kinds["synthetic"]), "sets": len(kinds["set"])}
    short = [f"{k} {floors[k]} < {FLOORS[k]}" for k in FLOORS if floors[k] < FLOORS[k]]
    conds = [
        ("(0) floors", not short, f"{floors}; short: {', '.join(short) or 'none'}"),
        ("(1) runs with the poison found in full: more", full_c > full_d,
         f"{full_d} -> {full_c} of {len(runs)}"),
        ("(2) none lost", not lost, f"lost: {', '.join(lost) or 'none'}"),
        ("(3) precision not down (per run, and pooled)", not down and pooled[1] >= pooled[0],
         f"runs down: {', '.join(down) or 'none'}; pooled {pooled[0]:.3f} -> {pooled[1]:.3f}"),
        ("(4) clean twins: no row flagged that today does not", not more,
         f"{len(twins)} twins; flags {sum(r[D]['flagged'] for r in twins)} -> "
         f"{sum(r[C]['flagged'] for r in twins)}; more on: {', '.join(more) or 'none'}"),
        ("(5) clean tables and sets: no clean row added", not added,
         f"{len(clean)} ({', '.join(f'{k} {len(v)}' for k, v in kinds.items())}); groups on "
         f"{sum(r['groups'] > 0 for r in clean)}; clean rows added on: "
         f"{', '.join(added) or 'none'}"),
        ("(6) median CPU s per read within 2x", med[1] <= TIME_RATIO * med[0],
         f"{med[0]:.3f} -> {med[1]:.3f} ({med[1] / med[0]:.2f}x)"),
    ]
    met = all(ok for _, ok, _ in conds)
    return met, [f"{name}: {'met' if ok else 'NOT MET'} ({said})" for name, ok, said in conds]


def by_family(runs: list[dict]) -> list[str]:
    """Per family (one arch's runs stand for all: each split is read once): found in full."""
    out = []
    for fam in sorted({family(r) for r in runs}):
        rs = [r for r in runs if family(r) == fam]
        out.append(f"{fam} ({len(rs)} runs): found in full {sum(r[D]['full'] for r in rs)} -> "
                   f"{sum(r[C]['full'] for r in rs)}")
    return out


def rates(runs: list[dict]) -> list[str]:
    """Issue 16's data-level reading beside the rule's (added after the rule, not a
    condition): per family and setting, the runs whose flags reach TPR >= 0.95 at FPR <= 0.05
    (FPR: clean rows flagged of the run's clean rows), and the median FPR."""
    out = []
    for fam in [*sorted({family(r) for r in runs}), None]:
        rs = [r for r in runs if fam in (None, family(r))]
        parts = []
        for v in (D, C):
            tpr = [r[v]["poison_flagged"] / r["poison"] for r in rs]
            fpr = [(r[v]["flagged"] - r[v]["poison_flagged"]) / (r["rows"] - r["poison"])
                   for r in rs]
            hit = sum(t >= 0.95 and f <= 0.05 for t, f in zip(tpr, fpr, strict=True))
            parts.append(f"{v}: TPR >= 0.95 at FPR <= 0.05 on {hit}, median FPR "
                         f"{np.median(fpr):.3f}")
        out.append(f"{fam or 'all'} ({len(rs)} runs): " + "; ".join(parts))
    return out


def misses(runs: list[dict]) -> list[str]:
    """Per table (its first arch's run; the archs share the split): rows relabelled, the
    trigger, and whether each setting found them in full (added after the rule)."""
    out, seen = [], set()
    for r in runs:
        if r["seed"] in seen:
            continue
        seen.add(r["seed"])
        out.append(f"{r['seed']}: {r['poison']} of {r['rows']} rows; {r['trigger']}; found in "
                   f"full: today {'yes' if r[D]['full'] else 'no'}, echoes "
                   f"{'yes' if r[C]['full'] else 'no'} ({r[C]['poison_flagged']} flagged)")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, what in (("runs", "run folders (globs)"), ("tables", "clean twins (globs)")):
        p = sub.add_parser(name)
        p.add_argument(f"--{name}", nargs="+", required=True, help=what)
        p.add_argument("--json", type=Path, required=True)
    cl = sub.add_parser("clean")
    cl.add_argument("--bases", default="")
    cl.add_argument("--synthetic", type=int, default=30)
    cl.add_argument("--real", default="", help="tabular_clean_tables REAL lists, comma-sep.")
    cl.add_argument("--csv", nargs="*", default=[], help="real clean CSVs (globs), is_label")
    cl.add_argument("--json", type=Path, required=True)
    r = sub.add_parser("rule")
    for name in ("runs", "tables", "clean"):
        r.add_argument(f"--{name}-json", nargs="+", required=True)
    for name, what in (("rates", "TPR/FPR per run"), ("misses", "each table's trigger")):
        sub.add_parser(name, help=f"{what} (beside the rule)").add_argument(
            "--runs-json", nargs="+", required=True)
    args = ap.parse_args()
    if args.cmd in ("rates", "misses"):
        print("\n".join((rates if args.cmd == "rates" else misses)(
            s79.load_rows(args.runs_json))))
        return
    s79.VARIANTS = {D: TODAY, C: CANDIDATE}  # stop 79's readers, this candidate
    s80.screen_rows = screen_rows  # stop 80's clean reader, this screen
    if args.cmd == "rule":
        runs = s79.load_rows(args.runs_json)
        met, lines = judge(runs, s79.load_rows(args.tables_json),
                           s79.load_rows(args.clean_json))
        print("\n".join(s79.summary(runs) + by_family(runs) + lines
                        + [f"RULE {'MET' if met else 'NOT MET'}"]))
        return
    t0 = cpu()
    if args.cmd == "clean":
        rows = s80.clean_rows([int(b) for b in args.bases.split(",") if b], args.synthetic,
                              [x for x in args.real.split(",") if x], args.csv)
        lines = [f"{len(rows)} sets and tables; groups on {sum(r['groups'] > 0 for r in rows)} "
                 f"({sum(r['twin_rows'] for r in rows)} rows; beyond today's flags "
                 f"{sum(r['beyond'] for r in rows)}, of them poison "
                 f"{sum(r['beyond_poison'] for r in rows)}); screen CPU s median "
                 f"{np.median([r['screen_cpu_s'] for r in rows]):.3f}, most "
                 f"{max(r['screen_cpu_s'] for r in rows):.2f}"]
        write_rows(args.json, rows, lines, t0)
        return
    paths = [p for p in s79.sorted_paths(args.runs if args.cmd == "runs" else args.tables)
             if (p / "manifest.json").is_file()]
    rows = (s79.read_all(paths, s79.run_row) if args.cmd == "runs" else
            s79.read_all(paths, lambda p, seen: s79.table_row(p, "is_fraud", seen)))
    write_rows(args.json, rows, s79.summary(rows), t0)


if __name__ == "__main__":
    main()
