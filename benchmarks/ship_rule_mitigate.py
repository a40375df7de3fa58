"""Today's default mitigation against a candidate on one zoo, by a rule written before the run.

Reads ``bench_mitigate.py`` results (one or more JSON files holding the two methods' rows) and
prints, per model, both rows side by side, the goal counts, the worst case per attack family and
the verdict of the rule (docs/benchmarks.md, "The second stage never makes it worse"): the
candidate ships only if it has (1) at least as many models at issue 12's goal as today's
default, (2) no model whose ASR after is above today's by more than ``--asr-rise`` (2 points),
and (3) a median time per model not above today's by more than ``--slower`` (20%); with
``--fast S``, a median of at most S seconds also meets (3); with ``--clean-loss L``, (4) no clean
model may lose more than L (a fraction) under the candidate. With ``--strict`` (the zoo-2405
rule, issue 12 stop 39), three more: (1b) no model at the goal under today's default misses it
under the candidate, (5) at least one model's CA or ASR after differs between the two rows (the
candidate changed something), (6) strictly more models at the goal than today's default.

    python benchmarks/ship_rule_mitigate.py A.json B.json --today 'gated:hold=0,check=0' \\
        --candidate gated
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate import per_attack, table
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise


def points(delta: float) -> str:
    """A CA change (a fraction) in points, signed, to 0.1: half to even (as Python rounds)
    after dropping float noise (0.007499999… is 0.75 points: +0.8), so that
    ``sig_stages_table.py`` and ``ship_rule_mitigate.py`` print the same change alike."""
    q = Decimal(repr(round(100 * delta, 6))).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
    return f"{q:+}"


def rule(today: list[dict], cand: list[dict], asr_rise: float, slower: float,
         fast: float | None = None, clean_loss: float | None = None) -> list[str]:
    """The conditions, each as a line ending in met / not met (``today``, ``cand``: each
    method's rows, in the same model order; ``fast``, ``clean_loss``: see the module)."""
    goal = [sum(MitigationRow(**r).meets_goal for r in rows) for rows in (today, cand)]
    by_name = {r["name"]: r for r in today}
    risen = [f"{r['name']} {by_name[r['name']]['asr_after']:.1%} -> {r['asr_after']:.1%}"
             for r in cand if r["asr_after"] is not None
             and r["asr_after"] - by_name[r["name"]]["asr_after"] > asr_rise]
    med = [statistics.median(r["elapsed_s"] for r in rows) for rows in (today, cand)]
    quick = med[1] <= med[0] * (1 + slower) or (fast is not None and med[1] <= fast)
    lines = [
        f"(1) models at the goal: {goal[1]} (candidate) vs {goal[0]} (today): "
        + ("met" if goal[1] >= goal[0] else "not met"),
        f"(2) ASR above today's by > {asr_rise:.0%}: {', '.join(risen) or 'none'}: "
        + ("not met" if risen else "met"),
        f"(3) median time {med[1]:.1f} s vs {med[0]:.1f} s (limit x{1 + slower:.2f}"
        + (f" or {fast:g} s" if fast is not None else "") + "): "
        + ("met" if quick else "not met"),
    ]
    if clean_loss is not None:
        lost = [f"{r['name']} {100 * (r['ca_before'] - r['ca_after']):.1f} points" for r in cand
                if not r["backdoored"] and r["ca_before"] - r["ca_after"] > clean_loss]
        lines.append(f"(4) clean models losing > {100 * clean_loss:g} points: "
                     f"{', '.join(lost) or 'none'}: " + ("not met" if lost else "met"))
    return lines


def strict_conditions(today: list[dict], cand: list[dict]) -> list[str]:
    """``--strict``'s conditions (1b), (5), (6) (see the module), each a line ending in met /
    not met (``today``, ``cand``: each method's rows, in the same model order)."""
    at = [[MitigationRow(**r).meets_goal for r in rows] for rows in (today, cand)]
    missed = [a["name"] for a, was, now in zip(today, *at, strict=True) if was and not now]
    differ = [a["name"] for a, b in zip(today, cand, strict=True)
              if (a["ca_after"], a["asr_after"]) != (b["ca_after"], b["asr_after"])]
    more = sum(at[1]) > sum(at[0])
    return [
        f"(1b) at the goal today, not under the candidate: {', '.join(missed) or 'none'}: "
        + ("not met" if missed else "met"),
        f"(5) models whose CA or ASR after differ: {len(differ)} "
        f"({', '.join(differ) or 'none'}): " + ("met" if differ else "not met"),
        f"(6) strictly more at the goal: {sum(at[1])} vs {sum(at[0])}: "
        + ("met" if more else "not met"),
    ]


def check_sides(rows: dict[str, list[dict]], today: str, candidate: str,
                files: list[Path]) -> str:
    """Why the two methods' rows cannot be compared model by model (empty: they can; the
    candidate's rows are put in today's model order): a method with no rows in ``files`` (a
    misspelt name), or sides that list different models (a run covering only some)."""
    for method in (today, candidate):
        if not rows[method]:
            return f"no rows for {method} in {' '.join(map(str, files))}"
    names = [[r["name"] for r in rows[m]] for m in (today, candidate)]
    if sorted(names[0]) != sorted(names[1]):
        only = [sorted(set(a) - set(b)) for a, b in ((names[0], names[1]), (names[1], names[0]))]
        return (f"the two sides list different models (only {today}: "
                f"{', '.join(only[0]) or 'none'}; only {candidate}: "
                f"{', '.join(only[1]) or 'none'})")
    order = {n: i for i, n in enumerate(names[0])}
    rows[candidate] = sorted(rows[candidate], key=lambda r: order[r["name"]])
    return ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", type=Path, nargs="+")
    ap.add_argument("--today", required=True)
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--asr-rise", type=float, default=0.02)
    ap.add_argument("--slower", type=float, default=0.2)
    ap.add_argument("--fast", type=float, default=None,
                    help="a candidate median of at most this many seconds also meets (3)")
    ap.add_argument("--clean-loss", type=float, default=None,
                    help="(4): no clean model may lose more than this under the candidate")
    ap.add_argument("--strict", action="store_true",
                    help="also (1b) none at the goal today misses it, (5) some model differs, "
                         "(6) strictly more at the goal (the zoo-2405 rule)")
    args = ap.parse_args()
    rows: dict[str, list[dict]] = {args.today: [], args.candidate: []}
    for path in args.results:  # the zoo's models, or the two methods, may be in several runs
        results = json.loads(path.read_text())
        for k in rows:
            rows[k] += results.get(k, {"rows": []})["rows"]
    problem = check_sides(rows, args.today, args.candidate, args.results)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(2)
    pair = {k: {"summary": summarise([MitigationRow(**r) for r in v]), "rows": v}
            for k, v in rows.items()}
    print(table(pair))
    print()
    print(per_attack(pair))
    print()
    today, cand = pair[args.today]["rows"], pair[args.candidate]["rows"]
    print("| model | ASR before | today: ASR after (CA change) | candidate | time today / "
          "candidate |")
    print("|---|---|---|---|---|")
    for a, b in zip(today, cand, strict=True):
        def cell(r: dict) -> str:
            asr = "" if r["asr_after"] is None else f"{r['asr_after']:.1%} "
            return f"{asr}({points(r['ca_after'] - r['ca_before'])})"
        before = "" if a["asr_before"] is None else f"{a['asr_before']:.1%}"
        print(f"| {a['name']} | {before} | {cell(a)} | {cell(b)} | {a['elapsed_s']:.1f} / "
              f"{b['elapsed_s']:.1f} s |")
    print()
    lines = rule(today, cand, args.asr_rise, args.slower, args.fast, args.clean_loss)
    if args.strict:
        lines += strict_conditions(today, cand)
    print("\n".join(lines))
    print("ship" if all(line.endswith(" met") and not line.endswith("not met")
                        for line in lines) else "do not ship")


if __name__ == "__main__":
    main()
