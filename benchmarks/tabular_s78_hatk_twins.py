"""The copies mode's fraud-recall cost read against several clean twins (issue 16 stop 78, hatk).

Stop 77 (``tabular_s77_hatk_copies.py``) judged ``auto_copies = 10`` against one clean twin: the
held-out fraud recall of the attack had to be at least 0.8 of the ``train`` twin's. On a user's
200-2,000-row fraud table the models call 10-40 held-out fraud rows fraud, and a small change to
the training rows moves that count by a fifth or more; the rule failed on 3 of 13 fresh pairs,
where today's own 1-6 relabelled rows fell as far. A tree model's training does not depend on its
seed (``subsample`` 1.0), so the twins here are the ``train`` line's own model with
``--arch-param subsample=S --seed k`` (``k`` = 1..K): each tree grown on a seeded share ``S``
of the training rows, the ordinary way a tree model's seed changes it. Their held-out recalls,
with the full twin's, give the table's own spread ("the twins' range").

``twins`` trains them for each seed's table (h16z's maker at stop 76's size,
``tabular_s76_hatk_floor.seed_table``), LightGBM and XGBoost, and writes per pair: the full
twin's recall and CA, the K twins' recalls, and the training split's fraud rows
(``eligible``: what the default rate's 5 % is of). ``judge`` reads a grid of attack runs
(``tabular_s77_hatk_copies.grid`` rows) beside these twins: the rule's conditions
(``benchmarks/data/tabular_s78_hatk/rule.md``), with the recall bound ``bound`` (see
:func:`recall_floor`). ``derive`` writes, for spent grids that hold ``today`` and ``pairs10x2``
on every table, the rows the gated default would give (``autoK`` where the rate relabels under K
of at least ``E`` eligible rows, today's run elsewhere), so that development needs no new runs.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s78_hatk_twins.py twins --work DIR \
        --seeds 6300-6319 --json TWINS.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s78_hatk_twins.py judge \
        --grid GRID.json --twins TWINS.json --today today --candidate auto10
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from tabular_s76_h16z_fraud import LABEL, cli, seeds_of
from tabular_s76_hatk_floor import MIN_ASR, held_figures, seed_table, twin_of
from tabular_s77_hatk_copies import (
    Conditions,
    bundled,
    ca_condition,
    paired,
    readme_credit,
    recall_of,
    run_conditions,
    took_conditions,
)

TWINS = 5  # seeded twins a pair
SUBSAMPLE = 0.8  # each seeded twin's trees take this share of the training rows
SHARE = 0.8  # stop 77's bound, now of the twins' median


def recall_floor(full: float, twins: list[float]) -> float:
    """The least held-out fraud recall an attack may keep where it took: ``SHARE`` of the
    median of the full twin and the seeded twins, or the lowest of them where that is lower
    (a table whose own twins fall further than a fifth is judged by its own range)."""
    every = [full, *twins]
    return min(SHARE * float(np.median(every)), min(every))


def eligible_of(csv: Path) -> int:
    """The training split's rows of class 1 (fraud): what the default rate's share is of."""
    from trojanscope.data.tabular.table import read_table, table_dataset

    ds = table_dataset(read_table(csv), "train", name="t", source=str(csv), label_column=LABEL)
    return int((ds.labels.numpy() != 0).sum())


def twins(work: Path, seeds: list[int], archs: list[str], k: int, share: float,
          out: Path) -> None:
    """Each (seed, arch): the full ``train`` twin and ``k`` seeded subsampled twins, their
    held-out fraud recall (rows of categories the run saw) and CA."""
    done = json.loads(out.read_text()) if out.exists() else []
    seen = {(r["seed"], r["arch"]) for r in done}
    for s in seeds:
        folder, csv, df, held = seed_table(work, s)
        eligible = eligible_of(csv)
        for arch in archs:
            if (s, arch) in seen:
                continue
            c0 = time.process_time()
            full, full_ca = twin_of(folder, csv, arch, held)
            row = {"seed": s, "arch": arch, "rows": len(df), "eligible": eligible,
                   "full_ca": full_ca, "twins": [], "twin_cas": []}
            if full_ca is not None:
                row["full"] = recall_of(held_figures(full, held, _any_value(df)))
                for seed in range(1, k + 1):
                    run = folder / f"{arch}-twin{seed}"
                    if not (run / "manifest.json").exists():
                        cli("train", "--dataset", str(csv), "--label-column", LABEL, "--arch",
                            arch, "--arch-param", f"subsample={share}", "--seed", str(seed),
                            "--out", str(run), "--format", "json")
                    fig = held_figures(run, held, _any_value(df))
                    row["twins"].append(recall_of(fig))
                    row["twin_cas"].append(fig["ca"])
            row["cpu_s"] = round(time.process_time() - c0, 2)
            done.append(row)
            out.write_text(json.dumps(done, indent=1))
            print(f"{s} {arch} n={len(df)} eligible={eligible} full "
                  f"{row.get('full', float('nan')):.3f} twins "
                  + " ".join(f"{t:.3f}" for t in row["twins"]) + f" ({row['cpu_s']} CPU s)",
                  flush=True)


def _any_value(df) -> str:
    """A ``col=value`` that ``held_figures`` writes into the fraud rows so that it counts them
    (the recall reads only ``n_flippable`` and ``n_fraud``, not the flip): the first column's
    first value."""
    col = next(c for c in df.columns if c != LABEL)
    return f"{col}={df[col].iloc[0]}"


def derive(rows: list[dict], twin_rows: list[dict], k: int, least: int, forced: str,
           name: str) -> list[dict]:
    """The gated candidate's rows from a grid that ran ``today`` and ``forced`` (copies on
    every table): ``forced``'s run where the rate relabels fewer than ``k`` of at least
    ``least`` eligible rows, ``today``'s elsewhere (the same run the default would make)."""
    elig = {(t["seed"], t["arch"]): t["eligible"] for t in twin_rows}
    by = {(r["seed"], r["arch"], r["variant"]): r for r in rows}
    out = []
    for (s, arch, v), r in by.items():
        if v != "today" or (s, arch) not in elig:
            continue
        e = elig[(s, arch)]
        fires = round(0.05 * e) < k and e >= least
        src = by.get((s, arch, forced)) if fires else r
        if src is not None:
            out.append({**src, "variant": name, "fires": fires})
    return out


