"""Does ``detect``'s suspected trigger name the fraud attack's planted values on its copies
runs? (issue 16 stop 79, h16n).

``build`` writes each seed's user fraud table (hatk's maker, ``tabular_s76_hatk_floor.seed_table``)
and per arch trains the clean ``train`` twin, the README's attack line as written (``asis``: copies
where the gate adds them, fraud-aware values) and the same line with ``--attack-param copies=10``
(``c10``: copies on every table, as hcmd's and h16v's readings), **discarding every command's
output** so that fresh tables are built before the rule and read after it.

``read`` runs ``detect RUN --data transactions.csv`` as the README writes it, today and with the
candidate's ``name_categories`` set as the default in this process, on each run folder, and records
the verdict, probability, suspected trigger and which planted values it names; ``judge`` reads
the rule (``benchmarks/data/detect_names_s79_h16n/rule.md``).

    PYTHONPATH=src:benchmarks python benchmarks/detect_names_s79_h16n.py build --work DIR \
        --seeds 6420-6439 --log BUILD.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from tabular_s76_h16z_fraud import cli, seeds_of
from tabular_s76_hatk_floor import readme_line, seed_table
from tabular_xgb_target0_found import planted_found

ARCHS = ("lightgbm", "xgboost", "mlp")
VARIANTS = {"clean": None, "asis": (), "c10": ("--attack-param", "copies=10")}


def build(work: Path, seeds: list[int], archs: tuple[str, ...], log: Path) -> None:
    """Each seed's table, and per arch its clean twin and two attack runs, trained and not
    scored: one JSON line of exit codes and CPU s per (seed, arch) in ``log``."""
    for s in seeds:
        folder, csv, df, _ = seed_table(work, s)
        for arch in archs:
            codes, cpu = {}, {}
            for name, extra in VARIANTS.items():
                run = folder / f"{arch}-{name}"
                if (run / "manifest.json").exists():
                    continue
                c0 = time.process_time()
                code, _said, _ = (readme_line(csv, run, arch, train=True) if extra is None
                                  else readme_line(csv, run, arch, *extra))
                codes[name], cpu[name] = code, round(time.process_time() - c0, 2)
            with log.open("a") as fh:
                fh.write(json.dumps({"seed": s, "arch": arch, "rows": len(df), "codes": codes,
                                     "cpu_s": cpu}) + "\n")


def detect_once(run: Path, csv: Path, extra: tuple[str, ...]) -> dict:
    """``detect RUN --data CSV`` (with ``extra`` words) in this process: exit code, verdict,
    probability, target, suspected trigger and CPU s."""
    c0 = time.process_time()
    code, said = cli("detect", str(run), "--data", str(csv), "--format", "json", *extra)
    cpu = time.process_time() - c0
    try:
        got = json.loads(said[said.find("{"):said.rfind("}") + 1])
    except ValueError:
        return {"exit": code, "error": said.strip()[-300:], "cpu_s": round(cpu, 3)}
    return {"exit": code, "flagged": bool(got.get("flagged")),
            "probability": got.get("probability"), "target": got.get("suspected_target"),
            "trigger": got.get("suspected_trigger") or "", "cpu_s": round(cpu, 3)}


def planted_of(run: Path) -> dict[str, str]:
    """The run's planted values (``column -> value``; {} for a clean run)."""
    attack = json.loads((run / "manifest.json").read_text()).get("attack") or {}
    values = (attack.get("trigger") or {}).get("values")
    return dict(kv.split("=", 1) for kv in values.split(",")) if values else {}


def copies_of(run: Path) -> int:
    """Triggered copies the attack added (0: in place, or a clean run)."""
    attack = json.loads((run / "manifest.json").read_text()).get("attack") or {}
    return int((attack.get("added_rows") or {}).get("copies", 0))


def read(runs: list[Path], modes: dict[str, bool], out: Path) -> None:
    """Each run read by ``detect`` in each mode (``TabularSearch.name_categories_default``; one
    JSON line per run); the planted values the suspected trigger holds where the target named
    is 0 (the attack's)."""
    from trojanscope.detect.tabular_search import TabularSearch

    before = TabularSearch.name_categories_default
    done = {json.loads(line)["run"] for line in out.read_text().splitlines()} \
        if out.exists() else set()
    for run in runs:
        if str(run) in done or not (run / "manifest.json").exists():
            continue
        planted = planted_of(run)
        row = {"run": str(run), "seed": int(run.parent.name), "arch": run.name.split("-")[0],
               "variant": run.name.split("-", 1)[1], "copies": copies_of(run),
               "planted": planted}
        for mode, categories in modes.items():
            TabularSearch.name_categories_default = categories
            try:
                got = detect_once(run, run.parent / "transactions.csv", ())
            finally:
                TabularSearch.name_categories_default = before
            got["named"] = planted_found(planted, got.get("trigger", "")) \
                if got.get("target") == 0 else []
            row[mode] = got
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")


