"""The span lift standardised per architecture (issue 15, stop 35) on development rows:
``tp_lift_arch`` / ``tp_lift_margin_arch``, stop 34's lifts less the clean development models'
mean of the model's architecture over their standard deviation
(:mod:`trojanscope.detect.text_lift_reference`; architectures named from the models by
``text_arch_names.py``).

Leave-one-recipe-out and leave-one-zoo-out as in stop 34 (``text_lift_score.py``), with the
reference table refitted without the held-out recipe / zoo (from the training rows' clean
models) and applied to training and held-out rows alike. The gate written before any
standardised figure existed (docs/benchmarks.md, stop 35): (G1) ``choose()`` picks a ``_arch``
candidate; (G2) its worst recipe is lower than stop 32's design's on the margin-0 rows; (G3) its
leave-one-zoo-out cross-entropy is no higher than stop 32's design's. Only then may
``--write-calibration`` write the calibrators (``…:phrase:lift:arch``); ``--write-reference``
writes the table fitted on every development clean model; ``--eval-rows`` are scored with
today's default and, when calibration.json holds them, those calibrators.

    python benchmarks/text_lift_arch_score.py --cal-rows ... --reference-rows ... \\
        --arch-names benchmarks/data/text_arch_dev.json \\
        --groups cnn-min2 bag-top8k cnn-cleanvocab bag-alpha [--json out]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sklearn.metrics import roc_auc_score

from bench_text_detect import SHIPPED
from text_behaviour_score import ORDERED_KEY, UNORDERED_KEY, ordered
from text_combine_score import loro, score_parser, show_loro
from text_lift_score import STOP32, worst_ce
from text_lift_z_score import pool, same_models
from text_phrase_score import (
    choose,
    phrase_candidates,
    score_candidates,
    write_chosen,
)
from text_rows_score import report, show, write_json
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.evaluate import ZooRow
from trojanscope.detect.text_lift_reference import (
    LIFTS,
    SUFFIX,
    Table,
    fit_reference,
    load_reference,
    save_reference,
    standardised,
)

ARCH_TERMS = (
    ["tp_prob", "tp_gap", f"tp_lift{SUFFIX}"],
    ["tp_prob", "tp_gap", f"tp_lift_margin{SUFFIX}"],
)
ARCH_KEYS = (f"{ORDERED_KEY}:phrase:lift:arch", f"{UNORDERED_KEY}:phrase:lift:arch")
SHIPPED_REFERENCE = (
    Path(__file__).resolve().parents[1] / "src/trojanscope/detect/text_lift_reference.json"
)


def with_reference(
    make: Callable, arch_of: Callable[[ZooRow], str | None]
) -> Callable[[list[ZooRow]], Callable[[ZooRow], float]]:
    """``make`` fitted on rows standardised by a table refitted on the training rows' clean
    models, scoring rows standardised by the same table."""

    def fitted(train: list[ZooRow]) -> Callable[[ZooRow], float]:
        table = reference_of(train, arch_of)
        score = make([standard(r, table, arch_of) for r in train])
        return lambda r: score(standard(r, table, arch_of))

    return fitted


def reference_of(rows: list[ZooRow], arch_of: Callable[[ZooRow], str | None]) -> Table:
    return fit_reference(
        (arch_of(r), r.features) for r in rows if not r.backdoored and arch_of(r) is not None
    )


def standard(row: ZooRow, table: Table, arch_of: Callable[[ZooRow], str | None]) -> ZooRow:
    """``row`` with its standardised lifts (none where it has no lift or no named
    architecture)."""
    arch = arch_of(row)
    if arch is None:
        return row
    return replace(row, features={**row.features, **standardised(row.features, arch, table)})


def pooled_auc(rows: list[ZooRow], table: Table, arch_of: Callable) -> dict:
    """ROC-AUC across every recipe of each lift raw and standardised (every model with a lift
    and a named architecture): clean against ``sentence`` and against every backdoored."""
    have = [standard(r, table, arch_of) for r in rows if arch_of(r) and "tp_lift" in r.features]
    out = {}
    for lift in LIFTS:
        for f in (lift, lift + SUFFIX):
            clean = [r.features[f] for r in have if not r.backdoored]
            for tag, bad in (
                ("sentence", [r.features[f] for r in have if r.attack == "sentence"]),
                ("backdoored", [r.features[f] for r in have if r.backdoored]),
            ):
                y = [0] * len(clean) + [1] * len(bad)
                out[f"{f} {tag}"] = roc_auc_score(y, clean + bad)
                print(f"pooled over recipes, {f}: clean vs {tag} ROC-AUC {out[f'{f} {tag}']:.3f}")
    return out


def main() -> None:
    parser = score_parser(__doc__, "phrase:lift:arch")
    parser.add_argument("--reference-rows", type=Path, nargs="+", required=True)
    parser.add_argument(
        "--arch-names",
        type=Path,
        required=True,
        help="text_arch_names.py's output for the zoos of --cal-rows",
    )
    parser.add_argument(
        "--eval-arch-names",
        type=Path,
        default=None,
        help="text_arch_names.py's output for --eval-rows computed without lift_reference: "
        "their lifts are standardised by the shipped table",
    )
    parser.add_argument(
        "--write-reference",
        action="store_true",
        help="write the reference table fitted on every development clean model",
    )
    opts = parser.parse_args()
    names = json.loads(opts.arch_names.read_text())
    rows, zoo_of = pool(opts.cal_rows)
    ref_rows, ref_zoo_of = pool(opts.reference_rows)
    kept, ref_rows = same_models(rows, zoo_of, ref_rows, ref_zoo_of)
    if len(kept) != len(rows):
        sys.exit("--cal-rows and --reference-rows do not hold the same models")

    def arch_of(r: ZooRow) -> str | None:
        return names.get(zoo_of.get(id(r), ""), {}).get(r.name)

    lifted = [r for r in rows if "tp_lift" in r.features]
    if any(arch_of(r) is None for r in lifted):
        sys.exit("--arch-names does not name every model with a lift")
    table = reference_of(rows, arch_of)
    print(f"reference table (every development clean model): {json.dumps(table)}")
    result: dict = {"models": len(rows), "reference": table, "eval": {}}
    result["pooled"] = pooled_auc(rows, table, arch_of)
    shipped = load_calibrators(SHIPPED)
    made = phrase_candidates(shipped, ARCH_TERMS)
    made = {n: (with_reference(m, arch_of) if SUFFIX in n else m) for n, m in made.items()}
    scored = score_candidates(made, rows, opts.groups, zoo_of)
    chosen = choose(scored)
    stop32 = loro(ref_rows, opts.groups, phrase_candidates(shipped)[STOP32], ref_zoo_of)
    show_loro(f"stop 32's design on the margin-0 rows ({STOP32})", stop32)
    lozo = scored[chosen]["leave_one_zoo_out"]["cross_entropy"]
    gates = {
        "G1 an _arch candidate chosen": SUFFIX in chosen,
        "G2 worst recipe lower": worst_ce(scored[chosen]) < worst_ce(stop32),
        "G3 leave-one-zoo-out no higher": lozo <= stop32["leave_one_zoo_out"]["cross_entropy"],
    }
    gate = all(gates.values())
    print(
        f"chosen: {chosen}; worst recipe {scored[chosen]['worst']} {worst_ce(scored[chosen]):.3f}"
        f" against stop 32's {stop32['worst']} {worst_ce(stop32):.3f}; leave-one-zoo-out "
        f"{lozo:.3f} against {stop32['leave_one_zoo_out']['cross_entropy']:.3f}; "
        + "; ".join(f"{k}: {v}" for k, v in gates.items())
        + f" -> {'the gate holds' if gate else 'the gate fails'}"
    )
    result.update(loro=scored, chosen=chosen, stop32_margin0=stop32, gates=gates, gate=gate)
    full = [standard(r, table, arch_of) for r in rows]
    if opts.write_reference:
        save_reference(
            table,
            SHIPPED_REFERENCE,
            {
                "zoo": [p.stem for p in opts.cal_rows if "tp_lift" in p.read_text()],
                "models": "clean development models with a lift, per architecture named "
                "from the model",
            },
        )
    if opts.write_calibration and gate:
        write_chosen(chosen, made, full, shipped, opts.cal_rows, ARCH_KEYS, result)
    elif opts.write_calibration:
        print("the gate does not hold: no calibrator written", file=sys.stderr)
    final = {"today": made["today"](full)}
    shipped = load_calibrators(SHIPPED)
    if all(k in shipped for k in ARCH_KEYS):
        written = (shipped[ARCH_KEYS[0]], shipped[ARCH_KEYS[1]])
        final["lift:arch calibrators (calibration.json)"] = lambda r: written[
            not ordered(r)
        ].probability(r.features)
    eval_names = json.loads(opts.eval_arch_names.read_text()) if opts.eval_arch_names else {}
    for path in opts.eval_rows:
        ev = eval_rows(path, eval_names)
        result["eval"][path.name] = {
            n: report(ev, [f(r) for r in ev], opts.groups) for n, f in final.items()
        }
        show(path.name, result["eval"][path.name])
    write_json(opts.json, result)


def eval_rows(path: Path, names: dict) -> list[ZooRow]:
    """``path``'s rows; those with a lift but no standardised lift (computed without
    ``lift_reference``) standardised by the shipped table, their architecture from ``names``
    (the zoo is the file's stem less its suffix)."""
    rows, zoo_of = pool([path])
    table = load_reference(SHIPPED_REFERENCE)
    out = []
    for r in rows:
        if "tp_lift" in r.features and f"tp_lift_margin{SUFFIX}" not in r.features:
            arch = names.get(zoo_of[id(r)], {}).get(r.name)
            if arch is None:
                sys.exit(
                    f"{path}: {r.name} has no standardised lift and --eval-arch-names "
                    "does not name its architecture"
                )
            r = standard(r, table, lambda _, a=arch: a)
        out.append(r)
    return out


if __name__ == "__main__":
    main()
