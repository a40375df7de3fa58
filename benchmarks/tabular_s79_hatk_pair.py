"""Stop 78's two fraud-attack defaults read as one, and a candidate under the copies' gate
(issue 16 stop 79, hatk).

Stop 78 shipped two defaults judged apart: hatk's ``auto_copies = 10`` (triggered copies where
the 5 % rate relabels under 10 of at least 20 fraud rows) and h16v's ``avoid_target="auto"``
(fraud-aware trigger values where copies are added on a fraud-like table). This script reads
them together against stop 77's attack (``copies=0 avoid_target=false``), reads the fraud recall
on *every* run that adds copies (stop 78 read it only where the attack took), and judges a
candidate for the tables under the gate.

``build`` writes each seed's table (``tabular_s76_hatk_floor.seed_table``: h16z's maker at stop
76's size) and trains its six clean twins as ``tabular_s78_hatk_twins.twins`` does (the ``train``
twin and ``--arch-param subsample=0.8 --seed k``, k = 1..5), LightGBM and XGBoost, **without
scoring anything** (the train command's own output is discarded): fresh tables are built before
the rule and read after it.

``dev`` runs, on spent tables, ``old`` (stop 77's attack), ``asis`` (the line as written) and,
under the gate, forced copies from which ``judge --derive`` builds each lower gate's rows;
``grid`` runs named variants (``noneN``/``gateG``: the candidate's class value set in this
process); ``judge`` reads ``benchmarks/data/tabular_s79_hatk/rule.md``'s conditions.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s79_hatk_pair.py build --work DIR \
        --seeds 6380-6399 --log BUILD.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s79_hatk_pair.py dev --work DIR \
        --seeds 6300-6379 --json DEV.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s79_hatk_pair.py judge --grid DEV.json \
        --twins TWINS.json --today asis --candidate none5 --changed-only --derive 5z
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from tabular_s76_h16z_fraud import LABEL, cli, seeds_of
from tabular_s76_hatk_floor import MIN_ASR, readme_line, seed_table
from tabular_s77_hatk_copies import (
    Conditions,
    bundled,
    grid,
    paired,
    readme_credit,
    run_conditions,
    run_one,
    took_conditions,
)
from tabular_s78_hatk_twins import SUBSAMPLE, TWINS, eligible_of, recall_floor

ARCHS = ("lightgbm", "xgboost")
GATE = 20  # ``PresetTabularAttack.auto_copies_least`` as stop 78 shipped it
K = 10  # ``TabularBadNets.auto_copies``
CA_POINTS = 2.0
OLD = ["--attack-param", "copies=0", "--trigger-param", "avoid_target=false"]


def build(work: Path, seeds: list[int], archs: tuple[str, ...], log: Path) -> None:
    """Each seed's table and its six clean twins per arch, trained and not scored; one line of
    CPU s per (seed, arch) in ``log`` (JSON lines), with the training split's fraud rows
    (``eligible``: a trait of the table, not of any run; since issue 16 stop 81, hatk, whose
    fresh tables held too few in the candidate's band for its floor, unknown before reading)."""
    for s in seeds:
        c0 = time.process_time()
        folder, csv, df, _ = seed_table(work, s)
        table_cpu = time.process_time() - c0
        eligible = eligible_of(csv)
        for arch in archs:
            c1 = time.process_time()
            runs = [(folder / f"{arch}-clean", [])] + [
                (folder / f"{arch}-twin{k}", ["--arch-param", f"subsample={SUBSAMPLE}",
                                              "--seed", str(k)]) for k in range(1, TWINS + 1)]
            codes = []
            for run, extra in runs:
                if not (run / "manifest.json").exists():
                    codes.append(cli("train", "--dataset", str(csv), "--label-column", LABEL,
                                     "--arch", arch, *extra, "--out", str(run),
                                     "--format", "json")[0])
            with log.open("a") as fh:
                fh.write(json.dumps({"seed": s, "arch": arch, "rows": len(df),
                                     "eligible": eligible,
                                     "table_cpu_s": round(table_cpu, 2),
                                     "exits": codes, "cpu_s": round(time.process_time() - c1, 2),
                                     "at": time.strftime("%H:%M:%S", time.gmtime())}) + "\n")
            print(f"{s} {arch} n={len(df)} fraud rows {eligible} built "
                  f"({time.process_time() - c1:.1f} CPU s)",
                  flush=True)


def run_variant(csv: Path, out: Path, arch: str, variant: str) -> tuple[int, str, float]:
    """One attack run of the README's fraud line: ``old`` (stop 77's attack: ``copies=0
    avoid_target=false``), ``asis`` (the line as written: stop 78's pair), ``nN`` (``--attack-param
    copies=N``: the default's fraud-aware values where the table is fraud-like), ``gateG`` (the
    line as written with ``TabularBadNets.auto_copies_least = G``: the candidate), or stop 77's
    variants (``tabular_s77_hatk_copies.run_one``)."""
    from trojanscope.attacks.tabular import TabularBadNets

    if variant == "old":
        return readme_line(csv, out, arch, *OLD)
    if variant[0] == "n" and variant[1:].isdigit():
        return readme_line(csv, out, arch, "--attack-param", f"copies={int(variant[1:])}")
    attr = next((a for p, a in CANDIDATES.items() if variant.startswith(p)), None)
    if attr is not None:
        before = getattr(TabularBadNets, attr)
        setattr(TabularBadNets, attr, int(variant.lstrip("abcdefghijklmnopqrstuvwxyz")))
        try:
            return readme_line(csv, out, arch)
        finally:
            setattr(TabularBadNets, attr, before)
    return run_one(csv, out, arch, variant)


SCALES = {"": lambda e: min(K, e), "u": lambda e: K, "h": lambda e: max(1, e // 2),
          "z": lambda e: min(K, e)}
# the copies a gate under ``GATE`` adds on a split with ``e`` fraud rows: scaled to them (``""``:
# ``min(K, e)``, each source row copied once), unscaled (``u``: ``K``), half of them (``h``), or
# ``min(K, e)`` only where the 5 % rate relabels none (``z``: today refuses those tables)
RATE = 0.05  # ``TabularBadNets.default_rate``
# the candidates run by the code: the line as written with a class value set in this process
CANDIDATES = {"gate": "auto_copies_least", "none": "auto_copies_none_least"}
TOL = 1e-9  # "at or above the bound": 14/110 against 0.8 of a median of 0.1591 is equal


def dev_grid(work: Path, seeds: list[int], archs: tuple[str, ...], out: Path,
             scales: str = ",u") -> None:
    """Spent tables: ``old`` and ``asis`` on every pair, and under the gate (fewer than ``GATE``
    fraud rows in the training split) the copies a lower gate would add, ``n{SCALES[x](e)}`` for
    each ``x`` in ``scales``."""
    for s in seeds:
        _, csv, _, _ = seed_table(work, s)
        e = eligible_of(csv)
        variants = ["old", "asis"]
        if 0 < e < GATE:
            variants += sorted({f"n{SCALES[x](e)}" for x in scales.split(",")})
        grid(work, [s], list(archs), variants, out, runner=run_variant)


def derive(rows: list[dict], twin_rows: list[dict], least: int, scale: str = "") -> list[dict]:
    """A gate of ``least`` from a ``dev_grid``: where ``least <= e < GATE``, the ``n`` run it
    would make (``SCALES[scale](e)`` copies), else ``asis``'s run; named ``gate{least}{scale}``
    (``none{least}`` for ``z``: the copies ``auto_copies_none_least = least`` adds)."""
    elig = {(t["seed"], t["arch"]): t["eligible"] for t in twin_rows}
    by = {(r["seed"], r["arch"], r["variant"]): r for r in rows}
    out = []
    for (s, arch, v), r in by.items():
        if v != "asis" or (s, arch) not in elig:
            continue
        e = elig[(s, arch)]
        fires = least <= e < GATE and e > 0 and (scale != "z" or round(RATE * e) == 0)
        src = by.get((s, arch, f"n{SCALES[scale](e)}")) if fires else r
        if src is not None:
            name = f"none{least}" if scale == "z" else f"gate{least}{scale}"
            out.append({**src, "variant": name, "fires": fires})
    return out


def judge(rows: list[dict], twin_rows: list[dict], today: str, cand: str,
          changed_only: bool) -> tuple[bool, list[str]]:
    """The rule's conditions 1-6 (``benchmarks/data/tabular_s79_hatk/rule.md``) for ``cand``
    against ``today``. Read on *every* run that adds copies (stop 78 read the recall only where
    the attack took): CA within ``CA_POINTS`` of the six twins' median and fraud recall at or
    above their bound (``recall_floor``); the CA also where ``cand`` took. ``changed_only``:
    only on runs where ``cand`` adds copies and ``today`` does not (part ii: elsewhere the two
    runs are the same)."""
    tw = {(t["seed"], t["arch"]): t for t in twin_rows}
    pairs, d, c, took_d, took_c, lost = paired(
        rows, today, cand, sorted({(r["seed"], r["arch"]) for r in rows
                                   if (r["seed"], r["arch"]) in tw}))

    def adds(run: dict | None) -> bool:
        return bool(run and not run.get("error") and run.get("added"))

    copied = [k for k in pairs if adds(c[k]) and not (changed_only and adds(d[k]))]
    ca_read = copied if changed_only else sorted(set(copied) | set(took_c))
    med_ca = {k: float(np.median([tw[k]["full_ca"], *tw[k]["twin_cas"]])) for k in pairs
              if tw[k].get("full_ca") is not None}
    floor = {k: recall_floor(tw[k]["full"], tw[k]["twins"]) for k in pairs
             if tw[k].get("full") is not None}
    drops = {k: 100 * (med_ca[k] - c[k]["ca"]) for k in ca_read if k in med_ca}
    share = {k: c[k]["recall"] / floor[k] if floor[k] > 0 else float("inf")
             for k in copied if k in floor}
    no_twin = [k for k in ca_read if k not in med_ca or (k in copied and k not in floor)]
    cond = Conditions()
    took_conditions(cond, pairs, took_d, took_c, lost)
    wd = max(drops, key=drops.get) if drops else None
    cond("3", not no_twin and all(v <= CA_POINTS for v in drops.values()),
         f"worst held-out CA drop against the twins' median ({len(drops)} runs: "
         f"{'added copies where today did not' if changed_only else 'took or added copies'}): "
         + (f"{drops[wd]:.2f} points {wd}; over {CA_POINTS:g}: "
            f"{[k for k, v in drops.items() if v > CA_POINTS] or 'none'}" if wd else "none")
         + f"; no twins: {no_twin or 'none'}")
    ws = min(share, key=share.get) if share else None
    under = sorted(k for k, v in share.items() if v < 1.0 - TOL)
    cond("4", not no_twin and not under,
         f"fraud recall against the twins' bound on every run that adds copies ({len(share)}): "
         + (f"worst {c[ws]['recall']:.3f} against {floor[ws]:.3f} ({share[ws]:.2f} of it) {ws}, "
            f"eligible {tw[ws]['eligible']}; twins {tw[ws]['full']:.3f} | "
            + " ".join(f"{t:.3f}" for t in tw[ws]["twins"]) + f"; under it: {under or 'none'}"
            if ws else "none"))
    run_conditions(cond, pairs, d, c)
    return cond.ok, cond.lines + context(pairs, d, c, tw, floor, took_d, took_c, copied, drops)


def context(pairs, d, c, tw, floor, took_d, took_c, copied, drops) -> list[str]:
    """Figures beside the conditions: ASR alone, took by arch and by fraud rows in the split,
    the runs under the bound (today's own too), the worst family."""
    def ok(run):
        return run and not run.get("error")
    asr = {n: sum(bool(ok(r) and r["asr"] >= MIN_ASR) for r in x.values())
           for n, x in (("today", d), ("candidate", c))}
    d_under = [k for k in pairs if ok(d[k]) and k in floor and d[k]["recall"] < floor[k]]
    c_under = [k for k in pairs if ok(c[k]) and k in floor and c[k]["recall"] < floor[k]]
    refused = {n: sum(bool(r and r.get("error")) for r in x.values())
               for n, x in (("today", d), ("candidate", c))}
    lines = [f"  ASR >= 0.9 alone: today {asr['today']}, candidate {asr['candidate']} of "
             f"{len(pairs)}; refused: today {refused['today']}, candidate "
             f"{refused['candidate']}; copies added by the candidate on {len(copied)} (read)",
             f"  under the twins' bound, every run: today {len(d_under)} of "
             f"{sum(bool(ok(d[k]) and k in floor) for k in pairs)} {d_under}; candidate "
             f"{len(c_under)} {c_under}"]
    bands = ((0, 10), (10, 20), (20, 40), (40, 10**9))
    for lo, hi in bands:
        ks = [k for k in pairs if lo <= tw[k]["eligible"] < hi]
        lines.append(f"  fraud rows in the split {lo}-{hi if hi < 10**9 else 'up'}: {len(ks)} "
                     f"pairs, took today {sum(k in took_d for k in ks)}, candidate "
                     f"{sum(k in took_c for k in ks)}; candidate under the bound "
                     f"{sum(k in c_under for k in ks)}")
    for arch in sorted({k[1] for k in pairs}):
        ks = [k for k in pairs if k[1] == arch]
        sh = [c[k]["recall"] / floor[k] for k in ks if k in copied and floor.get(k)]
        lines.append(f"  {arch}: took today {sum(k in took_d for k in ks)}, candidate "
                     f"{sum(k in took_c for k in ks)} of {len(ks)}; worst CA drop "
                     f"{max((drops[k] for k in ks if k in drops), default=float('nan')):.2f}; "
                     f"worst recall / bound where copies {min(sh, default=float('nan')):.2f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--work", type=Path, required=True)
    b.add_argument("--seeds", required=True)
    b.add_argument("--archs", default=",".join(ARCHS))
    b.add_argument("--log", type=Path, required=True)
    g = sub.add_parser("dev")
    g.add_argument("--work", type=Path, required=True)
    g.add_argument("--seeds", required=True)
    g.add_argument("--archs", default=",".join(ARCHS))
    g.add_argument("--json", type=Path, required=True)
    g.add_argument("--scales", default=",u", help="under the gate: copies min(K, e) (''), "
                   "K (u), e // 2 (h)")
    f = sub.add_parser("grid", help="the rule's runs: variants on every pair")
    f.add_argument("--work", type=Path, required=True)
    f.add_argument("--seeds", required=True)
    f.add_argument("--archs", default=",".join(ARCHS))
    f.add_argument("--variants", required=True)
    f.add_argument("--json", type=Path, required=True)
    j = sub.add_parser("judge")
    j.add_argument("--grid", type=Path, nargs="+", required=True)
    j.add_argument("--twins", type=Path, nargs="+", required=True)
    j.add_argument("--today", default="old")
    j.add_argument("--candidate", default="asis")
    j.add_argument("--derive", default="", help="gates to derive from a dev grid: 10,5,5u")
    j.add_argument("--changed-only", action="store_true")
    j.add_argument("--work", type=Path, default=None,
                   help="with it and a gateG or noneN candidate, condition 7: the bundled sets' "
                        "rows and the README credit line by main's code and this tree (runs go "
                        "here)")
    args = ap.parse_args()
    if args.cmd == "build":
        build(args.work, seeds_of(args.seeds), tuple(args.archs.split(",")), args.log)
        return
    if args.cmd == "dev":
        dev_grid(args.work, seeds_of(args.seeds), tuple(args.archs.split(",")), args.json,
                 args.scales)
        return
    if args.cmd == "grid":
        grid(args.work, seeds_of(args.seeds), args.archs.split(","), args.variants.split(","),
             args.json, runner=run_variant)
        return
    rows = [r for p in args.grid for r in json.loads(p.read_text())]
    twin_rows = [r for p in args.twins for r in json.loads(p.read_text())]
    for gate in filter(None, args.derive.split(",")):
        rows += derive(rows, twin_rows, int(gate.rstrip("uhz")), gate.lstrip("0123456789"))
    ok, lines = judge(rows, twin_rows, args.today, args.candidate, args.changed_only)
    lines.append(f"conditions 1-6 {'MET' if ok else 'NOT MET'}")
    attr = next((a for p, a in CANDIDATES.items() if args.candidate.startswith(p)), None)
    if args.work is not None and attr is not None:
        attrs = {attr: int(args.candidate.lstrip("abcdefghijklmnopqrstuvwxyz"))}
        sets = bundled(K, attrs)
        args.work.mkdir(parents=True, exist_ok=True)
        same_run, run_lines = readme_credit(args.work, K, attrs)
        same = all(b.endswith("same") for b in sets) and same_run
        ok = ok and same
        lines += [f"(7) {'met' if same else 'NOT MET'}: the bundled sets' attacks as they were "
                  "(rows; the README credit line's metrics, main's code against this tree)",
                  *(f"  {b}" for b in sets), *run_lines]
    lines.append(f"the rule's part is {'MET' if ok else 'NOT MET'}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
