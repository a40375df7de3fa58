"""Issue 16 stop 79 (hdd): ``detect-data RUN`` on the fraud attack's runs, today's
``label-groups`` against ``-p twins=1`` (``label_twins``: rows that are another label's rows
with one shared assignment written over).

``runs`` replays each run folder as ``detect-data RUN`` does (``load_suspect``) and reads both
settings on it: flags, the poison rows flagged (the triggered copies of a copies run, the
relabelled rows in place), whether all of them are (``full``), precision, CPU s, and the top
group. ``tables`` reads clean tables or clean twins (a ``train`` run folder: its training
split; a CSV: ``--label-column``) the same way: the rows each flags. A training set read once
is not read again (``digest``: the three archs' runs of a table share one poisoned split), its
row copied. ``rule`` judges ``benchmarks/data/detect_twins_s79_hdd/rule.md``'s conditions.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \
        benchmarks/detect_twins_s79_hdd.py runs --runs '/tmp/hdd79/fresh/67*/*-attack' \
        --json OUT.json
    ... tables --tables '/tmp/hdd79/fresh/67*/*-clean' --json OUT.json
    ... rule --runs-json R.json --clean-json C.json --bundled-json B.json
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import re
import tempfile
from pathlib import Path

import numpy as np

from detect_copies_s78_hdd import add_runs_tables, cpu, read, write_rows
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_groups import naive_bayes_terms
from trojanscope.detect.data.label_twins import twin_groups
from trojanscope.detect.data.shared_values import table_of, value_codes
from trojanscope.errors import UserInputError
from trojanscope.io.manifest import read_manifest

# the settings as stop 79 read them: today's default then (no twins), the screen without a null
# (twins is the default since stop 80, with twin_null 5: pinned so a rerun reads the same)
VARIANTS = {"default": {"twins": 0}, "twins": {"twins": 1, "twin_null": 0}}
TIME_RATIO = 1.5  # the rule: the candidate's median CPU s per read within 1.5x the default's


def digest(data) -> str:
    """A training set's rows and labels, hashed: the same split read once."""
    x, _ = table_of(data)
    labels = np.asarray([int(data[i][1]) for i in range(len(data))])
    return hashlib.sha1(np.ascontiguousarray(x).tobytes() + labels.tobytes()).hexdigest()[:16]


def names_of(run: Path) -> dict:
    """Seed and arch from a folder ``.../SEED/ARCH-KIND``."""
    seed = run.parent.name
    return {"seed": int(seed) if seed.isdigit() else seed, "arch": run.name.split("-")[0]}


def run_row(run: Path, seen: dict[str, dict]) -> dict:
    """One attack run, both settings: poison rows flagged, full, precision, CPU s, top group
    (a training split in ``seen``: its readings copied, ``read_once`` naming the run read)."""
    man = read_manifest(run)
    added = getattr(man.attack, "added_rows", None) or {}
    s = load_suspect(run)
    poison = np.asarray(s.poison, bool)
    row = {"run": str(run), **names_of(run), "rows": len(s.data),
           "copies": int(added.get("copies", 0)), "poison": int(poison.sum()),
           "eligible": added.get("eligible"),
           "avoid_target": bool((man.attack.trigger or {}).get("avoid_target")),
           "trigger": (man.attack.trigger or {}).get("values"), "digest": digest(s.data)}
    if row["digest"] in seen:
        return {**row, **{v: seen[row["digest"]][v] for v in VARIANTS},
                "read_once": seen[row["digest"]]["run"]}
    for name, params in VARIANTS.items():
        t0 = cpu()
        flags, top = read(s.data, s.poison, params)
        hit = int(poison[flags].sum())
        row[name] = {"flagged": len(flags), "poison_flagged": hit,
                     "full": bool(poison.any()) and hit == int(poison.sum()),
                     "precision": hit / len(flags) if len(flags) else None,
                     "flags": flags.tolist(),
                     "top": {k: top.get(k) for k in ("label", "column", "value", "rows", "score",
                                                     "screen")},
                     "cpu_s": round(cpu() - t0, 3)}
    return row


