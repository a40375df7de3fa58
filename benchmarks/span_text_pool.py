"""The input-level goal pooled over fresh MiniLM models (issue 15, stop 64, h15): the score a
``span_text_rule.py`` JSON read as its candidate (today's ``strip-text`` default, ``lost:5:1``,
in ``--goal-only`` readings), per model and over all the models given — triggered inputs caught
by the guard's own threshold over those counted, under the turned count and the fired count
beside it — with the worst model named. Reads rule JSONs only (no forward pass); a model
read in two files is taken from the first.

    python benchmarks/span_text_pool.py RULE_JSON... [--score lost:5:1] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from span_text_rule import goal_met

GOAL = 0.90  # span_text_rule.goal_met's default, named in the printed lines


def model_rows(paths: list[Path], score: str) -> list[dict]:
    """Per model (first file wins): held-out clean FPR, and per count the inputs counted, the
    guard's caught and TPR, for the rule files whose candidate is ``score``."""
    rows: dict[str, dict] = {}
    for path in paths:
        data = json.loads(path.read_text())
        if data.get("candidate") != score:
            raise SystemExit(f"{path}: its candidate is {data.get('candidate')}, not {score}")
        for reading in data["readings"]:
            if reading["model"] in rows:
                continue
            row = {"model": reading["model"], "target": reading["target"],
                   "source": str(path), "guard_fpr": reading["candidate"]["guard_fpr"]}
            for count, fig in reading["counts"]["candidate"].items():
                n = fig["fired"]
                row[count] = {"n": n, "caught": round(fig["guard_tpr"] * n),
                              "tpr": fig["guard_tpr"], "met": goal_met({"candidate": fig}, GOAL)}
            rows[reading["model"]] = row
    return list(rows.values())


def pooled(rows: list[dict], count: str) -> dict:
    """Caught over counted across the models, the worst model and how many met the goal."""
    have = [r for r in rows if count in r]
    n = sum(r[count]["n"] for r in have)
    caught = sum(r[count]["caught"] for r in have)
    worst = min(have, key=lambda r: r[count]["tpr"], default=None)
    return {"models": len(have), "n": n, "caught": caught, "tpr": caught / n if n else None,
            "met_models": sum(r[count]["met"] for r in have),
            "worst": worst and worst["model"], "worst_tpr": worst and worst[count]["tpr"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", type=Path, nargs="+")
    parser.add_argument("--score", default="lost:5:1")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    for path in opts.rules:
        if not path.is_file():
            parser.error(f"no such rule file: {path}")
    rows = model_rows(opts.rules, opts.score)
    print("| model (target) | held-out clean FPR | turned: caught / n (TPR) | fired: caught / n "
          "(TPR) |\n|---|---|---|---|")
    for r in rows:
        cells = [f"{r[c]['caught']} / {r[c]['n']} ({r[c]['tpr']:.3f})" if c in r else "–"
                 for c in ("turned", "fired")]
        print(f"| {r['model']} ({r['target']}) | {r['guard_fpr']:.3f} | {cells[0]} | {cells[1]} |")
    pools = {c: pooled(rows, c) for c in ("turned", "fired")}
    for c, p in pools.items():
        if p["n"]:
            print(f"pooled {c}: {p['caught']} / {p['n']} = {p['tpr']:.3f} over {p['models']} "
                  f"models; {p['met_models']} met TPR ≥ {GOAL} at FPR ≤ 0.05; worst {p['worst']} "
                  f"({p['worst_tpr']:.3f})")
    if opts.json:
        opts.json.write_text(json.dumps({"score": opts.score, "models": rows, "pooled": pools},
                                        indent=1) + "\n")


if __name__ == "__main__":
    main()
