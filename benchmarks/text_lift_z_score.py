"""The self-normalised span lift (issue 15, stop 34b) on development rows: ``tp_lift_z``, the
phrase search's span as a z-score of its mean logit margin among the model's own random spans
(:func:`trojanscope.detect.text_phrase.lift_z_features`), in place of stop 34's ``tp_lift``.

Reads the rows ``text_lift_z_rows.py`` wrote (``*-liftz.json``; a run stopped early holds a
subset of each zoo's models) beside the combination-only rows, and stop 34's reference rows
restricted to the same models. Prints, per recipe, each attack's ROC-AUC of the raw feature
against the recipe's clean models and the clean / attack ranges; then stop 34's gate with the
feature in place of ``tp_lift``: the candidates combination + ``tp_prob`` + ``tp_gap`` +
``tp_lift_z`` (C = 0.3, 1.0) chosen by ``text_phrase_score.choose``, whose worst recipe
(leave-one-recipe-out cross-entropy) must be lower than stop 32's design on the same models'
margin-0 rows. ``tp_lift`` (stop 34's) is scored beside on the same models, for comparison only.

    python benchmarks/text_lift_z_score.py --cal-rows ... --reference-rows ... \\
        --groups cnn-min2 bag-top8k cnn-cleanvocab bag-alpha [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sklearn.metrics import roc_auc_score

from bench_text_detect import SHIPPED
from text_behaviour_score import with_derived
from text_combine_score import loro, recipe, score_parser, show_loro
from text_lift_score import STOP32, worst_ce
from text_phrase_score import REFERENCE, choose, phrase_candidates, score_candidates
from text_rows_score import read_rows, write_json
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.evaluate import ZooRow

Z_TERMS = (["tp_prob", "tp_gap", "tp_lift_z"],)
LIFT_TERMS = (["tp_prob", "tp_gap", "tp_lift"],)  # stop 34's, for comparison
SUFFIXES = ("-liftz", "-phrase", "-lift")


def pool(paths: list[Path]) -> tuple[list[ZooRow], dict[int, str]]:
    """Every row of ``paths`` and its population (the file's stem less its suffix)."""
    rows, zoo_of = [], {}
    for p in paths:
        part = with_derived(read_rows([p]))
        zoo = p.stem
        for s in SUFFIXES:
            zoo = zoo.removesuffix(s)
        zoo_of.update({id(r): zoo for r in part})
        rows += part
    return rows, zoo_of


def same_models(
    a: list[ZooRow], za: dict[int, str], b: list[ZooRow], zb: dict[int, str]
) -> tuple[list[ZooRow], list[ZooRow]]:
    """``a`` and ``b`` each kept to the (population, name) pairs both hold."""
    both = {(za[id(r)], r.name) for r in a} & {(zb[id(r)], r.name) for r in b}
    return [r for r in a if (za[id(r)], r.name) in both], [
        r for r in b if (zb[id(r)], r.name) in both
    ]


def feature_alone(rows: list[ZooRow], groups: list[str], feature: str) -> dict:
    """Per recipe: each attack's ROC-AUC of ``feature`` against the recipe's clean models, and
    the clean and per-attack ranges."""
    out = {}
    for g in groups:
        part = [r for r in rows if recipe(r, groups) == g and feature in r.features]
        clean = [r.features[feature] for r in part if not r.backdoored]
        cell = {"clean": [min(clean), max(clean), len(clean)] if clean else None}
        for attack in sorted({r.attack for r in part if r.backdoored}):
            bad = [r.features[feature] for r in part if r.attack == attack]
            auc = roc_auc_score([0] * len(clean) + [1] * len(bad), clean + bad) if clean else None
            cell[attack] = {"roc_auc": auc, "range": [min(bad), max(bad), len(bad)]}
        out[g] = cell
        print(
            f"{feature} {g}: clean {fmt(cell['clean'])}; "
            + "; ".join(
                f"{a} {c['roc_auc']:.3f} {fmt(c['range'])}" for a, c in cell.items() if a != "clean"
            )
        )
    return out


def across(rows: list[ZooRow], feature: str) -> float:
    """The share of (Kim CNN ``sentence`` model, clean mean-pooled model) pairs in which the
    Kim CNN reads higher: whether a term fitted across the architectures can use ``feature``
    (stop 34: ``tp_lift`` put every such Kim CNN below every such mean-pooled model)."""
    have = [r for r in rows if feature in r.features]  # the rows with the lift only
    kim = [
        r.features[feature] for r in have if r.name.startswith("cnn-") and r.attack == "sentence"
    ]
    bag = [r.features[feature] for r in have if r.name.startswith("bag-") and not r.backdoored]
    share = sum(k > b for k in kim for b in bag) / (len(kim) * len(bag))
    print(
        f"{feature}: Kim CNN sentence above clean mean-pooled in {share:.3f} of "
        f"{len(kim)} x {len(bag)} pairs"
    )
    return share


def fmt(r: list | None) -> str:
    return "-" if r is None else f"{r[0]:.2f}-{r[1]:.2f} (n={r[2]})"


def main() -> None:
    parser = score_parser(__doc__, "(none: this scorer writes no calibrator)")
    parser.add_argument("--reference-rows", type=Path, nargs="+", required=True)
    opts = parser.parse_args()
    if opts.write_calibration:
        sys.exit("text_lift_z_score.py writes no calibrator (development measurement only)")
    rows, zoo_of = pool(opts.cal_rows)
    ref_rows, ref_zoo_of = pool(opts.reference_rows)
    rows, ref_rows = same_models(rows, zoo_of, ref_rows, ref_zoo_of)
    print(f"{len(rows)} models in both pools ({sum(r.backdoored for r in rows)} backdoored)")
    result: dict = {
        "models": len(rows),
        "alone": {f: feature_alone(rows, opts.groups, f) for f in ("tp_lift_z", "tp_lift")},
        "across": {f: across(rows, f) for f in ("tp_lift_z", "tp_lift")},
    }
    shipped = load_calibrators(SHIPPED)
    made = phrase_candidates(shipped, Z_TERMS + LIFT_TERMS)
    scored = score_candidates(made, rows, opts.groups, zoo_of)
    # the gate chooses among the z-score candidates (stop 34's tp_lift ones: comparison only)
    chosen = choose({n: s for n, s in scored.items() if "tp_lift " not in n + " "})
    reference = loro(ref_rows, opts.groups, phrase_candidates(shipped)[STOP32], ref_zoo_of)
    show_loro(f"stop 32's design on the margin-0 rows ({STOP32})", reference)
    gate = "tp_lift_z" in chosen and worst_ce(scored[chosen]) < worst_ce(reference)
    print(
        f"chosen: {chosen}; worst recipe {scored[chosen]['worst']} {worst_ce(scored[chosen]):.3f}"
        f" against stop 32's {reference['worst']} {worst_ce(reference):.3f}: "
        f"{'lower, the gate holds' if gate else 'not lower, the gate fails'}"
    )
    result.update(
        loro=scored, chosen=chosen, stop32_margin0=reference, gate=gate, reference=REFERENCE
    )
    write_json(opts.json, result)


if __name__ == "__main__":
    main()