def judge(rows: list[dict], twin_rows: list[dict], today: str, cand: str) -> tuple[bool, list[str]]:
    """The rule's conditions (``rule.md``) on grid rows holding ``today`` and ``cand``."""
    tw = {(t["seed"], t["arch"]): t for t in twin_rows}
    pairs, d, c, took_d, took_c, lost = paired(
        rows, today, cand, sorted({(r["seed"], r["arch"]) for r in rows
                                   if (r["seed"], r["arch"]) in tw}))
    med_ca = {k: float(np.median([tw[k]["full_ca"], *tw[k]["twin_cas"]])) for k in pairs}
    drops = {k: 100 * (med_ca[k] - c[k]["ca"]) for k in took_c}
    floor = {k: recall_floor(tw[k]["full"], tw[k]["twins"]) for k in pairs
             if tw[k].get("full") is not None}
    # where the candidate added copies: elsewhere its run is today's (condition 7 checks that
    # it does not fire on the bundled sets), and today's own rows are not the candidate's cost
    added = [k for k in took_c if c[k].get("added")]
    short = {k: c[k]["recall"] / floor[k] for k in added if k in floor and floor[k] > 0}
    no_twin = [k for k in added if k not in floor]
    cond = Conditions()
    took_conditions(cond, pairs, took_d, took_c, lost)
    ca_condition(cond, drops, "the twins' median")
    ws = min(short, key=short.get) if short else None
    cond("4", not no_twin and all(v >= 1.0 for v in short.values()),
         (f"worst fraud recall against the twins' bound where the candidate took with copies "
          f"({len(added)}): "
          f"{c[ws]['recall']:.3f} against {floor[ws]:.3f} ({short[ws]:.2f} of it) {ws}; twins "
          f"{tw[ws]['full']:.3f} | " + " ".join(f"{t:.3f}" for t in tw[ws]["twins"])
          + f"; no twins: {no_twin or 'none'}") if ws else "no attack took")
    run_conditions(cond, pairs, d, c)
    return cond.ok, cond.lines + _context(pairs, d, c, tw, floor, took_d, took_c, drops)


