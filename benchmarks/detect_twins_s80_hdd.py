"""Issue 16 stop 80 (hdd): ``label-groups``' twins screen with a per-table null from shuffled
labels (``-p twins=1 -p twin_null=K``) against today's default, on the fraud attack's runs and
on clean tables.

``runs`` and ``tables`` are stop 79's readers (``detect_twins_s79_hdd``: each run folder or
clean twin read as ``detect-data RUN`` reads it, both settings, a training split read once),
the candidate being ``twins=1, twin_null=K``. ``clean`` reads clean tables the way stop 79's
``bundled`` did: the screen alone, as ``label-groups`` runs it with the candidate
(``twin_groups`` on the table's naive Bayes terms, then ``null_bar`` over K seeded
permutations), and where it keeps rows, today's full read for the rows it adds beyond the
default's flags (the candidate adds its groups' rows after the cut and moves no other flag).
Its tables: ``bench_tabular_detect``'s sets of ``--bases`` (the bundled tables, clean and
poisoned), ``tabular_clean_tables``' synthetic clean tables of those bases (seeds base + 60
…), ``--real`` lists of ``REAL`` and CSVs (``--csv``, label ``is_label``: the drawn real
tables of ``detect_twins_s80_hdd_real.py``). ``rule`` judges
``benchmarks/data/detect_twins_s80_hdd/rule.md``.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \
        benchmarks/detect_twins_s80_hdd.py runs --runs '/tmp/hdd80/fresh/67*/*-attack' \
        --json OUT.json
    ... tables --tables '/tmp/hdd80/fresh/67*/*-clean' --json OUT.json
    ... clean --bases 17700,17800 --synthetic 30 --csv '/tmp/hdd80/fresh_real/*/*.csv' \
        --json OUT.json
    ... rule --runs-json R.json --clean-json C.json --tables-json T.json
"""

from __future__ import annotations

import argparse
import glob
import json
import tempfile
from pathlib import Path

import numpy as np

import detect_twins_s79_hdd as s79
from detect_copies_s78_hdd import cpu, read, write_rows
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_twins import null_bar

DRAWS = 5  # the candidate's twin_null (the rule's)
CANDIDATE = {"twins": 1, "twin_null": DRAWS}
# today's default as the rule read it (main 2d91dcef: no twins); pinned since the candidate
# became the default, so a rerun reads the same
TODAY = {"twins": 0}
TIME_RATIO = 1.5
FLOORS = {"copies_runs": 60, "twins": 90, "real": 30, "synthetic": 50, "sets": 40}


def screen_rows(data, mask: np.ndarray | None, draws: int = DRAWS) -> dict:
    """The candidate's twins screen on one table, as ``label-groups`` runs it (folds 5, seed
    0, ``min_rows`` 5): the groups, the null's bar (the most twins rows a draw of shuffled
    labels gives), and the rows it keeps beyond today's flags (``beyond``; of them poison,
    ``beyond_poison``)."""
    codes, labels, found, rows, t0 = s79.twin_rows(data)
    bar = null_bar(codes, labels, 5, draws, 0, int(rows.sum())) if found and draws else None
    kept = found if bar is None or rows.sum() > bar else []
    if not kept:
        rows[:] = False
    beyond = np.zeros(len(codes), bool)
    if rows.any():
        flags, _ = read(data, None, TODAY)
        beyond = rows.copy()
        beyond[flags] = False
    return {"rows": len(codes), "groups": len(found), "null_bar": bar, "kept": len(kept),
            "twin_rows": int(rows.sum()), "beyond": int(beyond.sum()),
            "beyond_poison": int((beyond & mask).sum()) if mask is not None else 0,
            "screen_cpu_s": round(cpu() - t0, 3)}


