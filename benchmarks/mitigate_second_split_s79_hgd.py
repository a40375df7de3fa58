"""The README's mitigation line on users' 200 images with a second split where ``gated``'s CA
guard stops (``mitigate --second-split``) against today's line, issue 12 stop 79, hgd.

Stop 78 (``mitigate_holdout_s78_hgd.py``, whose draw, common set, scoring and child-process
run this reuses) found on 20 users' draws (first contact 277-296, spent) that every draw left
above 2% ASR ended "stopped by the CA guard" and none of the 15 at the goal did, and that the
same images split another way reached the goal on seed 276. The candidate
(:mod:`trojanscope.mitigate.second_split`): where the guard stops, run again with ``--seed``
+ 1 (another split, another method seed) and keep the second run only where its guard did
not stop it (fewer take-backs: the fit-side proxy; the held-out figures are never read).

Where today's run was not stopped by the guard the candidate runs nothing more: its first
run is today's run (the same call, same seed, one thread), so its line is today's line
(``"same": true``), and the candidate is run in a child process only on the draws where
today's guard stopped. Checked on spent draws before the rule: the candidate's
CLI run on a draw the guard did not stop gives today's figures to the last digit, and on a
stopped draw its first run ends as today's did.

    python benchmarks/mitigate_second_split_s79_hgd.py run --run RUN --work W --seeds 297-306 \
        --lines a.jsonl
    python benchmarks/mitigate_second_split_s79_hgd.py rule a.jsonl b.jsonl

RULE: written in ``benchmarks/mitigate_second_split_s79_hgd_rule.md`` (committed before any
fresh draw was scored).
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from statistics import median
from typing import Any

from mitigate_holdout_s78_hgd import (
    common_set,
    done_of,
    draw,
    parser_of,
    run_arm,
    score,
    seeds_of,
)

ARMS: dict[str, list[str]] = {"today": [], "second": ["--second-split"],
                              "seed1": ["--seed", "1"]}  # seed1: development only
GOAL, STILL = 0.02, 0.10  # ASR at the goal; above STILL a draw is left backdoored
CA_POINTS, CPU_RATIO = 0.02, 1.2
GUARD_STOP = "stopped by the CA guard"


def line_of(seed: int, arm: str, got: dict[str, Any], common: Any) -> dict[str, Any]:
    """One JSON line: the CLI's own figures, how the stage ended, the common set's figures,
    the child's CPU time."""
    rep = got["report"]
    decided = rep.get("decided") or {}
    return {"seed": seed, "arm": arm, "cpu_s": round(got["cpu_s"], 2),
            "method_cpu_s": rep.get("cpu_s"),
            "own": {"held": rep["heldout_samples"], "fit": rep["clean_samples"],
                    "before": rep["before"], "after": rep["after"]},
            "common": score(got["out"], common),
            "action": (decided.get("unlearn") or {}).get("action"),
            "second_split": decided.get("second_split")}


def arm_line(run: Path, work: Path, seed: int, arm: str, common: Any) -> dict[str, Any]:
    """``arm``'s line on one draw; a refused (exit 2) or failed child leaves the user the
    source model, scored as such (the rule counts it as a draw lost and above 10%)."""
    try:
        got = run_arm(run, work, arm, ARMS[arm])
    except subprocess.CalledProcessError as exc:
        got = {"refused": f"failed (exit {exc.returncode})", "cpu_s": 0.0}
    if "refused" in got:
        return {"seed": seed, "arm": arm, "cpu_s": round(got["cpu_s"], 2),
                "refused": got["refused"], "common": score(run, common), "action": None}
    return line_of(seed, arm, got, common)


def run(args: argparse.Namespace) -> None:
    """Today's line on each draw, and the candidate where today's guard stopped (elsewhere the
    candidate's line is today's, ``same``)."""
    done = done_of(args.lines)
    with args.lines.open("a") as lines:
        for seed in seeds_of(args.seeds):
            work = args.work / str(seed)
            common = common_set(draw(seed, work))
            today = None
            for arm in args.arms.split(","):
                if (seed, arm) in done:
                    continue
                if arm == "second" and today is not None and today["action"] != GUARD_STOP:
                    line = {**today, "arm": "second", "same": True}
                else:
                    line = arm_line(args.run, work, seed, arm, common)
                today = line if arm == "today" else today
                lines.write(json.dumps(line) + "\n")
                lines.flush()
                print(json.dumps(line), flush=True)


def rows_of(paths: list[Path]) -> dict[int, dict[str, Any]]:
    """The lines of ``paths`` by seed and arm."""
    rows: dict[int, dict[str, Any]] = {}
    for path in paths:
        for text in path.read_text().splitlines():
            line = json.loads(text)
            rows.setdefault(line["seed"], {})[line["arm"]] = line
    return rows