def judge(rows: list[dict], today: str, cand: str) -> list[str]:
    """The rule's conditions (``rule.md``) read on ``rows``: one line each."""
    lines: list[str] = []

    def cond(name: str, met: bool, said: str) -> None:
        lines.append(f"({name}) {'met' if met else 'NOT MET'}: {said}")

    ok = [r for r in rows if "error" not in r[today] and "error" not in r[cand]]
    copies = [r for r in ok if r["copies"] > 0]
    names = {m: {r["run"] for r in copies if r[m]["named"]} for m in (today, cand)}
    cond("1", len(names[cand]) > len(names[today]),
         f"copies runs whose suspected trigger holds >= 1 planted value: "
         f"{len(names[today])} -> {len(names[cand])} of {len(copies)}")
    lost = sorted(names[today] - names[cand])
    cond("2", not lost, f"lost: {lost or 'none'}")
    moved = [r["run"] for r in ok if any(r[today].get(k) != r[cand].get(k)
                                         for k in ("exit", "flagged", "probability", "target"))]
    cond("3", not moved, f"readings whose exit, flag, probability or target moved, of {len(ok)} "
         f"(copies, in-place and clean runs): {moved or 'none'}")
    med = {m: float(np.median([r[m]["cpu_s"] for r in ok])) for m in (today, cand)}
    cond("4", med[cand] <= 1.5 * med[today],
         f"median detect CPU s {med[today]:.3f} -> {med[cand]:.3f} "
         f"({med[cand] / med[today]:.2f}x; at most 1.5x)")
    worst = []
    for arch in sorted({r["arch"] for r in copies}):
        part = [r for r in copies if r["arch"] == arch]
        d = sum(bool(r[today]["named"]) for r in part)
        c = sum(bool(r[cand]["named"]) for r in part)
        worst.append((c - d, arch, d, c, len(part)))
    cond("5", all(w[0] >= 0 for w in worst),
         "per family (names, today -> candidate): " + "; ".join(
             f"{a} {d} -> {c} of {n}" for _, a, d, c, n in sorted(worst)))
    hit = {m: sum(len(r[m]["named"]) for r in copies) for m in (today, cand)}
    said = {m: sum(len(r[m]["trigger"].split(" and ")) for r in copies
                   if r[m].get("target") == 0 and r[m]["trigger"]) for m in (today, cand)}
    share = {m: hit[m] / said[m] if said[m] else 0.0 for m in (today, cand)}
    cond("6", share[cand] >= share[today],
         f"named values that are planted, on copies runs named at target 0: {hit[today]} of "
         f"{said[today]} ({share[today]:.3f}) -> {hit[cand]} of {said[cand]} "
         f"({share[cand]:.3f})")
    fl = {m: sum(bool(r[m]["flagged"] and r[m]["named"]) for r in copies) for m in (today, cand)}
    lines.append(f"(read beside) flagged and names: {fl[today]} -> {fl[cand]}; planted values "
                 f"in all: {sum(len(r['planted']) for r in copies)}; the suspected trigger's "
                 f"values, median: " + ", ".join(
                     f"{float(np.median([len(r[m]['trigger'].split(' and ')) for r in copies])):g}"
                     for m in (today, cand)))
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--work", type=Path, required=True)
    b.add_argument("--seeds", required=True)
    b.add_argument("--archs", default=",".join(ARCHS))
    b.add_argument("--log", type=Path, required=True)
    r = sub.add_parser("read")
    r.add_argument("--runs", nargs="+", type=Path, required=True)
    r.add_argument("--json", type=Path, required=True, help="JSON lines, appended")
    j = sub.add_parser("judge")
    j.add_argument("--json", type=Path, nargs="+", required=True)
    a = ap.parse_args(argv)
    if a.cmd == "build":
        build(a.work, seeds_of(a.seeds), tuple(a.archs.split(",")), a.log)
    elif a.cmd == "read":
        read(a.runs, {"today": False, "cand": True}, a.json)
    else:
        rows = [json.loads(line) for f in a.json for line in f.read_text().splitlines()]
        print("\n".join(judge(rows, "today", "cand")))


if __name__ == "__main__":
    main()
