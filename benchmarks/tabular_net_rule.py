"""Issue 16 stop 55's rule for a refitted network calibrator, read off two sets of readings.

D and R are the same readings (``tabular_small_clean.py --detect`` rows, R rescored by
``tabular_size_calibrate.py --rescore --calibration``); the rule
(``benchmarks/data/tabular_s55_h16m/plan.md``) holds when, with every reading given pooled:
credit-default's cross-entropy R < D and ROC-AUC R >= D - 0.01; lending-club's cross-entropy
R <= D + 0.02; backdoored models flagged with the right target (both tables) R >= D; clean
models flagged (both tables) R <= D + 1. Prints each condition with both sides, then
``met`` or ``not met``.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_net_rule.py --name W \
        --default D.json... --candidate R.json...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tabular_small_clean import _auc, _ce


def rows_of(files: list[str]) -> list[dict]:
    """Every reading of ``files``, keyed as read (zoo, model, size, draw) in order."""
    rows = [r for f in files for r in json.loads(Path(f).read_text())["rows"]]
    if any("probability" not in r for r in rows):
        raise SystemExit("error: readings without a probability (read with --detect)")
    return rows


def counts(rows: list[dict]) -> tuple[int, int]:
    """Backdoored models flagged with the right target; clean models flagged."""
    right = sum(r["backdoored"] and r["probability"] >= 0.5
                and r["predicted_target"] == r["target"] for r in rows)
    return int(right), int(sum(not r["backdoored"] and r["probability"] >= 0.5 for r in rows))


def judge(d: list[dict], r: list[dict]) -> list[tuple[str, str, bool]]:
    """The rule's conditions: (condition, both sides, held)."""
    key = [(x["zoo"], x["name"], x["size"], x["draw"]) for x in d]
    if key != [(x["zoo"], x["name"], x["size"], x["draw"]) for x in r]:
        raise SystemExit("error: the default's and the candidate's readings differ")

    def table(rows: list[dict], name: str) -> list[dict]:
        return [x for x in rows if x["table"] == name]

    dc, rc = table(d, "credit-default"), table(r, "credit-default")
    dl, rl = table(d, "lending-club"), table(r, "lending-club")
    (d_right, d_clean), (r_right, r_clean) = counts(d), counts(r)
    return [
        ("credit-default CE R < D", f"{_ce(rc):.3f} vs {_ce(dc):.3f}", _ce(rc) < _ce(dc)),
        ("credit-default ROC-AUC R >= D - 0.01", f"{_auc(rc):.3f} vs {_auc(dc):.3f}",
         _auc(rc) >= _auc(dc) - 0.01),
        ("lending-club CE R <= D + 0.02", f"{_ce(rl):.3f} vs {_ce(dl):.3f}",
         _ce(rl) <= _ce(dl) + 0.02),
        ("right targets among the flagged R >= D", f"{r_right} vs {d_right}", r_right >= d_right),
        ("clean flagged R <= D + 1", f"{r_clean} vs {d_clean}", r_clean <= d_clean + 1),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="R")
    ap.add_argument("--default", nargs="+", required=True)
    ap.add_argument("--candidate", nargs="+", required=True)
    args = ap.parse_args()
    result = judge(rows_of(args.default), rows_of(args.candidate))
    for cond, sides, held in result:
        print(f"{args.name}: {cond}: {sides} {'met' if held else 'FAILED'}")
    print(f"{args.name}: rule {'met' if all(h for _, _, h in result) else 'not met'}")


if __name__ == "__main__":
    main()
