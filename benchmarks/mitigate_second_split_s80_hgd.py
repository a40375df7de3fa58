"""The mended ``mitigate --second-split`` (keep the second run only where its stage ran and its
guard did not stop it) against today's line on fresh users' 200 images, issue 12 stop 80, hgd.

Stop 79 (``mitigate_second_split_s79_hgd.py``, whose draw, common set, scoring, child-process
run and rule table this reuses) read the first version on users' draws 297-316 and lost draw
302: five of six second splits skipped their stage (``gated``'s residual probe: "no backdoor
left") and handed back the original model. Mended after that read (``stage_ran``).

``dev`` runs named arms on spent draws and keeps, beside stop 79's line, what the residual
probe read (``residual``: the reversed trigger's success before and after the first stage,
``kept``, the striped perturbation) and the detector's p, so a hand-back can be read.
``run`` is the fresh read: today's line on every draw, and the candidate (the CLI with
``--second-split``, end to end) in its own child process where today's guard stopped;
elsewhere the candidate runs nothing more than today's run, so its line is today's.
``rule`` judges the lines by ``benchmarks/data/mitigate_s80_hgd/rule.md``.

    python benchmarks/mitigate_second_split_s80_hgd.py dev --run RUN --work W --seeds 302 \
        --arms seed1k,seed2 --lines dev.jsonl
    python benchmarks/mitigate_second_split_s80_hgd.py build --work W --seeds 356-375
    python benchmarks/mitigate_second_split_s80_hgd.py run --run RUN --work W --seeds 356-365 \
        --lines a.jsonl
    python benchmarks/mitigate_second_split_s80_hgd.py rule a.jsonl b.jsonl
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from statistics import median
from typing import Any

import mitigate_second_split_s79_hgd as s79
from mitigate_holdout_s78_hgd import (
    common_set,
    done_of,
    draw,
    parser_of,
    pending,
    run_arm,
    seeds_of,
)

# dev arms (spent draws only): a second split's own run (seed 1), the same forced through the
# second stage (kept=1.01: the probe's "no backdoor left" cannot hand it back), a third split
s79.ARMS.update({"seed1k": ["--seed", "1", "--method-param", "kept=1.01"],
                 "seed2": ["--seed", "2"]})
GOAL, STILL, GUARD_STOP = s79.GOAL, s79.STILL, s79.GUARD_STOP
CA_POINTS = 0.01  # clean accuracy within 1 point of today's on every draw
CPU_RATIO = 2.0  # median CPU at most twice today's
FLOOR = 12  # draws where today's guard stopped: fewer and the rule is not read
POPULATION = 20  # fresh users' draws 356-375


def probe_of(decided: dict[str, Any]) -> dict[str, Any]:
    """What the residual probe and the detector read on one run (none where they did not)."""
    left = decided.get("residual") or {}
    return {"residual": {k: left.get(k) for k in
                         ("trigger_before", "trigger_after", "kept", "perturbation")},
            "p": decided.get("probability", decided.get("p")),
            "hand_check": decided.get("hand_check"), "overruled": decided.get("overruled")}


def build(args: argparse.Namespace) -> None:
    """The builder (stop 78's draw, new seeds): each seed's ``clean.npz`` and the sha256 of its
    x and y (first 12), and nothing read beyond them."""
    import hashlib

    import numpy as np

    for seed in seeds_of(args.seeds):
        work = args.work / str(seed)
        draw(seed, work)
        with np.load(work / "clean.npz") as got:
            sha = hashlib.sha256(got["x"].tobytes() + got["y"].tobytes()).hexdigest()[:12]
        print(json.dumps({"seed": seed, "clean": str(work / "clean.npz"), "sha256": sha}),
              flush=True)


def dev_line(run: Path, work: Path, seed: int, arm: str, common: Any) -> dict[str, Any]:
    """Stop 79's line for ``arm`` with the probe's readings; the run's whole record is left in
    ``work/decided_ARM.json``."""
    try:
        got = run_arm(run, work, arm, s79.ARMS[arm])
    except subprocess.CalledProcessError as exc:
        return {"seed": seed, "arm": arm, "failed": exc.returncode}
    if "refused" in got:
        return {"seed": seed, "arm": arm, "refused": got["refused"]}
    decided = got["report"].get("decided") or {}
    (work / f"decided_{arm}.json").write_text(json.dumps(decided, indent=1))
    return {**s79.line_of(seed, arm, got, common), "probe": probe_of(decided),
            "rounds": (decided.get("unlearn") or {}).get("rounds")}


def second(args: argparse.Namespace) -> None:
    """The candidate's second run (``seed1k``: ``--seed 1 --method-param kept=1.01``, what
    ``--second-split`` runs after today's run) on each draw of ``--today`` whose stage today's
    guard stopped; elsewhere the candidate runs nothing more."""
    done = done_of(args.lines)
    rows = s79.rows_of([args.today])
    with args.lines.open("a") as lines:
        for seed in sorted(rows):
            today = rows[seed].get("today")
            if today is None or today["action"] != GUARD_STOP or (seed, "seed1k") in done:
                continue
            work = args.work / str(seed)
            line = dev_line(args.run, work, seed, "seed1k", common_set(draw(seed, work)))
            lines.write(json.dumps(line) + "\n")
            lines.flush()
            print(json.dumps(line), flush=True)


def composed(rows: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The candidate's line on each draw from today's and the second run's: where today's
    guard did not stop, today's (nothing more runs); where it stopped, the second run where its
    stage ran and its guard did not stop it, else today's (``second_split.retried``), with the
    CPU of both children; a stopped draw without a second run gets no candidate line."""
    for row in rows.values():
        today, again = row.get("today"), row.get("seed1k")
        if today is None:
            continue
        if today["action"] != GUARD_STOP:
            row["second"] = {**today, "arm": "second", "same": True}
            continue
        if again is None:
            continue
        ran_on = (isinstance(again.get("rounds"), int) and again["rounds"] > 0
                  and again["action"] != GUARD_STOP)
        kept = again if ran_on else today
        record = {"first": {"seed": 0, "action": today["action"]},
                  "kept": "second" if ran_on else "first",
                  "second": {"seed": 1, "action": again["action"], "rounds": again.get("rounds")}}
        row["second"] = {**kept, "arm": "second", "second_split": record,
                         "cpu_s": round(today["cpu_s"] + again["cpu_s"], 2)}
    return rows


def dev(args: argparse.Namespace) -> None:
    """Named arms on spent draws: stop 79's line with the probe's readings beside."""
    with args.lines.open("a") as lines:
        for seed, work, common, arm in pending(args):
            line = dev_line(args.run, work, seed, arm, common)
            lines.write(json.dumps(line) + "\n")
            lines.flush()
            print(json.dumps(line), flush=True)


def rule(paths: list[Path]) -> dict[str, Any]:
    """The rule (``benchmarks/data/mitigate_s80_hgd/rule.md``) on the lines: each condition."""
    rows = composed(s79.rows_of(paths))
    every = sorted(s for s, r in rows.items() if "today" in r)
    seeds = sorted(s for s, r in rows.items() if {"today", "second"} <= set(r))
    arms = ("today", "second")
    asr = {a: {s: rows[s][a]["common"]["asr"] for s in seeds} for a in arms}
    ca = {a: {s: rows[s][a]["common"]["ca"] for s in seeds} for a in arms}
    cpu = {a: [rows[s][a]["cpu_s"] for s in seeds] for a in arms}
    stopped = [s for s in every if rows[s]["today"]["action"] == GUARD_STOP]
    goal = {a: sum(v <= GOAL for v in asr[a].values()) for a in arms}
    above = {a: [s for s in seeds if asr[a][s] > STILL] for a in arms}
    lost = [s for s in seeds if asr["today"][s] <= GOAL < asr["second"][s]]
    newly_above = [s for s in above["second"] if s not in above["today"]]
    clean_off = [s for s in seeds if ca["today"][s] - ca["second"][s] > CA_POINTS]
    med = {a: median(cpu[a]) if seeds else 0.0 for a in arms}
    floor = len(stopped) >= FLOOR and len(every) == POPULATION
    unfinished = len(every) < POPULATION or len(seeds) < len(every)
    checks = {"a_gain": goal["second"] >= goal["today"] + 1, "b_none_lost": not lost,
              "c_clean": not clean_off, "d_none_newly_above": not newly_above,
              "e_cpu": med["second"] <= CPU_RATIO * med["today"]}
    return {"seeds": seeds, "stopped": stopped, "floor": {"need": FLOOR, "met": floor},
            "goal": goal, "above_10": above, "lost": lost, "newly_above": newly_above,
            "clean_off": clean_off, "median_cpu_s": med,
            "worst_cpu_s": {a: max(cpu[a], default=0.0) for a in arms},
            "kept_second": [s for s in seeds
                            if (rows[s]["second"].get("second_split") or {}).get("kept")
                            == "second"],
            "checks": checks,
            "today_lines": len(every), "candidate_lines": len(seeds),
            "outcome": ("not read: unfinished" if len(every) < POPULATION else
                        "not read: too few" if not floor else
                        "not read: unfinished" if unfinished else
                        "met" if all(checks.values()) else "not met"),
            "worst": {a: max(seeds, key=asr[a].get) if seeds else None for a in arms}}


def main(argv: list[str] | None = None) -> None:
    parser, sub = parser_of(__doc__, s79.ARMS, ("today", "second"))
    go = sub.add_parser("dev", help="named arms on spent draws, with the probe's readings")
    for name in ("--run", "--work", "--lines"):
        go.add_argument(name, type=Path, required=True)
    go.add_argument("--seeds", required=True)
    go.add_argument("--arms", required=True, help="of " + ", ".join(s79.ARMS))
    again = sub.add_parser("second", help="the candidate's second run where today's stopped")
    for name in ("--run", "--work", "--today", "--lines"):
        again.add_argument(name, type=Path, required=True)
    made = sub.add_parser("build", help="the fresh draws' clean.npz files, nothing scored")
    made.add_argument("--work", type=Path, required=True)
    made.add_argument("--seeds", required=True)
    args = parser.parse_args(argv)
    if args.what == "build":
        build(args)
    elif args.what == "run":
        s79.run(args)
    elif args.what == "dev":
        dev(args)
    elif args.what == "second":
        second(args)
    else:
        print(s79.table([], composed(s79.rows_of(args.lines))))
        print(json.dumps(rule(args.lines), indent=1))


if __name__ == "__main__":
    main()
