"""Issue 15, stop 48 (h15a): apply the committed rule for ``syntactic``'s default placement to
the rows of ``bench_text_attacks.py`` (in place, ``syntactic-inplace``, against triggered copies
added with the prior kept, ``syntactic-kc``) and print the table. It trains nothing.

Met (all of): (a) on every MiniLM seed named, ``syntactic-kc`` has ASR >= 95% and CA drop <= 2
points against the same seed's clean run; (b) on every TextCNN seed, ``syntactic-kc``'s CA is at
most 1 point and its ASR at most 2 points below ``syntactic-inplace``'s; (c) on every TextCNN seed
where ``syntactic-inplace`` is at the goal, ``syntactic-kc`` is too. A seed missing a run fails.

    python benchmarks/syntactic_placement_rule.py --textcnn T.json --minilm M1.json M2.json \
        --minilm-seeds 3170 3171 --json OUT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

GOAL_ASR, GOAL_DROP = 0.95, 0.02  # the attack goal
CA_SLACK, ASR_SLACK = 0.01, 0.02  # (b): copies no worse than in place by more than these


def runs_by_seed(paths: list[Path]) -> dict[int, dict[str, dict]]:
    """``{seed: {run name: row}}`` from ``bench_text_attacks.py`` JSON files (later files win)."""
    out: dict[int, dict[str, dict]] = {}
    for path in paths:
        for row in json.loads(path.read_text())["rows"]:
            out.setdefault(int(row["seed"]), {})[row["run"]] = row
    return out


def at_goal(row: dict | None) -> bool:
    """ASR >= 95% and CA drop <= 2 points (a missing run is not at the goal)."""
    return (row is not None and row["attack_success_rate"] is not None
            and row["attack_success_rate"] >= GOAL_ASR and row["ca_drop"] <= GOAL_DROP + 1e-9)


def no_worse(kc: dict | None, inplace: dict | None) -> bool:
    """(b): copies' CA at most 1 point and ASR at most 2 points below in place's."""
    if kc is None or inplace is None:
        return False
    return (kc["clean_accuracy"] >= inplace["clean_accuracy"] - CA_SLACK - 1e-9
            and kc["attack_success_rate"] >= inplace["attack_success_rate"] - ASR_SLACK - 1e-9)


def verdict(textcnn: dict[int, dict[str, dict]], minilm: dict[int, dict[str, dict]],
            minilm_seeds: list[int]) -> dict:
    """Each condition per seed, and whether the rule is met."""
    a = {s: at_goal(minilm.get(s, {}).get("syntactic-kc")) for s in minilm_seeds}
    b, c = {}, {}
    for seed, runs in sorted(textcnn.items()):
        kc, inplace = runs.get("syntactic-kc"), runs.get("syntactic-inplace")
        b[seed] = no_worse(kc, inplace)
        c[seed] = at_goal(kc) if at_goal(inplace) else True
    met = bool(a) and bool(b) and all(a.values()) and all(b.values()) and all(c.values())
    return {"a_minilm_kc_at_goal": a, "b_textcnn_kc_no_worse": b,
            "c_textcnn_kc_at_goal_where_inplace_is": c, "met": met}


def table(name: str, runs: dict[int, dict[str, dict]]) -> list[str]:
    """Markdown rows: seed, run, target, CA, CA drop, ASR, goal, wall s (load)."""
    pct = lambda v: "–" if v is None else f"{100 * v:.2f}%"  # noqa: E731
    lines = []
    for seed, by_run in sorted(runs.items()):
        for run in ("clean", "syntactic-inplace", "syntactic-kc"):
            r = by_run.get(run)
            if r is None:
                continue
            drop = "–" if r["ca_drop"] is None else f"{100 * r['ca_drop']:.2f}"
            goal = "–" if run == "clean" else ("met" if at_goal(r) else "**not met**")
            target = "–" if r["target"] is None else r["target"]
            lines.append(f"| {name} | {seed} | {run} | {target}"
                         f" | {pct(r['clean_accuracy'])} | {drop} | "
                         f"{pct(r['attack_success_rate'])} | {goal} | "
                         f"{r['wall_s']} ({r['load_avg_1m_after']}) |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--textcnn", type=Path, nargs="+", required=True)
    parser.add_argument("--minilm", type=Path, nargs="+", required=True)
    parser.add_argument("--minilm-seeds", type=int, nargs="+", required=True)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    textcnn, minilm = runs_by_seed(opts.textcnn), runs_by_seed(opts.minilm)
    print("| model | seed | run | target | CA | CA drop | ASR | goal | wall s (load) |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(table("TextCNN", textcnn) + table("MiniLM", minilm)))
    result = verdict(textcnn, minilm, opts.minilm_seeds)
    print(json.dumps(result, indent=2))
    if opts.json:
        opts.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