def table_row(path: Path, label: str, seen: dict[str, dict]) -> dict:
    """One clean table (a CSV) or clean twin (a ``train`` run folder): rows each flags."""
    s = load_suspect(path) if path.is_dir() else load_suspect(path, label)
    row = {"table": str(path), **names_of(path), "rows": len(s.data), "digest": digest(s.data)}
    if row["digest"] in seen:
        return {**row, **{v: seen[row["digest"]][v] for v in VARIANTS},
                "read_once": seen[row["digest"]]["table"]}
    for name, params in VARIANTS.items():
        t0 = cpu()
        try:
            flags, top = read(s.data, None, params)
        except UserInputError as exc:  # a class under the method's fewest rows
            row[name] = {"flagged": 0, "refused": str(exc)}
            continue
        row[name] = {"flagged": len(flags), "flags": flags.tolist(),
                     "top": {k: top.get(k) for k in ("label", "column", "value", "rows",
                                                     "screen")},
                     "cpu_s": round(cpu() - t0, 3)}
    return row


def read_all(paths: list[Path], one) -> list[dict]:
    """``one(path)`` per path, a training set read before copied (its digest)."""
    rows: list[dict] = []
    seen: dict[str, dict] = {}
    for p in paths:
        r = one(p, seen)
        rows.append(r)
        print(json.dumps({k: r[k] for k in ("seed", "arch", "rows")} | {
            v: {k: r[v].get(k) for k in ("flagged", "poison_flagged", "full")}
            for v in VARIANTS}), flush=True)
        seen.setdefault(r["digest"], r)
    return rows


def twin_rows(data) -> tuple[np.ndarray, np.ndarray, list[dict], np.ndarray, float]:
    """The set's codes and labels, the twins screen's groups as ``label-groups`` runs it
    (folds 5, seed 0, ``min_rows`` 5), the rows they hold, and the CPU clock when the screen
    started (after the naive Bayes terms ``label-groups`` reads anyway)."""
    x, schema = table_of(data)
    labels = np.asarray([int(data[i][1]) for i in range(len(data))])
    codes = value_codes(x, schema)
    terms, prior = naive_bayes_terms(codes, labels, int(labels.max()) + 1, 5, 0)
    t0 = cpu()
    found = twin_groups(codes, labels, terms.sum(1) + prior, terms, 5)
    rows = np.zeros(len(codes), bool)
    for g in found:
        rows |= g["members"]
    return codes, labels, found, rows, t0


def screen_rows(data, mask: np.ndarray | None) -> dict:
    """The twins screen alone on one set (``label_twins.twin_groups``, as ``twins=1`` reads it):
    the rows it would add. ``twins=1`` adds its groups' rows after the cut and moves no other
    score or flag, so a set where it finds none is flagged the same both ways."""
    codes, _, found, rows, t0 = twin_rows(data)
    beyond = 0
    if rows.any():  # the rows the default does not flag already (what twins=1 would add)
        flags, _ = read(data, None, VARIANTS["default"])
        beyond = int(rows.sum() - rows[flags].sum())
    return {"rows": len(codes), "twin_rows": int(rows.sum()), "twin_beyond_default": beyond,
            "twin_poison": int((rows & mask).sum()) if mask is not None else 0,
            "groups": len(found), "screen_cpu_s": round(cpu() - t0, 3)}


def bundled_rows(bases: list[int], synthetic: int, real: list[str]) -> list[dict]:
    """The twins screen on ``bench_tabular_detect``'s sets of ``bases`` (bundled tables, clean
    and poisoned) and ``tabular_clean_tables``' clean tables (``synthetic`` per base, the
    ``real`` lists)."""
    from bench_tabular_detect import scored_sets
    from tabular_clean_tables import tables

    out = []
    for base in bases:
        for ds, name, target, seed, data, mask in scored_sets(base):
            out.append({"set": f"{base} {ds} {name} {target} {seed}",
                        "poison": int(mask.sum()), **screen_rows(data, mask)})
            print(json.dumps(out[-1]), flush=True)
    for lists in [None, *real]:
        for base in (bases if lists is None else [0]):
            for title, df, label, _ in tables(base, synthetic if lists is None else 0, lists):
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / "table.csv"
                    df.to_csv(path, index=False)
                    data = load_suspect(path, label).data
                out.append({"set": title, "poison": 0, **screen_rows(data, None)})
                print(json.dumps(out[-1]), flush=True)
    return out