def simulated(today: list[Path], seed1: list[Path]) -> dict[int, dict[str, Any]]:
    """Development (spent draws): the candidate's choice made on lines run apart, stop 78's
    ``today`` lines and ``--seed 1`` lines, as rows: where today's guard stopped and the seed-1
    run's did not, the seed-1 line (its CPU added to today's), else today's."""
    rows = {s: {"today": r["today"]} for s, r in rows_of(today).items() if "today" in r}
    again = rows_of(seed1)
    for seed, row in rows.items():
        t = row["today"]
        if t["action"] != GUARD_STOP or "seed1" not in again.get(seed, {}):
            row["second"] = {**t, "arm": "second", "same": True}
            continue
        s1 = again[seed]["seed1"]
        kept = "first" if s1["action"] == GUARD_STOP else "second"
        record = {"first": {"seed": 0, "action": t["action"]}, "kept": kept,
                  "second": {"seed": 1, "action": s1["action"]}}
        row["second"] = {**(t if kept == "first" else s1), "arm": "second",
                         "cpu_s": round(t["cpu_s"] + s1["cpu_s"], 2), "second_split": record}
    return rows


def mended(rows: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """After the fresh read (the draws spent): the choice as mended then, on the same lines. A
    second split whose stage did not run (no rounds) is not kept: the first run, today's line
    (the same call), stands, with the candidate's CPU (both runs ran)."""
    for row in rows.values():
        record = row["second"].get("second_split") or {}
        second = record.get("second")
        if record.get("kept") == "second" and isinstance(second, dict) and not second["rounds"]:
            row["second"] = {**row["today"], "arm": "second", "cpu_s": row["second"]["cpu_s"],
                             "second_split": {**record, "kept": "first"}}
    return rows


def rule(paths: list[Path], rows: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The rule (``mitigate_second_split_s79_hgd_rule.md``) on the lines: each condition."""
    rows = rows_of(paths) if rows is None else rows
    seeds = sorted(s for s, r in rows.items() if {"today", "second"} <= set(r))
    arms = ("today", "second")
    asr = {a: {s: rows[s][a]["common"]["asr"] for s in seeds} for a in arms}
    ca = {a: {s: rows[s][a]["common"]["ca"] for s in seeds} for a in arms}
    cpu = {a: [rows[s][a]["cpu_s"] for s in seeds] for a in arms}
    goal = {a: sum(v <= GOAL for v in asr[a].values()) for a in arms}
    left = {a: sum(v > STILL for v in asr[a].values()) for a in arms}
    lost = [s for s in seeds if asr["today"][s] <= GOAL < asr["second"][s]]
    ca_off = [s for s in seeds if abs(ca["second"][s] - ca["today"][s]) > CA_POINTS]
    med = {a: median(cpu[a]) if seeds else 0.0 for a in arms}
    checks = {"a_goal": goal["second"] >= goal["today"],
              "b_left": left["second"] < left["today"],
              "c_none_lost": not lost, "d_ca": not ca_off,
              "e_cpu": med["second"] <= CPU_RATIO * med["today"]}
    return {"seeds": seeds, "goal": goal, "left": left, "lost": lost, "ca_off": ca_off,
            "median_cpu_s": med, "worst_cpu_s": {a: max(cpu[a], default=0.0) for a in arms},
            "stopped": [s for s in seeds if rows[s]["today"]["action"] == GUARD_STOP],
            "kept_second": [s for s in seeds
                            if (rows[s]["second"].get("second_split") or {}).get("kept")
                            == "second"],
            "checks": checks, "met": all(checks.values()),
            "worst": {a: max(seeds, key=asr[a].get) if seeds else None for a in arms}}


def table(paths: list[Path], rows: dict[int, dict[str, Any]] | None = None) -> str:
    """One Markdown row per draw: both arms on the common set, how the stages ended."""
    pct = "{:.2%}".format
    out = ["| seed | today: common ASR / CA | second split: common ASR / CA | today's stage "
           "| second split (kept) | CPU s today / second |", "|---|---|---|---|---|---|"]
    rows = rows_of(paths) if rows is None else rows
    for seed in sorted(rows):
        t, c = rows[seed].get("today"), rows[seed].get("second")
        if not (t and c):
            continue
        rec = c.get("second_split")
        how = ("not run (same as today)" if c.get("same") else
               f"{rec['second']['action'] if isinstance(rec['second'], dict) else rec['second']}"
               f" ({rec['kept']})" if rec else c.get("refused") or c["action"])
        stage = (f"{t['action']} ({t['own']['after']['asr']:.2%} own)" if "own" in t
                 else t["refused"])
        out.append(f"| {seed} | {pct(t['common']['asr'])} / {pct(t['common']['ca'])} | "
                   f"{pct(c['common']['asr'])} / {pct(c['common']['ca'])} | {stage} | {how} | "
                   f"{t['cpu_s']:.1f} / {c['cpu_s']:.1f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser, sub = parser_of(__doc__, ARMS, ("today", "second"))
    judge = sub.choices["rule"]
    judge.add_argument("--mended", action="store_true",
                       help="the choice as mended after the fresh read (those draws spent)")
    dev = sub.add_parser("dev", help="the choice on spent draws, from lines run apart")
    dev.add_argument("--today", nargs="+", type=Path, required=True)
    dev.add_argument("--seed1", nargs="+", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.what == "run":
        run(args)
    elif args.what == "dev":
        rows = simulated(args.today, args.seed1)
        print(table([], rows))
        print(json.dumps(rule([], rows), indent=1))
    else:
        rows = mended(rows_of(args.lines)) if args.mended else rows_of(args.lines)
        print(table([], rows))
        print(json.dumps(rule([], rows), indent=1))


if __name__ == "__main__":
    main()
