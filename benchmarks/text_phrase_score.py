"""The shipped text verdict (the combination of issue 15, stop 31) with one more term read
from the opposed phrase search (``-p phrase_tokens=3``: ``tp_prob``, ``tp_gap``,
:mod:`trojanscope.detect.text_phrase`), compared by leave-one-recipe-out cross-entropy on
development rows, then scored beside the shipped verdict on ``--eval-rows``.

The term is added to each path's logit (``a · logit + b · z(feature) + c``, fitted on the
training rows that carry the feature; rows without it — trojanscope's own committed zoos,
computed before the search existed — are scored by the combination alone), so it is written as
two calibrators of the shipped form, ``text-inversion:behaviour:phrase`` and
``text-inversion:behaviour:unordered:phrase`` (docs/benchmarks.md, issue 15, stop 32).

    python benchmarks/text_phrase_score.py --cal-rows ... --eval-rows ... \
        --groups cnn-min2 bag-top8k cnn-cleanvocab bag-alpha [--write-calibration] [--json out]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_detect import SHIPPED
from text_behaviour_score import ORDERED_KEY, UNORDERED_KEY, ordered, with_derived
from text_combine_score import (
    RESCALED,
    Scorer,
    candidates,
    linear,
    loro,
    lowest,
    score_parser,
    show_loro,
)
from text_rows_score import read_rows, report, show, write_json
from trojanscope.detect.calibration import Calibrator, load_calibrators, save_calibrators
from trojanscope.detect.coverage import count_traits
from trojanscope.detect.evaluate import ZooRow

TERMS = (["tp_prob"], ["tp_gap"], ["tp_prob", "tp_gap"])
REFERENCE = "combination refitted"
ONE_PAIR = 1 / 16  # one clean-backdoored pair of a recipe's 4 + 4 models
PHRASE_KEYS = (f"{ORDERED_KEY}:phrase", f"{UNORDERED_KEY}:phrase")


def has(row: ZooRow, features: list[str]) -> bool:
    return all(f in row.features for f in features)


def with_term(
    paths: tuple[Calibrator, Calibrator], rows: list[ZooRow], features: list[str], c: float = 1.0
) -> tuple[Calibrator, Calibrator]:
    """Both paths' calibrators with ``features`` added: ``a · logit + Σ b_i · z_i + c``
    fitted (logistic regression, ``C = c``) on ``rows`` with each row's own path's logit, then
    written back in the calibrators' own form (coefficients × a, the new features' means and
    scales appended)."""
    from sklearn.linear_model import LogisticRegression

    base = [linear(paths[not ordered(r)], r.features) for r in rows]
    raw = np.array([[r.features[f] for f in features] for r in rows])
    m, s = raw.mean(0), raw.std(0)
    s[s == 0] = 1.0
    x = np.column_stack([base, (raw - m) / s])
    lr = LogisticRegression(C=c, max_iter=5000).fit(x, [int(r.backdoored) for r in rows])
    a, b, c0 = float(lr.coef_[0][0]), [float(v) for v in lr.coef_[0][1:]], float(lr.intercept_[0])

    def extend(cal: Calibrator) -> Calibrator:
        n = len(cal.features)
        return replace(
            cal,
            features=[*cal.features, *features],
            coef=[a * v for v in cal.coef] + b,
            intercept=a * cal.intercept + c0,
            mean=[*(cal.mean or [0.0] * n), *m.tolist()],
            scale=[*(cal.scale or [1.0] * n), *s.tolist()],
        )

    return extend(paths[0]), extend(paths[1])


def paths_of(
    make: Callable[[list[ZooRow]], Scorer], rows: list[ZooRow], shipped: dict[str, Calibrator]
) -> tuple[Calibrator, Calibrator]:
    """The combination's two calibrators refitted on ``rows`` (as text_combine_score does)."""
    from text_combine_score import BEHAVIOUR, fit, rescaled
    from text_rows_score import FALLBACK

    un = [r for r in rows if not ordered(r)]
    u = (
        rescaled(shipped[FALLBACK], un)
        if len({r.backdoored for r in un}) == 2
        else shipped[FALLBACK]
    )
    return fit([r for r in rows if ordered(r)], BEHAVIOUR, 1.0), u


def phrase_candidates(
    shipped: dict[str, Calibrator], terms: tuple[list[str], ...] = TERMS
) -> dict[str, Callable]:
    """``today``, the refitted combination and the combination with each of ``terms`` added
    (C = 0.3 and 1.0)."""
    combo = candidates(shipped)
    paths = (shipped[ORDERED_KEY], shipped[UNORDERED_KEY])  # the default since stop 31

    def today(_: list[ZooRow]) -> Scorer:
        return lambda r: paths[not ordered(r)].probability(r.features)

    made: dict[str, Callable] = {"today": today, REFERENCE: combo[RESCALED]}

    def term(features: list[str], c: float) -> Callable[[list[ZooRow]], Scorer]:
        def make(tr: list[ZooRow]) -> Scorer:
            base = paths_of(combo[RESCALED], tr, shipped)
            fit_rows = [r for r in tr if has(r, features)]
            new = (
                with_term(base, fit_rows, features, c)
                if len({r.backdoored for r in fit_rows}) == 2
                else base
            )
            return lambda r: (new if has(r, features) else base)[not ordered(r)].probability(
                r.features
            )

        return make

    for features in terms:
        for c in (0.3, 1.0):
            made[f"combination + {'+'.join(features)} C={c}"] = term(features, c)
    return made


