"""Target right and seconds per model, from a text zoo's committed rows and a scored verdict
(issue 15, stop 39). Target right: for each backdoored model, whether the detector's
``predicted_target`` (the rows' field, from ``bench_text_detect.py``) is its true target; over
all backdoored models and over those the verdict flags (probability >= 0.5; the per-model
probabilities of a ``text_order_score.py --json`` file, ``eval_all[<rows file>][<verdict>]``),
per recipe prefix. Seconds: the rows' ``elapsed_s`` (the detector's wall time per model),
median over all and range and median per architecture (``cnn-*`` Kim CNNs, ``bag-*``
mean-pooled).

    python benchmarks/text_rows_target.py --rows benchmarks/data/text_rows/text-foreign2500.json \\
        --scores benchmarks/data/text_order_foreign2500.json \\
        --scored-rows text-foreign2500-docs3.json --verdict today

Several ``--rows`` files with as many ``--scored-rows`` names (stop 40) are read as one
population: target right summed, seconds over every model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

RECIPES = ("cnn-min2", "bag-top8k", "cnn-cleanvocab", "bag-alpha")  # foreign_text_zoo.py's


def target_right(rows: list[dict], probabilities: dict[str, float]) -> dict:
    """``{group: {"backdoored", "right", "flagged", "right_flagged"}}`` for ``all`` and each
    recipe prefix holding backdoored rows."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        if not row["backdoored"]:
            continue
        flagged = probabilities[row["name"]] >= 0.5
        right = row.get("predicted_target") == row.get("target")
        groups = ["all", *(g for g in RECIPES if row["name"].startswith(g + "-"))]
        for g in groups:
            tally = out.setdefault(g, dict(backdoored=0, right=0, flagged=0, right_flagged=0))
            tally["backdoored"] += 1
            tally["right"] += right
            tally["flagged"] += flagged
            tally["right_flagged"] += right and flagged
    return out


def seconds(rows: list[dict]) -> dict[str, list[float]]:
    """``{group: [min, median, max]}`` of the rows' ``elapsed_s``: all, ``cnn``, ``bag``."""
    out = {}
    for g in ("all", "cnn", "bag"):
        t = [r["elapsed_s"] for r in rows if g == "all" or r["name"].startswith(g + "-")]
        if t:
            out[g] = [round(min(t), 1), round(statistics.median(t), 1), round(max(t), 1)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=Path, nargs="+", required=True)
    parser.add_argument("--scores", type=Path, required=True)
    parser.add_argument(
        "--scored-rows", nargs="+", required=True, help="each rows file's name in --scores"
    )
    parser.add_argument("--verdict", default="today")
    opts = parser.parse_args()
    if len(opts.rows) != len(opts.scored_rows):
        print("error: give one --scored-rows name per --rows file", file=sys.stderr)
        sys.exit(2)
    rows, tallies = [], {}
    try:
        scores = json.loads(opts.scores.read_text())["eval_all"]
        for path, name in zip(opts.rows, opts.scored_rows, strict=True):
            part = json.loads(path.read_text())
            probabilities = scores[name][opts.verdict]["probabilities"]
            for g, t in target_right(part, probabilities).items():
                total = tallies.setdefault(g, dict.fromkeys(t, 0))
                for k, v in t.items():
                    total[k] += v
            rows += part
    except (OSError, ValueError, KeyError) as err:
        print(f"error: cannot read the rows or the verdict's probabilities: {err}", file=sys.stderr)
        sys.exit(2)
    for g, t in tallies.items():
        print(
            f"{g}: target right {t['right']} of {t['backdoored']} backdoored, "
            f"{t['right_flagged']} of the {t['flagged']} flagged"
        )
    for g, (lo, mid, hi) in seconds(rows).items():
        print(f"seconds per model, {g}: median {mid} (range {lo}-{hi})")


if __name__ == "__main__":
    main()