def _context(pairs, d, c, tw, floor, took_d, took_c, drops) -> list[str]:
    """Figures beside the conditions: ASR alone, by arch, stop 77's one-twin bound, how
    often today's own attack falls under the bound, the twins' spread."""
    asr = {n: sum(bool(r and not r.get("error") and r["asr"] >= MIN_ASR) for r in x.values())
           for n, x in (("today", d), ("candidate", c))}
    one = [k for k in took_c if c[k].get("twin_recall")
           and c[k]["recall"] < 0.8 * c[k]["twin_recall"]]
    d_ran = [k for k in pairs if d[k] and not d[k].get("error") and k in floor]
    d_under = [k for k in d_ran if d[k]["recall"] < floor[k]]
    c_ran = [k for k in pairs if c[k] and not c[k].get("error") and k in floor]
    c_under = [k for k in c_ran if c[k]["recall"] < floor[k]]
    med = [k for k in took_c if c[k].get("added") and tw[k].get("full") is not None
           and c[k]["recall"] < SHARE * float(np.median([tw[k]["full"], *tw[k]["twins"]]))]
    spread = [(max(v) - min(v)) / np.median(v) for k in pairs if tw[k].get("full")
              for v in [[tw[k]["full"], *tw[k]["twins"]]] if np.median(v) > 0]
    lines = [f"  ASR >= 0.9 alone: today {asr['today']}, candidate {asr['candidate']} of "
             f"{len(pairs)}",
             f"  stop 77's bound (0.8 of the one twin's recall) fails where the candidate took: "
             f"{len(one)} of {len(took_c)} {one}",
             f"  0.8 of the twins' median alone fails where the candidate took with copies: "
             f"{len(med)} {med}",
             f"  under the twins' bound, every run: today {len(d_under)} of {len(d_ran)} "
             f"{d_under}; candidate {len(c_under)} of {len(c_ran)}",
             f"  twins' spread (max - min) / median: median {np.median(spread):.2f}, most "
             f"{max(spread):.2f} ({len(spread)} pairs)"]
    for arch in sorted({k[1] for k in pairs}):
        ks = [k for k in pairs if k[1] == arch]
        lines.append(f"  {arch}: took today {sum(k in took_d for k in ks)}, candidate "
                     f"{sum(k in took_c for k in ks)} of {len(ks)}; worst CA drop "
                     f"{max((drops[k] for k in ks if k in drops), default=float('nan')):.2f}; "
                     f"candidate under the bound where took "
                     f"{sum(k in took_c and c[k]['recall'] < floor.get(k, 0) for k in ks)}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("twins")
    t.add_argument("--work", type=Path, required=True)
    t.add_argument("--seeds", required=True)
    t.add_argument("--archs", default="lightgbm,xgboost")
    t.add_argument("--k", type=int, default=TWINS)
    t.add_argument("--subsample", type=float, default=SUBSAMPLE)
    t.add_argument("--json", type=Path, required=True)
    dv = sub.add_parser("derive")
    dv.add_argument("--grid", type=Path, nargs="+", required=True)
    dv.add_argument("--twins", type=Path, nargs="+", required=True)
    dv.add_argument("--k", type=int, default=10)
    dv.add_argument("--least", type=int, default=0, help="eligible rows the gate needs")
    dv.add_argument("--forced", default="pairs10x2")
    dv.add_argument("--json", type=Path, required=True)
    j = sub.add_parser("judge")
    j.add_argument("--grid", type=Path, nargs="+", required=True)
    j.add_argument("--twins", type=Path, nargs="+", required=True)
    j.add_argument("--today", default="today")
    j.add_argument("--candidate", default="auto10")
    j.add_argument("--work", type=Path, default=None,
                   help="with it, condition 7 too: the bundled sets' rows and the README credit "
                        "line by main's code and this tree (its two runs go here)")
    args = ap.parse_args()
    if args.cmd == "twins":
        twins(args.work, seeds_of(args.seeds), args.archs.split(","), args.k, args.subsample,
              args.json)
        return
    rows = [r for f in args.grid for r in json.loads(f.read_text())]
    twin_rows = [r for f in args.twins for r in json.loads(f.read_text())]
    if args.cmd == "derive":
        name = f"auto{args.k}e{args.least}"
        got = derive(rows, twin_rows, args.k, args.least, args.forced, name)
        args.json.write_text(json.dumps([r for r in rows if r["variant"] == "today"] + got,
                                        indent=1))
        print(f"{name}: {len(got)} rows, copies on {sum(r['fires'] for r in got)}")
        return
    ok, lines = judge(rows, twin_rows, args.today, args.candidate)
    lines.append(f"conditions 1-6 {'MET' if ok else 'NOT MET'}")
    if args.work is not None:  # condition 7: stop 77's check with ``auto_copies`` = K
        k = int(args.candidate[4:].partition("e")[0])  # autoK or autoKeE (the class's gate)
        sets = bundled(k)
        args.work.mkdir(parents=True, exist_ok=True)
        same_run, run_lines = readme_credit(args.work, k)
        same = all(b.endswith("same") for b in sets) and same_run
        lines += [f"(7) {'met' if same else 'NOT MET'}: the bundled sets' attacks as they were "
                  "(rows; the README credit line's metrics, main's code against this tree)",
                  *(f"  {b}" for b in sets), *run_lines,
                  f"the rule is {'MET' if ok and same else 'NOT MET'}"]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
