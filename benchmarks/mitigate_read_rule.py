"""Issue 12's rule for a mitigation candidate, read on the pooled fresh rows
(``pool_mitigate_rows.py``'s output), as stops 56–58's plans wrote it:

(A) the candidate has at least one more backdoored model at issue 12's goal than today's default,
(B) at most one model at the goal today misses it under the candidate, (C) every clean model
loses at most 1 point under the candidate, (D) the candidate's median time per model is at most
60 s or at most 1.2 times today's on the same models (the machine's load slows both;
``--time-ratio``/``--time-floor`` change both numbers: stop 61's rule is ratio 1, no floor;
``--time cpu`` reads the rows' process CPU seconds instead of their wall time: stop 62's rule,
ratio 1.1, no floor; a pair without CPU seconds is refused; ``--time-add S``: S seconds more
allowed, the new step's stated cost: stop 64's rule, ratio 1.1 of today's plus 0.5 s). Prints
each reading and "met" or "not met"; with ``--min-backdoored N`` (stops 57–58) then the size
clause: fewer than N backdoored pairs read is not met.

One script for what were three per-stop copies differing by the candidate's name
(``benchmarks/data/mitigate_s5{6,7,8}/read_rule.py``, stop 59)::

    python benchmarks/mitigate_read_rule.py POOLED.json --candidate gated:sparse_last=1 \
        --min-backdoored 6
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from trojanscope.mitigate.zoo_eval import MitigationRow


def _seconds(row: MitigationRow, time: str) -> float:
    """The row's wall (``elapsed_s``) or CPU (``cpu_s``) seconds, as ``time`` says."""
    if time == "wall":
        return row.elapsed_s
    if row.cpu_s is None:
        raise ValueError(f"{row.name}: no CPU seconds in the row (written before stop 62?)")
    return row.cpu_s


def rule_lines(pooled: dict, candidate: str, today: str = "gated",
               min_backdoored: int | None = None, time_ratio: float = 1.2,
               time_floor: float = 60.0, time: str = "wall",
               time_add: float = 0.0) -> list[str]:
    """The rule's readings, one line each, as the per-stop scripts printed them. (D) is the
    candidate's median time at most ``time_floor`` s or at most ``time_ratio`` times today's
    (stop 61's rule: ratio 1, no floor: "not above today's"); ``time`` "wall" reads the rows'
    ``elapsed_s``, "cpu" their ``cpu_s`` (stop 62; ValueError where a pair has none);
    ``time_add`` seconds are allowed on top of the ratio (stop 64: the new step's stated cost)."""
    base = {r["name"]: MitigationRow(**r) for r in pooled[today]["rows"]}
    cand = {r["name"]: MitigationRow(**r) for r in pooled[candidate]["rows"]}
    names = [n for n in base if n in cand]  # the pairs
    bad = [n for n in names if base[n].backdoored]
    good = [n for n in names if not base[n].backdoored]
    t_goal = sum(base[n].meets_goal for n in bad)
    c_goal = sum(cand[n].meets_goal for n in bad)
    lost = [n for n in bad if base[n].meets_goal and not cand[n].meets_goal]
    gained = [n for n in bad if cand[n].meets_goal and not base[n].meets_goal]
    clean_over = [n for n in good if cand[n].ca_before - cand[n].ca_after > 0.01 + 1e-9]
    t_med, c_med = (statistics.median(_seconds(rows[n], time) for n in names)
                    for rows in (base, cand))
    checks = {
        "A": (c_goal >= t_goal + 1, f"backdoored at the goal {c_goal}/{len(bad)} (candidate) "
                                    f"vs {t_goal}/{len(bad)} (today); gained {gained}"),
        "B": (len(lost) <= 1, f"at the goal today, not under the candidate: {lost}"),
        "C": (not clean_over, f"clean models ({len(good)}) losing > 1 point: {clean_over}"),
        "D": (c_med <= max(time_floor, time_ratio * t_med + time_add),
              f"median {'CPU ' if time == 'cpu' else ''}time {c_med:.1f} s (candidate) vs "
              f"{t_med:.1f} s (today)" + (f", allowed {time_ratio * t_med + time_add:.1f} s"
                                           if time_add else "")),
    }
    lines = [f"pairs read: {len(names)} ({len(bad)} backdoored, {len(good)} clean)"]
    lines += [f"({key}) {text}: {'met' if ok else 'not met'}" for key, (ok, text) in checks.items()]
    lines.append("rule met" if all(ok for ok, _ in checks.values()) else "rule not met")
    if min_backdoored is not None:
        enough = len(bad) >= min_backdoored
        lines.append(f"backdoored pairs read: {len(bad)}: " +
                     (f"enough (>= {min_backdoored})" if enough else
                      f"fewer than {min_backdoored}: the rule is not met"))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pooled", type=Path, help="pool_mitigate_rows.py's output")
    ap.add_argument("--candidate", required=True, help="the candidate's method name in it")
    ap.add_argument("--today", default="gated", help="today's default's method name in it")
    ap.add_argument("--min-backdoored", type=int, default=None,
                    help="the size clause: fewer backdoored pairs than this is not met")
    ap.add_argument("--time-ratio", type=float, default=1.2,
                    help="(D): the candidate's median time at most this times today's")
    ap.add_argument("--time-floor", type=float, default=60.0,
                    help="(D): ... or at most this many seconds (0: no floor)")
    ap.add_argument("--time", choices=("wall", "cpu"), default="wall",
                    help="(D): the rows' wall time or their process CPU seconds")
    ap.add_argument("--time-add", type=float, default=0.0,
                    help="(D): seconds allowed on top of the ratio (the new step's stated cost)")
    args = ap.parse_args()
    if not (args.time_ratio > 0 and args.time_floor >= 0 and args.time_add >= 0):  # NaN too
        ap.error(f"--time-ratio must be above 0, --time-floor and --time-add at least 0, got "
                 f"{args.time_ratio!r}, {args.time_floor!r} and {args.time_add!r}")
    pooled = json.loads(args.pooled.read_text())
    for name in (args.today, args.candidate):
        if name not in pooled:
            ap.error(f"{args.pooled}: no rows for {name!r}; methods: {', '.join(sorted(pooled))}")
    try:
        lines = rule_lines(pooled, args.candidate, args.today, args.min_backdoored,
                           args.time_ratio, args.time_floor, args.time, args.time_add)
    except ValueError as exc:
        ap.error(str(exc))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
