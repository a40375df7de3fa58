"""Does naming by contrast with a clean reference trained on the user's file put the fraud
attack's planted values on ``detect``'s suspected-trigger line? (issue 16 stop 81, h16n).

The runs are built by stop 79's builder (``detect_names_s79_h16n.py build``: per seed the user
fraud table, and per arch the clean ``train`` twin, the README's attack line as written (``asis``:
since stop 80 the rate's rows relabelled in place) and the same line with ``--attack-param
copies=10`` (``c10``)).

``read`` runs ``detect RUN --data transactions.csv`` once per run with the candidate
(``TabularSearch.name_contrast_default = True``, candidate R81) and records, from that one
reading, today's line (the named set the contrast naming receives, which is the line without
it), the candidate's line, the verdict, and the CPU the contrast took (its reference and its
greedy); ``judge`` reads the rule (``benchmarks/data/detect_names_s81_h16n/rule.md``).

    PYTHONPATH=src:benchmarks python benchmarks/detect_names_s81_h16n.py read \
        --runs DIR/68[45]?/*-c10 ... --json OUT.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/detect_names_s81_h16n.py judge --json OUT.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from detect_names_s79_h16n import copies_of, detect_once, planted_of
from tabular_xgb_target0_found import planted_found

FLOOR_READ = 175  # attacked runs read without an error (of 219 built)
FLOOR_TARGET0 = 60  # of them, runs whose suspected target is 0 (the attack's)


def read(runs: list[Path], out: Path) -> None:
    """Each run read once by ``detect`` with the contrast naming on: one JSON line per run."""
    import trojanscope.detect.tabular_search as ts

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
        try:
            seen["today"] = " and ".join(c.said for c in today)
            return plain_named(model, ref, x, t, candidates, today, steps)
        finally:
            seen["cpu"] = seen.get("cpu", 0.0) + time.process_time() - c0

    before = ts.TabularSearch.name_contrast_default
    ts.clean_reference, ts.named_by_contrast = reference, named
    ts.TabularSearch.name_contrast_default = True
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
                   "contrast_cpu_s": round(seen.get("cpu", 0.0), 3)}
            if "error" not in got:
                cand = got["trigger"]
                today = seen.get("today", cand)  # not called: the line is today's
                row["today_trigger"] = today
                row["named_today"] = planted_found(planted, today) if got["target"] == 0 else []
                row["named_cand"] = planted_found(planted, cand) if got["target"] == 0 else []
            with out.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
    finally:
        ts.clean_reference, ts.named_by_contrast = plain_reference, plain_named
        ts.TabularSearch.name_contrast_default = before


def arch_of(row: dict) -> str:
    return row["arch"]


def kind_of(row: dict) -> str:
    return "c10" if row["copies"] else "in place"


def values(line: str) -> int:
    return len(line.split(" and ")) if line else 0


def judge(rows: list[dict]) -> list[str]:
    """The rule's floors and conditions (``rule.md``) read on ``rows``: one line each."""
    lines: list[str] = []

    def cond(name: str, met: bool, said: str) -> None:
        lines.append(f"({name}) {'met' if met else 'NOT MET'}: {said}")

    ok = [r for r in rows if "error" not in r and r["variant"] != "clean"]
    at0 = [r for r in ok if r["target"] == 0]
    cond("floor", len(ok) >= FLOOR_READ and len(at0) >= FLOOR_TARGET0,
         f"attacked runs read without an error {len(ok)} (at least {FLOOR_READ}; "
         f"{len(rows) - len(ok)} refused or not attacked), at suspected target 0 {len(at0)} "
         f"(at least {FLOOR_TARGET0})")
    names = {m: {r["run"] for r in ok if r[f"named_{m}"]} for m in ("today", "cand")}
    cond("1", len(names["cand"]) >= len(names["today"]) + 1,
         f"runs whose line holds >= 1 planted value at target 0: {len(names['today'])} -> "
         f"{len(names['cand'])} of {len(ok)} (gain at least 1)")
    lost = sorted(names["today"] - names["cand"])
    cond("2", not lost, f"lost: {lost or 'none'}")
    hit = {m: sum(len(r[f"named_{m}"]) for r in at0) for m in ("today", "cand")}
    said = {"today": sum(values(r["today_trigger"]) for r in at0),
            "cand": sum(values(r["trigger"]) for r in at0)}
    share = {m: hit[m] / said[m] if said[m] else 0.0 for m in hit}
    cond("3", share["cand"] >= share["today"],
         f"named values that are planted, runs at target 0: {hit['today']} of "
         f"{said['today']} ({share['today']:.3f}) -> {hit['cand']} of {said['cand']} "
         f"({share['cand']:.3f})")
    ratio = [r["cpu_s"] / max(1e-9, r["cpu_s"] - r["contrast_cpu_s"]) for r in ok]
    med = float(np.median(ratio))
    per = {a: float(np.median([x for x, r in zip(ratio, ok, strict=True) if arch_of(r) == a]))
           for a in sorted({arch_of(r) for r in ok})}
    cond("4", med <= 1.5, f"median CPU ratio a reading, with the contrast over without it: "
         f"{med:.2f}x (at most 1.5x); " + "; ".join(f"{a} {v:.2f}x" for a, v in per.items()))
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
    fl = {m: sum(bool(r["flagged"] and r[f"named_{m}"]) for r in ok) for m in ("today", "cand")}
    med_len = [float(np.median([values(r[k]) for r in at0] or [0]))
               for k in ("today_trigger", "trigger")]
    lines.append(f"(read beside) flagged and naming: {fl['today']} -> {fl['cand']}; values on "
                 f"the line at target 0, median {med_len[0]:g} -> {med_len[1]:g}; planted values "
                 f"in all (runs at target 0): {sum(len(r['planted']) for r in at0)}")
    return lines


