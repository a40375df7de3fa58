"""The fraud attack's copies where the rate relabels few rows, read on a population sized to
its floor (issue 16 stop 82, hatk).

Stop 81's candidate (``below5``: ``TabularBadNets.auto_copies = 10`` with
``auto_copies_below = 5``, copies only where the 5 % rate relabels 1-4 of at least 20 fraud rows)
was not read: fresh tables 6800-6839 held 16 tables in its band, 32 copies runs where the floor
asked 40. Here the fresh tables are written first and only their training split's fraud rows
are logged (``tables``: no twin trained, no run, nothing scored); ``select`` then names, by that
log alone, the first ``--take`` tables in seed order whose fraud rows fall in the gate's band;
only those are built (``build``: stop 79's builder, the six clean twins of each pair), read for
the twins' recall (``twins``: stop 78's) and run (stop 81's ``grid``, ``old`` and ``belowK``) and
judged (stop 81's ``judge``, conditions F and 1-7).

``spent`` reads the gates 5 and 10 on the spent tables (stops 79-81's grids: ``below10`` is
stop 78's line, ``asis``; on 6800-6839 it is ``below5`` with stop 81's ``after_below10``
runs) on the tables of their band only, as the selection reads them, and ``said`` draws
``--tables`` of those in-band spent tables with replacement (the rule's "said before").

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_hatk_sized.py tables --work DIR \\
        --seeds 6960-7059 --log TABLES.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_hatk_sized.py select \\
        --log TABLES.jsonl --below 5 --take 40 --json SELECTED.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_hatk_sized.py build --work DIR \\
        --selected SELECTED.json --log BUILD.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_hatk_sized.py twins --work DIR \\
        --selected SELECTED.json --part 0/2 --json TWINS.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_hatk_sized.py grid --work DIR \\
        --selected SELECTED.json --part 0/2 --json GRID.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s82_hatk_sized.py spent --below 5
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tabular_s76_hatk_floor import seed_table
from tabular_s77_hatk_copies import grid
from tabular_s78_hatk_twins import SUBSAMPLE, TWINS, eligible_of, twins
from tabular_s79_hatk_pair import ARCHS, GATE, RATE, build
from tabular_s80_hatk_mend import judge, seed_list
from tabular_s81_hatk_below import derive, run_below, said

DATA = Path("benchmarks/data")
SPENT_GRIDS = ("tabular_s79_hatk/dev_*.json", "tabular_s79_hatk/fresh_grid_*.json",
               "tabular_s80_hatk/fresh_grid_*.json")
SPENT_TWINS = ("tabular_s78_hatk/*twins*.json", "tabular_s79_hatk/fresh_twins_*.json",
               "tabular_s80_hatk/fresh_twins_*.json", "tabular_s81_hatk/fresh_twins_*.json")
S81 = DATA / "tabular_s81_hatk"


def in_band(eligible: int, below: int) -> bool:
    """Whether ``belowK`` adds copies on a split with ``eligible`` fraud rows: at least
    ``GATE`` of them and the default rate relabels fewer than ``below`` (``copy_count``)."""
    return eligible >= GATE and round(RATE * eligible) < below


def tables(work: Path, seeds: list[int], log: Path) -> None:
    """Each seed's table written (stop 76's ``seed_table``, as stop 79's builder writes it)
    and one log line: its rows and its training split's fraud rows (``eligible``, a trait of
    the table). No twin is trained, no run made, no held-out row scored."""
    for s in seeds:
        c0 = time.process_time()
        _, csv, df, _ = seed_table(work, s)
        line = {"seed": s, "rows": len(df), "eligible": eligible_of(csv),
                "cpu_s": round(time.process_time() - c0, 2),
                "at": time.strftime("%H:%M:%S", time.gmtime())}
        with log.open("a") as fh:
            fh.write(json.dumps(line) + "\n")
        print(f"{s} n={line['rows']} fraud rows {line['eligible']}", flush=True)


def select(log: Path, below: int, take: int) -> list[int]:
    """The first ``take`` seeds of ``log`` in seed order whose fraud rows are in
    ``belowK``'s band (all of them where fewer are): the rule's population."""
    lines = sorted((json.loads(x) for x in log.read_text().splitlines() if x.strip()),
                   key=lambda r: r["seed"])
    return [r["seed"] for r in lines if in_band(r["eligible"], below)][:take]


def spent_rows(below: int) -> tuple[list[dict], list[dict]]:
    """The spent rows: ``old`` and ``below{below}`` on stops 79-81's pairs, and their twins.
    Stops 79-80's ``belowK`` is derived (stop 81's ``derive``); on stop 81's 6800-6839 it is
    ``below5``'s run, or for ``below10`` stop 81's ``after_below10`` run where there is one."""
    def load(pattern: str) -> list[dict]:
        return [r for p in sorted(DATA.glob(pattern)) for r in json.loads(p.read_text())]

    rows = [r for g in SPENT_GRIDS for r in load(g)]
    twin_rows = [r for g in SPENT_TWINS for r in load(g)]
    fresh81 = load("tabular_s81_hatk/fresh_grid_*.json")
    after = {(r["seed"], r["arch"]): r for r in load("tabular_s81_hatk/after_below10.json")}
    name = f"below{below}"
    mine = [{**(after.get((r["seed"], r["arch"]), r) if below == 10 else r), "variant": name}
            for r in fresh81 if r["variant"] == "below5"]
    if below not in (5, 10):
        raise SystemExit("spent: --below 5 or 10 (the gates stop 81's fresh tables ran)")
    out = [r for r in rows + fresh81 if r["variant"] == "old"] + derive(rows, twin_rows, below)
    return out + mine, twin_rows


def banded(rows: list[dict], twin_rows: list[dict], below: int) -> tuple[list, list]:
    """Only the tables whose fraud rows are in ``belowK``'s band (as ``select`` takes)."""
    keep = {t["seed"] for t in twin_rows if in_band(t["eligible"], below)}
    return [r for r in rows if r["seed"] in keep], [t for t in twin_rows if t["seed"] in keep]


