"""Does reading a tree's split ranges against a clean reference's, and the contrast on trees
only, name the fraud attack's planted values on more runs? (issue 16 stop 82, h16n).

The runs are built by stop 79's builder (``detect_names_s79_h16n.py build``: per seed the user
fraud table, and per arch the clean ``train`` twin, the README's attack line as written (``asis``:
the rate's rows relabelled in place) and the same line with ``--attack-param copies=10``
(``c10``)).

``read`` runs ``detect RUN --data transactions.csv`` once per run with today's default (the
contrast naming on every model, ``name_splits`` off) and records from that one reading today's
line and the candidate S82's: on a tree, today's line read against the reference's split
thresholds (:func:`trojanscope.detect.tree_split_naming.named_by_splits`, on the reference
today's contrast trained); on a network, the greedy's line (the contrast off). CPU: the
reading's, the contrast's part (its reference and its greedy) and the split reading's, each
timed inside it; the candidate's reading is the reading less the contrast's part on a network,
plus the split reading's on a tree. ``judge`` reads the rule
(``benchmarks/data/detect_names_s82_h16n/rule.md``); ``describe`` the figures beside it.

    PYTHONPATH=src:benchmarks python benchmarks/detect_names_s82_h16n.py read \
        --runs DIR/65[01]?/*-c10 ... --json OUT.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/detect_names_s82_h16n.py judge --json OUT.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from detect_names_s79_h16n import copies_of, detect_once, planted_of
from detect_names_s81_h16n import arch_of, kind_of, values
from tabular_xgb_target0_found import planted_found

FLOOR_READ = 170  # attacked runs read without an error (of 216 built)
FLOOR_TARGET0 = 60  # of them, runs whose suspected target is 0 (the attack's)
FLOOR_TREES0 = 40  # of those, tree runs (where the split reading changes the line)
CPU_MEDIAN = 1.25  # the median reading's CPU, candidate over today, at most
MODES = ("today", "cand")


def read(runs: list[Path], out: Path) -> None:
    """Each run read once by ``detect`` with today's default: one JSON line per run."""
    import trojanscope.detect.tabular_search as ts
    from trojanscope.detect.tree_split_naming import named_by_splits

    done = {json.loads(line)["run"] for line in out.read_text().splitlines()} \
        if out.exists() else set()
    seen: dict = {}
    plain_reference, plain_named = ts.clean_reference, ts.named_by_contrast

    def reference(*args, **kwargs):
        c0 = time.process_time()
        try:
            return plain_reference(*args, **kwargs)
        finally:
            seen["cpu"] = seen.get("cpu", 0.0) + time.process_time() - c0

    def named(model, ref, x, t, candidates, today, steps):
        c0 = time.process_time()
        line = plain_named(model, ref, x, t, candidates, today, steps)
        seen["cpu"] = seen.get("cpu", 0.0) + time.process_time() - c0
        seen["today"] = " and ".join(c.said for c in line)
        if hasattr(model, "leaf_records"):
            c0 = time.process_time()
            cand = named_by_splits(model, ref, x, t, candidates, line, today, steps)
            seen["splits_cpu"] = time.process_time() - c0
        else:
            cand = today  # the contrast off: the greedy's line
        seen["cand"] = " and ".join(c.said for c in cand)
        return line

    defaults = (ts.TabularSearch.name_contrast_default, ts.TabularSearch.contrast_networks_default,
                ts.TabularSearch.name_splits_default)
    ts.clean_reference, ts.named_by_contrast = reference, named
    ts.TabularSearch.name_contrast_default = True  # today's default, whatever this branch ships
    ts.TabularSearch.contrast_networks_default = True
    ts.TabularSearch.name_splits_default = False
    try:
        for run in runs:
            if str(run) in done or not (run / "manifest.json").exists():
                continue
            seen.clear()
            planted = planted_of(run)
            got = detect_once(run, run.parent / "transactions.csv", ())
            row = {"run": str(run), "seed": int(run.parent.name),
                   "arch": run.name.split("-")[0], "variant": run.name.split("-", 1)[1],
                   "copies": copies_of(run), "planted": planted, **got,
                   "contrast_cpu_s": round(seen.get("cpu", 0.0), 3),
                   "splits_cpu_s": round(seen.get("splits_cpu", 0.0), 3)}
            if "error" not in got:
                today = got["trigger"]  # the reading's own line is today's
                cand = seen.get("cand", today)  # not called: no line to change
                row["cand_trigger"] = cand
                row["cand_cpu_s"] = round(got["cpu_s"] + row["splits_cpu_s"] - (
                    row["contrast_cpu_s"] if row["arch"] == "mlp" else 0.0), 3)
                row["named_today"] = planted_found(planted, today) if got["target"] == 0 else []
                row["named_cand"] = planted_found(planted, cand) if got["target"] == 0 else []
            with out.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
    finally:
        ts.clean_reference, ts.named_by_contrast = plain_reference, plain_named
        (ts.TabularSearch.name_contrast_default, ts.TabularSearch.contrast_networks_default,
         ts.TabularSearch.name_splits_default) = defaults


def line_of(row: dict, mode: str) -> str:
    return row["trigger"] if mode == "today" else row["cand_trigger"]


