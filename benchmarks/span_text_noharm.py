"""The no-harm rule for a candidate input-level score on fresh MiniLM models (issue 15, stop 66,
h15; plan in ``benchmarks/data/text_s66_h15/plan.md``): read from ``span_text_rule.py`` JSONs
that hold today's default (``--today``) and the candidate on the same dumps, one file per model
or several (a model read in two files is taken from the first). Met only if (N1) wherever
today's meets the goal (guard TPR ≥ 0.90 on the counted inputs, held-out clean FPR ≤ 0.05) the
candidate meets it too, (N2) the candidate's held-out clean FPR ≤ 0.05 on every model, (N3) the
candidate's caught over counted, pooled over the models, is at least today's, and (N4) every
model ``--need`` names was read. A candidate's gain is not asked for: its evidence is elsewhere
(development); this rule asks only that fresh models lose nothing.

    python benchmarks/span_text_noharm.py RULE_JSON... --need addsent-3207 addsent-3208 [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from span_text_rule import goal_met

FPR = 0.05  # the held-out clean FPR bound (span_text_rule.goal_met's default)


def model_rows(paths: list[Path]) -> list[dict]:
    """Per model (first file wins): today's and the candidate's held-out FPR, turned (or fired,
    as the file counted) inputs caught and counted, and whether each meets the goal."""
    rows: dict[str, dict] = {}
    names: set[tuple[str, str]] = set()
    for path in paths:
        data = json.loads(path.read_text())
        names.add((data.get("today"), data.get("candidate")))
        if len(names) > 1:
            raise SystemExit(f"{path}: it reads {data.get('today')} against "
                             f"{data.get('candidate')}, another file {sorted(names)[0]}")
        for reading in data["readings"]:
            if reading["model"] in rows:
                continue
            row = {"model": reading["model"], "target": reading["target"],
                   "count": reading["count"], "source": str(path)}
            for side in ("today", "candidate"):
                fig = reading[side]
                row[side] = {"fpr": fig["guard_fpr"], "tpr": fig["guard_tpr"], "n": fig["fired"],
                             "caught": round(fig["guard_tpr"] * fig["fired"]),
                             "met": goal_met({"candidate": fig})}
            rows[reading["model"]] = row
    return list(rows.values())


def verdict(rows: list[dict], need: list[str]) -> dict:
    """The four conditions over ``rows``, each with what decided it, and the overall verdict."""
    pooled = {side: {"caught": sum(r[side]["caught"] for r in rows),
                     "n": sum(r[side]["n"] for r in rows)} for side in ("today", "candidate")}
    for p in pooled.values():
        p["tpr"] = p["caught"] / p["n"] if p["n"] else None
    lost = [r["model"] for r in rows if r["today"]["met"] and not r["candidate"]["met"]]
    over = [r["model"] for r in rows if r["candidate"]["fpr"] > FPR]
    missing = [m for m in need if m not in {r["model"] for r in rows}]
    held = bool(rows) and pooled["candidate"]["caught"] >= pooled["today"]["caught"]
    checks = {"N1_goal_kept": not lost, "N2_fpr": not over, "N3_pooled": held,
              "N4_read": not missing}
    return {"conditions": checks, "met": all(checks.values()), "goal_lost_on": lost,
            "fpr_over_on": over, "not_read": missing, "pooled": pooled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", type=Path, nargs="+")
    parser.add_argument("--need", nargs="*", default=[],
                        help="models that must be read (N4)")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    for path in opts.rules:
        if not path.is_file():
            parser.error(f"no such rule file: {path}")
    rows = model_rows(opts.rules)
    out = verdict(rows, opts.need)
    print("| model (target) | count | today: held-out FPR, caught / n (TPR), goal | "
          "candidate: held-out FPR, caught / n (TPR), goal |\n|---|---|---|---|")
    for r in rows:
        cells = [f"{r[s]['fpr']:.3f}, {r[s]['caught']} / {r[s]['n']} ({r[s]['tpr']:.3f}), "
                 f"{'met' if r[s]['met'] else 'not met'}" for s in ("today", "candidate")]
        print(f"| {r['model']} ({r['target']}) | {r['count']} | {cells[0]} | {cells[1]} |")
    for side, p in out["pooled"].items():
        if p["n"]:
            print(f"pooled {side}: {p['caught']} / {p['n']} = {p['tpr']:.3f}")
    print("conditions:", out["conditions"], "met:", out["met"])
    for key in ("goal_lost_on", "fpr_over_on", "not_read"):
        if out[key]:
            print(f"{key}: {', '.join(out[key])}")
    if opts.json:
        opts.json.write_text(json.dumps({"models": rows, **out}, indent=1) + "\n")


if __name__ == "__main__":
    main()