def choose(loro_scores: dict[str, dict]) -> str:
    """Among the candidates refitted under the held-out protocol (not ``today``, whose
    calibrators were fitted on most of these rows) whose worst recipe's cross-entropy is no
    higher than the refitted combination's worst and whose ROC-AUC falls in no zoo's recipe by
    more than one pair of its 4 + 4 models (the shipping rule's tolerance), the lowest
    leave-one-recipe-out cross-entropy (to two decimals), then the lowest leave-one-zoo-out."""

    def worst(name: str) -> float:
        s = loro_scores[name]
        return s["per_recipe"][s["worst"]]["cross_entropy"]

    fair = [
        n
        for n, s in loro_scores.items()
        if n != "today"
        and worst(n) <= worst(REFERENCE)
        and all(d <= ONE_PAIR + 0.001 for d in s["cells_lower"].values())
    ]  # 3 decimals
    return lowest(loro_scores, fair)


def score_candidates(
    made: dict[str, Callable], rows: list[ZooRow], groups: list[str], zoo_of: dict[int, str]
) -> dict[str, dict]:
    """Each candidate's :func:`loro` scores, with the zoo × recipe cells where its ROC-AUC is
    lower than the refitted combination's (``cells_lower``: what :func:`choose` reads)."""
    out = {}
    for name, make in made.items():
        out[name] = loro(rows, groups, make, zoo_of)
        show_loro(name, out[name])
    # the reference is today's design under the same protocol (refitted without the held-out
    # recipe): the shipped calibrators were fitted on most of these rows, so their own row is
    # in-sample, not a held-out figure
    base = out[REFERENCE]["per_zoo_recipe"]
    for name, s in out.items():
        cells = s["per_zoo_recipe"]
        s["cells_lower"] = {
            k: round(base[k] - v, 3) for k, v in cells.items() if v is not None and v < base[k]
        }
        print(
            f"{name}: zoo x recipe ROC-AUC lower than the refitted combination's: "
            f"{s['cells_lower']}"
        )
    return out


def score_eval(
    final: dict[str, Scorer],
    shipped: dict[str, Calibrator],
    keys: tuple[str, str],
    label: str,
    paths: list[Path],
    groups: list[str],
    result: dict,
) -> None:
    """Score ``paths``' rows with each of ``final`` and, when calibration.json holds them (as
    committed before the evaluation rows), the two calibrators under ``keys``."""
    if all(k in shipped for k in keys):
        written = (shipped[keys[0]], shipped[keys[1]])
        final[f"{label} calibrators (calibration.json)"] = lambda r: written[
            not ordered(r)
        ].probability(r.features)
    for path in paths:
        ev = with_derived(read_rows([path]))
        result["eval"][path.name] = {
            n: report(ev, [f(r) for r in ev], groups) for n, f in final.items()
        }
        show(path.name, result["eval"][path.name])


def main() -> None:
    opts = score_parser(__doc__, "phrase").parse_args()
    rows, zoo_of = [], {}
    for p in opts.cal_rows:
        part = with_derived(read_rows([p]))
        zoo_of.update({id(r): p.stem.removeprefix("p-") for r in part})
        rows += part
    shipped = load_calibrators(SHIPPED)
    made = phrase_candidates(shipped)
    result: dict = {"loro": score_candidates(made, rows, opts.groups, zoo_of), "eval": {}}
    chosen = choose(result["loro"])
    result["chosen"] = chosen
    print(f"chosen: {chosen}")
    final = {"today": made["today"](rows), chosen: made[chosen](rows)}
    score_eval(final, shipped, PHRASE_KEYS, "phrase", opts.eval_rows, opts.groups, result)
    if opts.write_calibration:
        write_chosen(chosen, made, rows, shipped, opts.cal_rows, PHRASE_KEYS, result)
    write_json(opts.json, result)


def write_chosen(
    chosen: str,
    made: dict[str, Callable],
    rows: list[ZooRow],
    shipped: dict[str, Calibrator],
    cal_rows: list[Path],
    keys: tuple[str, str],
    result: dict,
) -> None:
    """Fit the ``chosen`` candidate on every development row and write its two calibrators to
    calibration.json under ``keys`` (also into ``result``)."""
    if "+" not in chosen and "tp_" not in chosen:
        sys.exit(f"the chosen candidate {chosen!r} adds no phrase term: nothing written")
    features = chosen.split(" + ")[1].split(" C=")[0].split("+")
    c = float(chosen.split("C=")[1])
    fit_rows = [r for r in rows if has(r, features)]
    new = with_term(paths_of(made[REFERENCE], rows, shipped), fit_rows, features, c)
    for key, cal in zip(keys, new, strict=True):
        cal.fitted_on = {
            "n_models": len(fit_rows),
            "C": c,
            "zoo": [p.stem for p in cal_rows],
            "models": f"the combination refitted on {len(rows)} development "
            f"rows, {'+'.join(features)} added on the {len(fit_rows)} "
            "rows that carry it",
            "coverage": count_traits(r.traits for r in fit_rows),
        }
        shipped[key] = cal
    result["calibrators"] = {k: asdict(shipped[k]) for k in keys}
    save_calibrators(shipped, SHIPPED)


if __name__ == "__main__":
    main()
