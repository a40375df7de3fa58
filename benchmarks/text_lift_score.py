"""The span lift (issue 15, stops 33-34): the combination with the opposed phrase search's
``tp_prob`` + ``tp_gap`` and one lift feature (``tp_lift``: clipped probabilities' logits;
``tp_lift_margin``: mean logit margins; :func:`trojanscope.detect.text_phrase.lift_features`),
rows computed with ``-p phrase_tokens=3 -p phrase_margin=0.1 -p phrase_lift=16``, chosen by
leave-one-recipe-out on development rows as in stop 32 (``text_phrase_score.choose``).

The gate written before seed 2000 was built: the chosen candidate's worst recipe (held-out
cross-entropy) must be lower than that of stop 32's design (the combination + ``tp_prob`` +
``tp_gap``, C = 0.3) refitted under the same protocol on the same models' margin-0 rows
(``--reference-rows``). Only then are the calibrators written
(``text-inversion:behaviour:phrase:lift``, ``…:unordered:phrase:lift``) and ``--eval-rows``
scored with them beside today's default.

    python benchmarks/text_lift_score.py --cal-rows ... --reference-rows ... \\
        --groups cnn-min2 bag-top8k cnn-cleanvocab bag-alpha [--write-calibration] \\
        [--eval-rows ...] [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_detect import SHIPPED
from text_behaviour_score import ORDERED_KEY, UNORDERED_KEY, with_derived
from text_combine_score import loro, score_parser, show_loro
from text_phrase_score import (
    choose,
    phrase_candidates,
    score_candidates,
    score_eval,
    write_chosen,
)
from text_rows_score import read_rows, write_json
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.evaluate import ZooRow

LIFT_TERMS = (["tp_prob", "tp_gap", "tp_lift"], ["tp_prob", "tp_gap", "tp_lift_margin"])
STOP32 = "combination + tp_prob+tp_gap C=0.3"  # stop 32's chosen design (the gate's reference)
LIFT_KEYS = (f"{ORDERED_KEY}:phrase:lift", f"{UNORDERED_KEY}:phrase:lift")


def pool(paths: list[Path]) -> tuple[list[ZooRow], dict[int, str]]:
    """Every row of ``paths`` and each row's population (the file's stem without its
    ``-phrase`` / ``-lift`` suffix, so that the two pools name the same zoos alike)."""
    rows, zoo_of = [], {}
    for p in paths:
        part = with_derived(read_rows([p]))
        zoo_of.update({id(r): p.stem.removesuffix("-phrase").removesuffix("-lift") for r in part})
        rows += part
    return rows, zoo_of


def worst_ce(scores: dict) -> float:
    return scores["per_recipe"][scores["worst"]]["cross_entropy"]


def main() -> None:
    parser = score_parser(__doc__, "phrase:lift")
    parser.add_argument(
        "--reference-rows",
        type=Path,
        nargs="+",
        required=True,
        help="the same models' rows with stop 32's phrase search (margin 0, no lift)",
    )
    opts = parser.parse_args()
    rows, zoo_of = pool(opts.cal_rows)
    ref_rows, ref_zoo_of = pool(opts.reference_rows)
    if sorted((zoo_of[id(r)], r.name) for r in rows) != sorted(
        (ref_zoo_of[id(r)], r.name) for r in ref_rows
    ):
        sys.exit("--cal-rows and --reference-rows do not hold the same models")
    shipped = load_calibrators(SHIPPED)
    made = phrase_candidates(shipped, LIFT_TERMS)
    result: dict = {"loro": score_candidates(made, rows, opts.groups, zoo_of), "eval": {}}
    chosen = choose(result["loro"])
    reference = loro(ref_rows, opts.groups, phrase_candidates(shipped)[STOP32], ref_zoo_of)
    show_loro(f"stop 32's design on the margin-0 rows ({STOP32})", reference)
    result.update(chosen=chosen, stop32_margin0=reference)
    # a lift candidate must be the one chosen, and lower the worst recipe
    gate = "tp_lift" in chosen and worst_ce(result["loro"][chosen]) < worst_ce(reference)
    result["gate"] = gate
    print(
        f"chosen: {chosen}; worst recipe {result['loro'][chosen]['worst']} "
        f"{worst_ce(result['loro'][chosen]):.3f} against stop 32's "
        f"{reference['worst']} {worst_ce(reference):.3f}: "
        f"{'lower, the calibrators may be built' if gate else 'not lower, nothing is built'}"
    )
    if opts.write_calibration and gate:
        write_chosen(chosen, made, rows, shipped, opts.cal_rows, LIFT_KEYS, result)
    elif opts.write_calibration:
        print("the gate does not hold: no calibrator written", file=sys.stderr)
    final = {"today": made["today"](rows)}
    if "tp_lift" in chosen:  # scored even where the gate failed: for the record, no decision
        final[chosen] = made[chosen](rows)
    shipped = load_calibrators(SHIPPED)  # as written above, or as committed before
    score_eval(final, shipped, LIFT_KEYS, "lift", opts.eval_rows, opts.groups, result)
    write_json(opts.json, result)


if __name__ == "__main__":
    main()