def clean_rows(bases: list[int], synthetic: int, real: list[str], csvs: list[str]
               ) -> list[dict]:
    """``screen_rows`` on the bases' sets, their synthetic tables, ``REAL`` lists and CSVs."""
    from bench_tabular_detect import scored_sets
    from tabular_clean_tables import tables

    out: list[dict] = []

    def one(kind: str, name: str, data, mask) -> None:
        out.append({"kind": kind, "set": name, "poison": int(mask.sum()) if mask is not None
                    else 0, **screen_rows(data, mask)})
        print(json.dumps(out[-1]), flush=True)

    for base in bases:
        for ds, name, target, seed, data, mask in scored_sets(base):
            one("set", f"{base} {ds} {name} {target} {seed}", data, mask)
    for base in bases:
        for title, df, label, _ in tables(base, synthetic, None):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "table.csv"
                df.to_csv(path, index=False)
                one("synthetic", title, load_suspect(path, label).data, None)
    for lists in real:
        for title, df, label, _ in tables(0, 0, lists):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "table.csv"
                df.to_csv(path, index=False)
                one("real", title, load_suspect(path, label).data, None)
    for path in sorted({p for g in csvs for p in glob.glob(g)}):
        one("real", path, load_suspect(Path(path), "is_label").data, None)
    return out


def judge(runs: list[dict], twins: list[dict], clean: list[dict]) -> tuple[bool, list[str]]:
    """The rule's floors and conditions (``rule.md``), each with its figures."""
    d, c = "default", "twins"
    copies = [r for r in runs if r["copies"]]
    full_d, full_c = (sum(r[v]["full"] for r in runs) for v in (d, c))
    lost, down, pooled = s79.run_losses(runs, d, c)
    more = [f"{r['seed']} {r['arch']}" for r in twins
            if not set(r[c].get("flags", [])) <= set(r[d].get("flags", []))]
    kinds = {k: [r for r in clean if r["kind"] == k] for k in ("set", "synthetic", "real")}
    added = [f"{r['set']} ({r['beyond'] - r['beyond_poison']})" for r in clean
             if r["beyond"] - r["beyond_poison"] > 0]
    med = [float(np.median([r[v]["cpu_s"] for r in runs])) for v in (d, c)]
    floors = {"copies_runs": len(copies), "twins": len(twins), "real": len(kinds["real"]),
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
         f"{len(twins)} twins; flags {sum(r[d]['flagged'] for r in twins)} -> "
         f"{sum(r[c]['flagged'] for r in twins)}; more on: {', '.join(more) or 'none'}"),
        ("(5) clean tables and sets: no clean row added", not added,
         f"{len(clean)} ({', '.join(f'{k} {len(v)}' for k, v in kinds.items())}); groups "
         f"found before the null on {sum(r['groups'] > 0 for r in clean)}, kept on "
         f"{sum(r['kept'] > 0 for r in clean)}; clean rows added on: "
         f"{', '.join(added) or 'none'}"),
        ("(6) median CPU s per read within 1.5x", med[1] <= TIME_RATIO * med[0],
         f"{med[0]:.3f} -> {med[1]:.3f} ({med[1] / med[0]:.2f}x)"),
    ]
    met = all(ok for _, ok, _ in conds)
    return met, [f"{name}: {'met' if ok else 'NOT MET'} ({said})" for name, ok, said in conds]


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
    args = ap.parse_args()
    s79.VARIANTS = {"default": TODAY, "twins": CANDIDATE}  # stop 79's readers, this candidate
    if args.cmd == "rule":
        runs = s79.load_rows(args.runs_json)
        met, lines = judge(runs, s79.load_rows(args.tables_json),
                           s79.load_rows(args.clean_json))
        print("\n".join(s79.summary(runs) + lines + [s79.worst_family(runs),
                                                       f"RULE {'MET' if met else 'NOT MET'}"]))
        return
    t0 = cpu()
    if args.cmd == "clean":
        rows = clean_rows([int(b) for b in args.bases.split(",") if b], args.synthetic,
                          [x for x in args.real.split(",") if x], args.csv)
        lines = [f"{len(rows)} sets and tables; groups before the null on "
                 f"{sum(r['groups'] > 0 for r in rows)}, kept on "
                 f"{sum(r['kept'] > 0 for r in rows)} ({sum(r['twin_rows'] for r in rows)} "
                 f"rows; beyond today's flags {sum(r['beyond'] for r in rows)}, of them poison "
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