def family(row: dict) -> str:
    """The run's kind: fraud-aware copies, today's values with copies, or in place."""
    if row["copies"]:
        return "copies, fraud-aware" if row["avoid_target"] else "copies, today's values"
    return "in place"


def summary(rows: list[dict]) -> list[str]:
    """Per setting and family (and arch): runs, found in full, poison rows flagged,
    precision pooled, median CPU s."""
    out = []
    keys = sorted({(family(r), r["arch"]) for r in rows if "poison" in r})
    for fam in [*sorted({k[0] for k in keys}), None]:
        for arch in [*sorted({k[1] for k in keys}), None]:
            rs = [r for r in rows if "poison" in r and fam in (None, family(r))
                  and arch in (None, r["arch"])]
            if not rs:
                continue
            parts = []
            for v in VARIANTS:
                flagged = sum(r[v]["flagged"] for r in rs)
                hit = sum(r[v]["poison_flagged"] for r in rs)
                parts.append(f"{v}: full {sum(r[v]['full'] for r in rs)}, poison flagged {hit} "
                             f"of {sum(r['poison'] for r in rs)}, precision "
                             f"{hit / flagged if flagged else float('nan'):.3f} ({flagged} flags)"
                             f", median CPU {np.median([r[v]['cpu_s'] for r in rs]):.3f} s")
            out.append(f"{fam or 'all'} / {arch or 'all'} ({len(rs)} runs): " + "; ".join(parts))
    tables = [r for r in rows if "table" in r]
    if tables:
        for v in VARIANTS:
            out.append(f"clean: {v}: flags on {sum(r[v]['flagged'] > 0 for r in tables)} of "
                       f"{len(tables)}, {sum(r[v]['flagged'] for r in tables)} rows, refused "
                       f"{sum('refused' in r[v] for r in tables)}")
    return out


def run_losses(runs: list[dict], d: str = "default", c: str = "twins"
               ) -> tuple[list[str], list[str], list[float]]:
    """The runs ``d`` finds in full and ``c`` does not, those where ``c``'s precision is
    below ``d``'s, and the two settings' pooled precision."""
    lost = [f"{r['seed']} {r['arch']}" for r in runs if r[d]["full"] and not r[c]["full"]]
    down = [f"{r['seed']} {r['arch']}" for r in runs
            if r[d]["precision"] is not None and (r[c]["precision"] or 0) < r[d]["precision"]]
    pooled = [sum(r[v]["poison_flagged"] for r in runs) / max(1, sum(r[v]["flagged"]
                                                                      for r in runs))
              for v in (d, c)]
    return lost, down, pooled


def judge(runs: list[dict], clean: list[dict], bundled: list[dict]) -> tuple[bool, list[str]]:
    """The rule's conditions (``rule.md``), each with its figures."""
    d, c = "default", "twins"
    full_d = sum(r[d]["full"] for r in runs)
    full_c = sum(r[c]["full"] for r in runs)
    lost, down, pooled = run_losses(runs)
    more_clean = [f"{r['seed']} {r['arch']}" for r in clean
                  if r[c]["flagged"] > r[d]["flagged"]
                  or not set(r[c].get("flags", [])) <= set(r[d].get("flags", []))]
    moved = [r["set"] for r in bundled if r["twin_beyond_default"]]
    med = [float(np.median([r[v]["cpu_s"] for r in runs])) for v in (d, c)]
    conds = [
        ("(1) runs with the poison found in full up", full_c > full_d, f"{full_d} -> {full_c} "
         f"of {len(runs)}"),
        ("(2) none lost", not lost, f"lost: {', '.join(lost) or 'none'}"),
        ("(3) precision not down (per run, and pooled)", not down and pooled[1] >= pooled[0],
         f"runs down: {', '.join(down) or 'none'}; pooled {pooled[0]:.3f} -> {pooled[1]:.3f}"),
        ("(4) clean twins' flags not up", not more_clean, f"{len(clean)} twins; flags "
         f"{sum(r[d]['flagged'] for r in clean)} -> {sum(r[c]['flagged'] for r in clean)} rows "
         f"on {sum(r[d]['flagged'] > 0 for r in clean)} -> "
         f"{sum(r[c]['flagged'] > 0 for r in clean)}; more on: {', '.join(more_clean) or 'none'}"),
        ("(5) bundled and clean-table flags unchanged", bool(bundled) and not moved,
         f"{len(bundled)} sets and tables; a row added on: {', '.join(map(str, moved)) or 'none'}"),
        ("(6) median CPU s per read within 1.5x", med[1] <= TIME_RATIO * med[0],
         f"{med[0]:.3f} -> {med[1]:.3f} ({med[1] / med[0]:.2f}x)"),
    ]
    met = all(ok for _, ok, _ in conds)
    return met, [f"{name}: {'met' if ok else 'NOT MET'} ({said})" for name, ok, said in conds]


