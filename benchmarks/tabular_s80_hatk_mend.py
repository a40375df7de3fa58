"""Keep, mend or revert the fraud attack's stop-78 pair, by its runs under the twins' bound
(issue 16 stop 80, hatk).

Stop 78 shipped two defaults for the README's fraud line (``auto_copies = 10`` where the 5 %
rate relabels under 10 of at least 20 fraud rows, and the fraud-aware trigger values where
copies are added). Stop 79 read them together against stop 77's attack (``old``: ``copies=0
avoid_target=false``) on fresh tables 6380-6419: took 3 -> 39 of 80, none lost, but the fraud
recall fell under the six clean twins' bound (``tabular_s78_hatk_twins.recall_floor``) on 2 of
the 46 runs that added copies, where the rule asked for none. Counted over every run, the pair
fell under the bound 5 times and stop 77's attack 6. This script reads the comparison the next
rule asks for: the runs under the bound, the candidate's against stop 77's on the same tables.

Where the pair adds no copies its run is stop 77's, row for row (94 of 94 spent runs), so the
runs under the bound are counted where the candidate adds copies, both attacks read there.

``dev`` runs mend variants on spent tables where the pair adds copies (``pcM``: the line with
``--attack-param pair_copies=M``; ``shareK``: ``TabularBadNets.auto_copies_share = K`` in this
process, copies at most the fraud rows over K; ``asis``/``old``/``nN`` as stop 79's
``run_variant``). A ``shareK`` run that would add the pair's own 10 copies is not run, and
neither variant changes a run where the pair adds none: ``judge`` takes the pair's row there
(``derive``). ``grid`` runs named variants on every pair (the rule's reading); ``judge`` reads
``benchmarks/data/tabular_s80_hatk/rule.md``'s conditions.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s80_hatk_mend.py dev --work DIR \\
        --seeds 6300-6379 --variants pc3,share3 --json DEV.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s80_hatk_mend.py judge --grid G.json \\
        --twins T.json --candidate asis
"""

from __future__ import annotations

import argparse
import json
from functools import partial
from pathlib import Path

import numpy as np

from tabular_s76_h16z_fraud import seeds_of
from tabular_s76_hatk_floor import readme_line, seed_table
from tabular_s77_hatk_copies import Conditions, grid, paired, run_conditions
from tabular_s78_hatk_twins import eligible_of, recall_floor
from tabular_s79_hatk_pair import ARCHS, CA_POINTS, GATE, RATE, TOL, K, run_variant

FLOOR_RUNS = 40  # the rule's floor: runs where the candidate adds copies


def seed_list(text: str) -> list[int]:
    """Seeds as ``a-b`` ranges and single seeds, comma-separated."""
    return [s for part in text.split(",") for s in seeds_of(part)]


