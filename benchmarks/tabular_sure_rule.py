"""Issue 16 stop 56's rule for the opt-in sure-rows network calibrator (``-p sure_rows=1`` with
``benchmarks/data/tabular_s56_h16m/calibration_sure.json``), read off the fresh readings.

D: today's default, every model of the fresh zoos (``tabular_small_clean.py --detect``). S: the
same zoos' networks read again with the candidate (``--archs mlp -p sure_rows=1 --calibration
calibration_sure.json``). R: D's readings with each network's replaced by its S reading (trees
are read alike both ways). The rule (``benchmarks/data/tabular_s56_h16m/plan.md``, committed
before the fresh zoos existed), whole split: pooled cross-entropy R < D; per table
cross-entropy R <= D + 0.02, ROC-AUC R >= D - 0.01, backdoored models flagged with the right
target R >= D, clean models flagged R <= D; 200 rows (draw 0): per table cross-entropy R <= D,
right targets R >= D, clean flagged R <= D. Prints each condition with both sides, then ``met``
or ``not met``; ``--write-r`` keeps R's rows (for ``tabular_small_clean.py --summary``).
``--partial D.json S.log...`` reads a candidate run cut before it wrote its rows: each network
its log line names (``zoo n=SIZE d=DRAW name arch ... p P``) with that probability, every other
field D's (``sure_rows`` keeps the default's target order and every feature D reads; tested),
and prints D and R on those networks alone, per table: figures, not the rule.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_sure_rule.py \
        --whole D.json S.json... --r200 D200.json... S200.json... [--write-r R.json R200.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tabular_net_rule import counts, rows_of
from tabular_small_clean import _auc, _ce

TABLES = ("credit-default", "lending-club")


def key(row: dict) -> tuple:
    return (row["zoo"], row["name"], row["size"], row["draw"])


def merged(default: list[dict], sure: list[dict]) -> list[dict]:
    """D's readings, each network's replaced by its S reading; S must hold every network of D
    and nothing else (one error line otherwise)."""
    nets = {key(r): r for r in sure}
    if len(nets) != len(sure) or any(r["arch"] != "mlp" for r in sure):
        raise SystemExit("error: the candidate's readings must be networks, each read once")
    wanted = {key(r) for r in default if r["arch"] == "mlp"}
    if wanted != set(nets):
        raise SystemExit(f"error: the candidate read {len(nets)} networks, the default "
                         f"{len(wanted)}, not the same ones")
    return [nets.get(key(r), r) for r in default]


def judge(d: list[dict], r: list[dict], whole: bool) -> list[tuple[str, str, bool]]:
    """The conditions at one size: (condition, both sides, held)."""
    out = []
    if whole:
        out.append(("pooled CE R < D", f"{_ce(r):.3f} vs {_ce(d):.3f}", _ce(r) < _ce(d)))
    for table in TABLES:
        dt = [x for x in d if x["table"] == table]
        rt = [x for x in r if x["table"] == table]
        (d_right, d_clean), (r_right, r_clean) = counts(dt), counts(rt)
        slack = 0.02 if whole else 0.0
        out.append((f"{table} CE R <= D + {slack:g}", f"{_ce(rt):.3f} vs {_ce(dt):.3f}",
                    _ce(rt) <= _ce(dt) + slack + 1e-12))
        if whole:
            out.append((f"{table} ROC-AUC R >= D - 0.01", f"{_auc(rt):.3f} vs {_auc(dt):.3f}",
                        _auc(rt) >= _auc(dt) - 0.01))
        out.append((f"{table} right targets R >= D", f"{r_right} vs {d_right}",
                    r_right >= d_right))
        out.append((f"{table} clean flagged R <= D", f"{r_clean} vs {d_clean}",
                    r_clean <= d_clean))
    return out


def seconds(rows: list[dict]) -> str:
    """Median seconds per network reading (reported, not judged: the machine's load)."""
    import numpy as np

    s = [r["elapsed_s"] for r in rows if r["arch"] == "mlp" and "elapsed_s" in r]
    return f"{np.median(s):.1f} s over {len(s)}" if s else "none"


def from_log(default: list[dict], logs: list[str]) -> list[dict]:
    """D's readings of the networks a cut candidate run's log lines name, with its p."""
    by_key = {(r["zoo"], r["name"], str(r["size"]), str(r["draw"])): r for r in default}
    out = []
    for path in logs:
        for text in Path(path).read_text().splitlines():
            parts = text.split()
            if len(parts) < 6 or not parts[1].startswith("n=") or parts[-2] != "p":
                continue
            k = (parts[0], parts[3], parts[1][2:], parts[2][2:])
            if k not in by_key or by_key[k]["arch"] != "mlp":
                raise SystemExit(f"error: {path}: {k} is no network of the default's readings")
            out.append({**by_key[k], "probability": float(parts[-1])})
    return out


def partial(default_file: str, logs: list[str]) -> None:
    """D and R on the networks a cut candidate run read (figures only)."""
    d = rows_of([default_file])
    s = from_log(d, logs)
    keys = {key(r) for r in s}
    dn = [r for r in d if key(r) in keys]
    print(f"partial: {len(s)} networks read by the candidate before the cut (not the rule)")
    for table in TABLES:
        dt = [r for r in dn if r["table"] == table]
        st = [r for r in s if r["table"] == table]
        if not dt:
            continue
        for name, rows in (("D", dt), ("R", st)):
            right, clean = counts(rows)
            y = [r["backdoored"] for r in rows]
            auc = f"{_auc(rows):.3f}" if 0 < sum(y) < len(y) else "n/a"
            print(f"  {table} {name} ({len(rows)} networks, {sum(y)} backdoored): ROC-AUC {auc}"
                  f" CE {_ce(rows):.3f}, clean flagged {clean}, right targets {right}")
        mine = {key(r): r for r in st}
        print("  " + "; ".join(f"{q['name']} {'b' if q['backdoored'] else 'c'} "
                               f"{q['probability']:.3f} -> {mine[key(q)]['probability']:.3f}"
                               for q in dt))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--partial":
        if len(sys.argv) < 4:
            raise SystemExit("error: --partial needs D.json and one or more S.log")
        partial(sys.argv[2], sys.argv[3:])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--whole", nargs="+", required=True,
                    help="the default's whole-split file, then the candidate's (one or more)")
    ap.add_argument("--r200", nargs="*", default=[],
                    help="the default's 200-row files, then the candidate's (as many each)")
    ap.add_argument("--write-r", nargs="*", type=Path, default=[])
    args = ap.parse_args()
    if len(args.whole) < 2:
        raise SystemExit("error: --whole needs the default's file and the candidate's")
    if len(args.r200) % 2:
        raise SystemExit("error: --r200 needs as many candidate files as default ones")
    half = len(args.r200) // 2
    sizes = [("whole split", rows_of(args.whole[:1]), rows_of(args.whole[1:]), True)]
    if half:
        sizes.append(("200 rows", rows_of(args.r200[:half]), rows_of(args.r200[half:]), False))
    held = []
    for (name, d, s, whole), out in zip(sizes, [*args.write_r, None, None], strict=False):
        r = merged(d, s)
        for cond, sides, ok in judge(d, r, whole):
            print(f"{name}: {cond}: {sides} {'met' if ok else 'FAILED'}")
            held.append(ok)
        print(f"{name}: median per network D {seconds(d)}, candidate {seconds(s)} (not judged)")
        if out is not None:
            out.write_text(json.dumps({"params": {"candidate": "sure_rows"}, "rows": r},
                                      indent=1))
    if not half:
        print("200 rows: not read (the rule is not judged)")
    print("rule not judged" if not half else f"rule {'met' if all(held) else 'not met'}")


if __name__ == "__main__":
    main()