def describe(rows: list[dict], twin_rows: list[dict], cand: str) -> list[str]:
    """Beside the rule (read after it): each run under the twins' bound with ``cand``, with
    today's (``old``) recall on the same pair, and the runs under it by arch and fraud rows."""
    from tabular_s78_hatk_twins import recall_floor

    by = {(r["seed"], r["arch"], r["variant"]): r for r in rows}
    lines, bands, took = [], {}, [0, 0]
    for t in sorted(twin_rows, key=lambda t: (t["seed"], t["arch"])):
        k = (t["seed"], t["arch"])
        d, c = by.get((*k, "old")), by.get((*k, cand))
        if not d or not c or d.get("error") or c.get("error") or t.get("full") is None:
            continue
        bound = recall_floor(t["full"], t["twins"])
        took = [took[0] + bool(d["took"]), took[1] + bool(c["took"])]
        band = (t["arch"], "20-29" if t["eligible"] < 30 else "30-90")
        n, cu, du = bands.get(band, (0, 0, 0))
        bands[band] = (n + 1, cu + (c["recall"] < bound - 1e-9), du + (d["recall"] < bound - 1e-9))
        if c["recall"] < bound - 1e-9 or d["recall"] < bound - 1e-9:
            lines.append(f"  {k[0]} {k[1]} fraud rows {t['eligible']}: bound {bound:.3f}; today "
                         f"{d['recall']:.3f} ({d['recall'] / bound:.2f} of it, took {d['took']}), "
                         f"{cand} {c['recall']:.3f} ({c['recall'] / bound:.2f}, took {c['took']}, "
                         f"ASR {c['asr']:.2f})")
    return [f"took: today {took[0]}, {cand} {took[1]}",
            f"runs under the twins' bound ({cand} or today's):", *lines] + [
        f"  {a} {b} fraud rows: {n} pairs, under the bound {cand} {cu}, today {du}"
        for (a, b), (n, cu, du) in sorted(bands.items())]