def worst_family(runs: list[dict]) -> str:
    """The (arch, family) whose candidate finds the poison in full on the smallest share."""
    cells = {}
    for r in runs:
        cells.setdefault((r["arch"], family(r)), []).append(r["twins"]["full"])
    arch, fam = min(cells, key=lambda k: (np.mean(cells[k]), -len(cells[k])))
    hits = cells[(arch, fam)]
    return f"worst family: {arch} x {fam}: {sum(hits)} of {len(hits)} found in full"


def sorted_paths(globs: list[str]) -> list[Path]:
    """The paths the globs match, each once, in natural order (6760 before 6799, 2 before 10)."""
    return sorted({Path(p) for g in globs for p in glob.glob(g)},
                  key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(p))])


def load_rows(paths: list[str]) -> list[dict]:
    return [r for p in paths for r in json.loads(Path(p).read_text())["rows"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    add_runs_tables(sub, "clean CSVs or train runs (globs)")
    bd = sub.add_parser("bundled")
    bd.add_argument("--bases", default="2000", help="bench_tabular_detect bases, comma-separated")
    bd.add_argument("--synthetic", type=int, default=30)
    bd.add_argument("--real", default="dev", help="tabular_clean_tables REAL lists, comma-sep.")
    bd.add_argument("--json", type=Path, required=True)
    r = sub.add_parser("rule")
    r.add_argument("--runs-json", nargs="+", required=True)
    r.add_argument("--clean-json", nargs="+", required=True)
    r.add_argument("--bundled-json", nargs="+", required=True)
    args = ap.parse_args()
    if args.cmd == "rule":
        runs = load_rows(args.runs_json)
        met, lines = judge(runs, load_rows(args.clean_json), load_rows(args.bundled_json))
        print("\n".join(summary(runs) + lines + [worst_family(runs),
                                                   f"RULE {'MET' if met else 'NOT MET'}"]))
        return
    t0 = cpu()
    if args.cmd == "bundled":
        rows = bundled_rows([int(b) for b in args.bases.split(",") if b], args.synthetic,
                            [r for r in args.real.split(",") if r])
        lines = [f"{len(rows)} sets and tables; the twins screen adds rows on "
                 f"{sum(r['twin_rows'] > 0 for r in rows)} ({sum(r['twin_rows'] for r in rows)}"
                 f" rows, {sum(r['twin_poison'] for r in rows)} of them poison; beyond the "
                 f"default's flags on {sum(r['twin_beyond_default'] > 0 for r in rows)}, "
                 f"{sum(r['twin_beyond_default'] for r in rows)} rows); screen CPU s "
                 f"median {np.median([r['screen_cpu_s'] for r in rows]):.3f}, most "
                 f"{max(r['screen_cpu_s'] for r in rows):.2f}"]
        write_rows(args.json, rows, lines, t0)
        return
    paths = sorted_paths(args.runs if args.cmd == "runs" else args.tables)
    if args.cmd == "runs":
        rows = read_all([p for p in paths if (p / "manifest.json").is_file()], run_row)
    else:
        rows = read_all([p for p in paths if p.is_file() or (p / "manifest.json").is_file()],
                        lambda p, seen: table_row(p, args.label_column, seen))
    write_rows(args.json, rows, summary(rows), t0)


if __name__ == "__main__":
    main()