def describe(rows: list[dict]) -> list[str]:
    """Beside the rule (no condition): per family and kind, runs at target 0, runs naming,
    planted share of the named values, median CPU s a reading and of the contrast's part."""
    ok = [r for r in rows if "error" not in r and r["variant"] != "clean"]
    lines = ["group | runs (at target 0) | naming today -> C | planted share today -> C | "
             "median CPU s a reading (contrast part)"]
    groups = [("all", lambda r: True)] + [
        (g, lambda r, g=g, k=k: k(r) == g) for k in (arch_of, kind_of)
        for g in sorted({k(r) for r in ok})]
    for name, keep in groups:
        part = [r for r in ok if keep(r)]
        at0 = [r for r in part if r["target"] == 0]
        share = []
        for m, line in (("today", "today_trigger"), ("cand", "trigger")):
            said = sum(values(r[line]) for r in at0)
            share.append(sum(len(r[f"named_{m}"]) for r in at0) / said if said else 0.0)
        lines.append(
            f"{name} | {len(part)} ({len(at0)}) | "
            f"{sum(bool(r['named_today']) for r in part)} -> "
            f"{sum(bool(r['named_cand']) for r in part)} | {share[0]:.3f} -> {share[1]:.3f} | "
            f"{float(np.median([r['cpu_s'] for r in part])):.3f} "
            f"({float(np.median([r['contrast_cpu_s'] for r in part])):.3f})")
    moved = sum(r["today_trigger"] != r["trigger"] for r in ok)
    lines.append(f"lines changed by the contrast: {moved} of {len(ok)}")
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("read")
    r.add_argument("--runs", nargs="+", type=Path, required=True)
    r.add_argument("--json", type=Path, required=True, help="JSON lines, appended")
    for name in ("judge", "describe"):
        sub.add_parser(name).add_argument("--json", type=Path, nargs="+", required=True)
    a = ap.parse_args(argv)
    if a.cmd == "read":
        read(a.runs, a.json)
    else:
        rows = [json.loads(line) for f in a.json for line in f.read_text().splitlines()]
        print("\n".join(judge(rows) if a.cmd == "judge" else describe(rows)))


if __name__ == "__main__":
    main()