def part_of(seeds: list[int], part: str) -> list[int]:
    """``i/n``: every ``n``-th seed from the ``i``-th (two processes share the population)."""
    i, _, n = part.partition("/")
    return seeds[int(i)::int(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tables", help="write the tables, log their fraud rows; nothing else")
    t.add_argument("--work", type=Path, required=True)
    t.add_argument("--seeds", required=True)
    t.add_argument("--log", type=Path, required=True)
    s = sub.add_parser("select", help="the population: the first --take tables in the band")
    s.add_argument("--log", type=Path, required=True)
    s.add_argument("--below", type=int, default=5)
    s.add_argument("--take", type=int, default=40)
    s.add_argument("--json", type=Path, required=True)
    for name in ("build", "twins", "grid"):
        b = sub.add_parser(name)
        b.add_argument("--work", type=Path, required=True)
        b.add_argument("--selected", type=Path, required=True)
        b.add_argument("--part", default="0/1")
        b.add_argument("--log" if name == "build" else "--json", type=Path, required=True)
        if name == "grid":
            b.add_argument("--variants", default="old,below5")
            b.add_argument("--archs", default=",".join(ARCHS))
    d = sub.add_parser("describe", help="beside the rule: the runs under the twins' bound")
    d.add_argument("--grid", type=Path, nargs="+", required=True)
    d.add_argument("--twins", type=Path, nargs="+", required=True)
    d.add_argument("--with-spent", action="store_true", help="and the spent band tables")
    d.add_argument("--candidate", default="below5")
    d.add_argument("--archs", default=",".join(ARCHS))
    for name in ("spent", "said"):
        p = sub.add_parser(name)
        p.add_argument("--below", type=int, default=5)
        if name == "said":
            p.add_argument("--tables", type=int, default=40)
            p.add_argument("--draws", type=int, default=2000)
    args = ap.parse_args()
    if args.cmd == "tables":
        tables(args.work, seed_list(args.seeds), args.log)
    elif args.cmd == "select":
        got = select(args.log, args.below, args.take)
        args.json.write_text(json.dumps({"below": args.below, "take": args.take,
                                         "seeds": got}) + "\n")
        print(f"{len(got)} tables in below{args.below}'s band: {got}")
    elif args.cmd in ("build", "twins", "grid"):
        seeds = part_of(json.loads(args.selected.read_text())["seeds"], args.part)
        if args.cmd == "build":
            build(args.work, seeds, ARCHS, args.log)
        elif args.cmd == "twins":
            twins(args.work, seeds, list(ARCHS), TWINS, SUBSAMPLE, args.json)
        else:  # stop 81's runs: ``old`` and ``belowK`` (the class values set in the process)
            grid(args.work, seeds, args.archs.split(","), args.variants.split(","), args.json,
                 runner=run_below)
    elif args.cmd == "describe":
        rows = [r for p in args.grid for r in json.loads(p.read_text())]
        twin_rows = [r for p in args.twins for r in json.loads(p.read_text())]
        if args.with_spent:
            spent, spent_twins = banded(*spent_rows(5), 5)
            rows, twin_rows = rows + spent, twin_rows + spent_twins
        twin_rows = [t for t in twin_rows if t["arch"] in args.archs.split(",")]
        print("\n".join(describe(rows, twin_rows, args.candidate)))
    else:
        rows, twin_rows = banded(*spent_rows(args.below), args.below)
        cand = f"below{args.below}"
        if args.cmd == "spent":
            ok, lines = judge(rows, twin_rows, cand, today="old")
            tabs = len({t["seed"] for t in twin_rows})
            print(f"{cand}: {tabs} spent tables in its band, every condition F and 1-6 "
                  f"{'met' if ok else 'NOT met'}", *lines, sep="\n")
        else:
            got = said(rows, twin_rows, cand, args.tables, args.draws)
            print(f"{cand}: {args.tables} of its band's spent tables drawn {args.draws} times: "
                  f"floor {got['floor']:.0%}, conditions F and 1-6 together {got['met']:.0%}")


if __name__ == "__main__":
    main()
