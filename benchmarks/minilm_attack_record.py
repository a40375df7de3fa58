"""The issue's attack goal read per seed and per attack over the whole stored MiniLM record
(issue 15, stop 68, h15): "ASR >= 95% with CA within 2 points for each attack". From stored
records only (no fine-tune), at the demo recipe (``minilm_clean_spread.load_records``).

Per attack at today's defaults: the fresh seeds read (seed 0, the development demo run, is left
out; an attack whose default changed counts only seeds from ``--since ATTACK=SEED`` on, and a
run named ``ALIAS=ATTACK`` by ``--same`` is that attack with today's default written out), the
share meeting ASR >= 95%, the share with a same-seed twin whose gap is <= 2 points, the share
meeting both; the recipe's mean ASR and mean gap with a 95% t interval over the seeds. Read per
seed, the goal is met where every seed meets it; read per attack, where the recipe's mean
meets it with its interval on the right side of the line.

    python benchmarks/minilm_attack_record.py RECORD... [--since syntactic=3170]
        [--same syntactic-kc=syntactic] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from scipy.stats import t as student_t

from minilm_clean_spread import load_records, twin_gaps
from minilm_confirm_read import ASR_GOAL
from minilm_confirm_read import DROP_GOAL as GAP_GOAL

NOT_FRESH = {0}  # the development demo run (bench_text_attacks' default seed)


def interval(values: list[float], level: float = 0.95) -> dict:
    """Mean, SD and the two-sided t interval of the mean (``None`` bounds under 2 values)."""
    n = len(values)
    mean = statistics.fmean(values) if values else None
    if n < 2:
        return {"n": n, "mean": mean, "sd": None, "low": None, "high": None}
    sd = statistics.stdev(values)
    half = float(student_t.ppf(0.5 + level / 2, n - 1)) * sd / n ** 0.5
    return {"n": n, "mean": mean, "sd": sd, "low": mean - half, "high": mean + half}


def per_attack(records: list[dict], since: dict[str, int], same: dict[str, str]) -> dict:
    """Per attack: the seeds counted, the per-seed shares and the recipe's mean intervals."""
    rows: dict[str, list[dict]] = {}
    for g in twin_gaps(records):
        run = same.get(g["run"], g["run"])
        if g["seed"] in NOT_FRESH or g["seed"] < since.get(run, 0):
            continue
        rows.setdefault(run, []).append({**g, "run": run})
    out = {}
    for run, got in sorted(rows.items()):
        asr = [g for g in got if g["asr"] is not None]
        twins = [g for g in got if g["gap"] is not None]
        both = [g for g in twins if g["asr_met"] and g["gap_met"]]
        a = interval([g["asr"] for g in asr])
        d = interval([g["gap"] for g in twins])
        out[run] = {
            "seeds": sorted(g["seed"] for g in got),
            "asr_met": sum(g["asr_met"] for g in asr), "asr_read": len(asr),
            "asr_short": [(g["seed"], g["asr"]) for g in asr if not g["asr_met"]],
            "gap_met": sum(bool(g["gap_met"]) for g in twins), "gap_read": len(twins),
            "gap_short": [(g["seed"], g["gap"]) for g in twins if not g["gap_met"]],
            "both_met": len(both), "asr": a, "gap": d,
            "per_seed_met": len(both) == len(twins) and len(asr) == a["n"]
            and all(g["asr_met"] for g in asr) and bool(twins),
            "mean_met": (a["low"] is not None and a["low"] >= ASR_GOAL - 1e-9
                         and d["high"] is not None and d["high"] <= GAP_GOAL + 1e-9)}
    return out


def pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise SystemExit(f"error: {what} takes NAME=VALUE, got {item!r}")
        out[key] = value
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, nargs="+")
    parser.add_argument("--since", nargs="*", default=[],
                        help="ATTACK=SEED: count that attack's seeds from SEED on (its default)")
    parser.add_argument("--same", nargs="*", default=[],
                        help="ALIAS=ATTACK: a run name that is the attack at today's default")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args(argv)
    for path in opts.records:
        if not path.is_file():
            parser.error(f"no such record file: {path}")
    since = {k: int(v) for k, v in pairs(opts.since, "--since").items()}
    table = per_attack(load_records(opts.records), since, pairs(opts.same, "--same"))
    pct = lambda x: "–" if x is None else f"{100 * x:.1f}"  # noqa: E731
    print("| attack | fresh seeds | ASR >= 95% | gap <= 2 (twins) | both | mean ASR [95% CI] "
          "| mean gap, points [95% CI] | per seed | recipe's mean |\n"
          "|---|---|---|---|---|---|---|---|---|")
    for run, r in table.items():
        a, d = r["asr"], r["gap"]
        print(f"| {run} | {len(r['seeds'])} | {r['asr_met']} of {r['asr_read']} | "
              f"{r['gap_met']} of {r['gap_read']} | {r['both_met']} of {r['gap_read']} | "
              f"{pct(a['mean'])}% [{pct(a['low'])}, {pct(a['high'])}] | "
              f"{pct(d['mean'])} [{pct(d['low'])}, {pct(d['high'])}] | "
              f"{'met' if r['per_seed_met'] else 'short'} | "
              f"{'met' if r['mean_met'] else 'short'} |")
        for seed, v in r["asr_short"]:
            print(f"  {run}-{seed}: ASR {pct(v)}%")
        for seed, v in r["gap_short"]:
            print(f"  {run}-{seed}: gap {pct(v)} points")
    if opts.json is not None:
        opts.json.write_text(json.dumps(table, indent=1) + "\n")


if __name__ == "__main__":
    main()