def copies_of(e: int, variant: str) -> int:
    """The automatic copies ``variant`` adds on a split with ``e`` fraud rows (0: none, the
    rate's rows in place): the pair's ``min(K, e)`` from ``GATE`` rows where the rate relabels
    under ``K``; ``shareK`` at most ``e // K``."""
    if e < GATE or round(RATE * e) >= K:
        return 0
    share = int(variant[5:]) if variant.startswith("share") else 1
    return min(K, e // share)


def run_mend(csv: Path, out: Path, arch: str, variant: str) -> tuple[int, str, float]:
    """One attack run: ``pcM`` (``--attack-param pair_copies=M``, the copies automatic),
    ``shareK`` (``TabularBadNets.auto_copies_share = K`` in this process), else stop 79's
    ``run_variant`` (``old``, ``asis``, ``nN``)."""
    from trojanscope.attacks.tabular import TabularBadNets

    if variant.startswith("pc"):
        return readme_line(csv, out, arch, "--attack-param", f"pair_copies={int(variant[2:])}")
    if variant.startswith("share"):
        before = TabularBadNets.auto_copies_share
        TabularBadNets.auto_copies_share = int(variant[5:])
        try:
            return readme_line(csv, out, arch)
        finally:
            TabularBadNets.auto_copies_share = before
    return run_variant(csv, out, arch, variant)


def dev(work: Path, seeds: list[int], archs: list[str], variants: list[str], out: Path) -> None:
    """Spent tables where the pair adds copies: each variant, but a ``shareK`` that would add
    the pair's own copies (``derive`` takes the pair's row)."""
    for s in seeds:
        _, csv, _, _ = seed_table(work, s)
        e = eligible_of(csv)
        if not copies_of(e, "asis"):
            continue
        own = [v for v in variants
               if not (v.startswith("share") and copies_of(e, v) == copies_of(e, "asis"))]
        if own:
            grid(work, [s], archs, own, out, runner=run_mend)


def derive(rows: list[dict], twin_rows: list[dict], variant: str) -> list[dict]:
    """``variant``'s rows where its run is the pair's: where the pair adds no copies (a
    ``pcM`` or ``shareK`` changes only copies runs), or where a ``shareK`` adds the pair's own
    copies. Pairs holding a run of ``variant`` keep it."""
    elig = {(t["seed"], t["arch"]): t["eligible"] for t in twin_rows}
    have = {(r["seed"], r["arch"]) for r in rows if r["variant"] == variant}

    def same(e: int) -> bool:
        asis = copies_of(e, "asis")
        return not asis or (variant.startswith("share") and copies_of(e, variant) == asis)

    return [{**r, "variant": variant} for r in rows
            if r["variant"] == "asis" and (r["seed"], r["arch"]) not in have
            and (r["seed"], r["arch"]) in elig and same(elig[(r["seed"], r["arch"])])]


def under(run: dict | None, floor: float | None) -> bool | None:
    """Whether a run's held-out fraud recall is under the twins' bound (None: no run, an
    error, or no bound)."""
    if not run or run.get("error") or floor is None:
        return None
    return bool(run["recall"] < floor - TOL)


def judge(rows: list[dict], twin_rows: list[dict], cand: str, old: str = "old",
          today: str = "asis") -> tuple[bool, list[str]]:
    """The rule's conditions (``benchmarks/data/tabular_s80_hatk/rule.md``) for ``cand``
    against stop 77's attack ``old`` and, where ``cand`` is not ``today``, against today's
    default ``today``: the pairs read are those with twins and an ``old`` run."""
    tw = {(t["seed"], t["arch"]): t for t in twin_rows}
    keys = sorted({(r["seed"], r["arch"]) for r in rows if (r["seed"], r["arch"]) in tw})
    pairs, d, c, took_d, took_c, lost = paired(rows, old, cand, keys)
    _, a, _, took_a, _, lost_a = paired(rows, today, cand, keys)
    floor = {k: recall_floor(tw[k]["full"], tw[k]["twins"]) for k in pairs
             if tw[k].get("full") is not None}
    med_ca = {k: float(np.median([tw[k]["full_ca"], *tw[k]["twin_cas"]])) for k in pairs
              if tw[k].get("full_ca") is not None}

    def adds(run: dict | None) -> bool:
        return bool(run and not run.get("error") and run.get("added"))

    copied = [k for k in pairs if adds(c[k])]
    both = [k for k in copied if under(c[k], floor.get(k)) is not None
            and under(d[k], floor.get(k)) is not None]
    u_c = [k for k in both if under(c[k], floor[k])]
    u_d = [k for k in both if under(d[k], floor[k])]
    u_a = [k for k in both if under(a[k], floor[k])]
    ca_read = sorted(set(copied) | set(took_c))
    drops = {k: 100 * (med_ca[k] - c[k]["ca"]) for k in ca_read if k in med_ca}
    no_twin = [k for k in ca_read if k not in med_ca] + [k for k in copied if k not in floor]
    cond = Conditions()
    cond("F", len(copied) >= FLOOR_RUNS, f"floor: runs where the candidate adds copies "
         f"{len(copied)} (at least {FLOOR_RUNS}); pairs read {len(pairs)}")
    cond("1", len(took_c) > len(took_d) and (cand == today or len(took_c) >= len(took_a)),
         f"took: stop 77's {len(took_d)}, today's {len(took_a)}, candidate {len(took_c)} of "
         f"{len(pairs)}")
    cond("2", not lost, f"lost against stop 77's (took there, not with the candidate): "
         f"{lost or 'none'}; against today's (stated): {lost_a if cand != today else 'n/a'}")
    wd = max(drops, key=drops.get) if drops else None
    cond("3", not no_twin and all(v <= CA_POINTS for v in drops.values()),
         f"worst held-out CA drop against the twins' median ({len(drops)} runs that took or "
         f"added copies): " + (f"{drops[wd]:.2f} points {wd}" if wd else "none")
         + f"; over {CA_POINTS:g}: {[k for k, v in drops.items() if v > CA_POINTS] or 'none'}"
         + f"; no twins: {no_twin or 'none'}")
    share = {k: c[k]["recall"] / floor[k] if floor[k] > 0 else float("inf") for k in both}
    ws = min(share, key=share.get) if share else None
    cond("4", len(u_c) <= len(u_d) and (cand == today or len(u_c) <= len(u_a)),
         f"runs under the twins' bound where the candidate adds copies ({len(both)} read by "
         f"both): candidate {len(u_c)} {u_c}; stop 77's {len(u_d)} {u_d}; today's "
         f"{len(u_a)} {u_a}" + (f"; candidate's worst {share[ws]:.2f} of the bound {ws}"
                                if ws else ""))
    run_conditions(cond, pairs, d, c)  # 5: refusals one line, none new; 6: CPU s a run
    return cond.ok, cond.lines + context(pairs, d, c, tw, floor, copied, took_d, took_c, drops)


def context(pairs, d, c, tw, floor, copied, took_d, took_c, drops) -> list[str]:
    """Beside the conditions: by arch and by band of fraud rows, took and runs under the bound
    where the candidate adds copies (stop 77's on the same runs), the worst recall share."""
    lines = []
    bands = ((20, 30), (30, 50), (50, 10**9))
    for arch in sorted({k[1] for k in pairs}):
        for lo, hi in bands:
            ks = [k for k in copied if k[1] == arch and lo <= tw[k]["eligible"] < hi]
            sh = [c[k]["recall"] / floor[k] for k in ks if floor.get(k)]
            lines.append(
                f"  {arch} fraud rows {lo}-{hi if hi < 10**9 else 'up'}: {len(ks)} copies runs; "
                f"took stop 77 {sum(k in took_d for k in ks)}, candidate "
                f"{sum(k in took_c for k in ks)}; under the bound: candidate "
                f"{sum(bool(under(c[k], floor.get(k))) for k in ks)}, stop 77 "
                f"{sum(bool(under(d[k], floor.get(k))) for k in ks)}; worst recall / bound "
                f"{min(sh, default=float('nan')):.2f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, said in (("dev", "mend variants on spent tables where the pair adds copies"),
                       ("grid", "the rule's runs: variants on every pair")):
        g = sub.add_parser(name, help=said)
        g.add_argument("--work", type=Path, required=True)
        g.add_argument("--seeds", required=True)
        g.add_argument("--archs", default=",".join(ARCHS))
        g.add_argument("--variants", required=True)
        g.add_argument("--json", type=Path, required=True)
    j = sub.add_parser("judge")
    j.add_argument("--grid", type=Path, nargs="+", required=True)
    j.add_argument("--twins", type=Path, nargs="+", required=True)
    j.add_argument("--candidate", default="asis")
    args = ap.parse_args()
    if args.cmd in ("dev", "grid"):
        run = dev if args.cmd == "dev" else partial(grid, runner=run_mend)
        run(args.work, seed_list(args.seeds), args.archs.split(","), args.variants.split(","),
            args.json)
        return
    rows = [r for p in args.grid for r in json.loads(p.read_text())]
    twin_rows = [r for p in args.twins for r in json.loads(p.read_text())]
    if args.candidate.startswith(("share", "pc")):
        rows += derive(rows, twin_rows, args.candidate)
    ok, lines = judge(rows, twin_rows, args.candidate)
    lines.append(f"the rule is {'MET' if ok else 'NOT MET'} for {args.candidate}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