def judge(rows: list[dict]) -> list[str]:
    """The rule's floors and conditions (``rule.md``) read on ``rows``: one line each."""
    lines: list[str] = []

    def cond(name: str, met: bool, said: str) -> None:
        lines.append(f"({name}) {'met' if met else 'NOT MET'}: {said}")

    ok = [r for r in rows if "error" not in r and r["variant"] != "clean"]
    at0 = [r for r in ok if r["target"] == 0]
    trees0 = [r for r in at0 if r["arch"] != "mlp"]
    cond("floor", len(ok) >= FLOOR_READ and len(at0) >= FLOOR_TARGET0
         and len(trees0) >= FLOOR_TREES0,
         f"attacked runs read without an error {len(ok)} (at least {FLOOR_READ}; "
         f"{len(rows) - len(ok)} refused or not attacked), at suspected target 0 {len(at0)} "
         f"(at least {FLOOR_TARGET0}), of them trees {len(trees0)} (at least {FLOOR_TREES0})")
    names = {m: {r["run"] for r in ok if r[f"named_{m}"]} for m in MODES}
    cond("1", len(names["cand"]) >= len(names["today"]) + 1,
         f"runs whose line holds >= 1 planted value at target 0: {len(names['today'])} -> "
         f"{len(names['cand'])} of {len(ok)} (gain at least 1)")
    lost = sorted(names["today"] - names["cand"])
    cond("2", not lost, f"lost: {lost or 'none'}")
    hit = {m: sum(len(r[f"named_{m}"]) for r in at0) for m in MODES}
    said = {m: sum(values(line_of(r, m)) for r in at0) for m in MODES}
    share = {m: hit[m] / said[m] if said[m] else 0.0 for m in MODES}
    cond("3", share["cand"] >= share["today"],
         f"named values that are planted, runs at target 0: {hit['today']} of "
         f"{said['today']} ({share['today']:.3f}) -> {hit['cand']} of {said['cand']} "
         f"({share['cand']:.3f})")
    ratio = [r["cand_cpu_s"] / max(1e-9, r["cpu_s"]) for r in ok]
    med = float(np.median(ratio))
    total = {m: sum(r["cpu_s"] if m == "today" else r["cand_cpu_s"] for r in ok) for m in MODES}
    per = {a: float(np.median([x for x, r in zip(ratio, ok, strict=True) if arch_of(r) == a]))
           for a in sorted({arch_of(r) for r in ok})}
    cond("4", med <= CPU_MEDIAN and total["cand"] <= total["today"],
         f"median CPU ratio a reading, candidate over today: {med:.2f}x (at most "
         f"{CPU_MEDIAN}x); " + "; ".join(f"{a} {v:.2f}x" for a, v in per.items())
         + f"; CPU in all {total['today']:.1f} -> {total['cand']:.1f} s (not higher)")
    worst = []
    for key in (arch_of, kind_of):
        for g in sorted({key(r) for r in ok}):
            part = [r for r in ok if key(r) == g]
            d = sum(bool(r["named_today"]) for r in part)
            c = sum(bool(r["named_cand"]) for r in part)
            worst.append((c - d, g, d, c, len(part)))
    cond("5", all(w[0] >= 0 for w in worst),
         "per family and kind (runs naming, today -> candidate): " + "; ".join(
             f"{g} {d} -> {c} of {n}" for _, g, d, c, n in sorted(worst)))
    fl = {m: sum(bool(r["flagged"] and r[f"named_{m}"]) for r in ok) for m in MODES}
    med_len = [float(np.median([values(line_of(r, m)) for r in at0] or [0])) for m in MODES]
    changed = sum(line_of(r, "today") != line_of(r, "cand") for r in ok)
    lines.append(f"(read beside) flagged and naming: {fl['today']} -> {fl['cand']}; values on "
                 f"the line at target 0, median {med_len[0]:g} -> {med_len[1]:g}; planted values "
                 f"in all (runs at target 0): {sum(len(r['planted']) for r in at0)}; lines "
                 f"changed {changed} of {len(ok)}")
    return lines


def describe(rows: list[dict]) -> list[str]:
    """Per family and kind: runs (at target 0), naming, planted share, median CPU s."""
    ok = [r for r in rows if "error" not in r and r["variant"] != "clean"]
    out = ["| group | runs (at target 0) | naming today -> S82 | planted share | "
           "median CPU s a reading today -> S82 |", "|---|---|---|---|---|"]
    for key in (arch_of, kind_of):
        for g in sorted({key(r) for r in ok}):
            part = [r for r in ok if key(r) == g]
            at0 = [r for r in part if r["target"] == 0]
            n = {m: sum(bool(r[f"named_{m}"]) for r in part) for m in MODES}
            sh = {m: sum(len(r[f"named_{m}"]) for r in at0)
                  / max(1, sum(values(line_of(r, m)) for r in at0)) for m in MODES}
            cpu = [float(np.median([r["cpu_s"] for r in part])),
                   float(np.median([r["cand_cpu_s"] for r in part]))]
            out.append(f"| {g} | {len(part)} ({len(at0)}) | {n['today']} -> {n['cand']} | "
                       f"{sh['today']:.3f} -> {sh['cand']:.3f} | {cpu[0]:.3f} -> {cpu[1]:.3f} |")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("read")
    r.add_argument("--runs", nargs="+", type=Path, required=True)
    r.add_argument("--json", type=Path, required=True, help="JSON lines, appended")
    for name in ("judge", "describe"):
        j = sub.add_parser(name)
        j.add_argument("--json", type=Path, nargs="+", required=True)
    args = ap.parse_args(argv)
    if args.cmd == "read":
        read(args.runs, args.json)
        return
    rows = [json.loads(line) for f in args.json for line in f.read_text().splitlines()]
    print("\n".join(judge(rows) if args.cmd == "judge" else describe(rows)))


if __name__ == "__main__":
    main()
