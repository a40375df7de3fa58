"""Combinations of the text verdict's two paths — today's (``text-inversion`` + the order
guard's ``text-inversion:transformer``) and the behaviour path (``-p behaviour=1``) — compared
by leave-one-recipe-out cross-entropy on development rows, then the chosen one scored beside
both paths on ``--eval-rows``.

A *recipe* is a ``--groups`` name prefix (``benchmarks/foreign_text_zoo.py``'s recipes); rows
matching none (trojanscope's own zoos) form one recipe, ``own``. Each candidate is refitted
without the held-out recipe and scores it; the candidate of lowest pooled held-out
cross-entropy is chosen, its worst recipe reported beside (docs/benchmarks.md, issue 15,
"Combining the order and behaviour evidence").

    python benchmarks/text_combine_score.py \
        --cal-rows benchmarks/data/text_rows/text-dev1000-addsent.json ... \
        --eval-rows benchmarks/data/text_rows/text-eval1400.json \
        --groups cnn-min2 bag-top8k cnn-cleanvocab bag-alpha [--write-calibration] [--json out]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_detect import METHOD, SHIPPED
from text_behaviour_score import ORDERED_KEY, UNORDERED_KEY, ordered, with_derived
from text_rows_score import FALLBACK, read_rows, report, scores, show, write_json
from trojanscope.detect.calibration import (
    Calibrator,
    fit_calibrator,
    load_calibrators,
    save_calibrators,
)
from trojanscope.detect.coverage import count_traits
from trojanscope.detect.evaluate import ZooRow

OWN = "own"
BEHAVIOUR = ["tv_gap3", "ti_surprise_1", "ti_dom_gap"]  # the behaviour path's ordered design
Scorer = Callable[[ZooRow], float]
RESCALED = "behaviour ordered + today unordered rescaled"


def recipe(row: ZooRow, groups: list[str]) -> str:
    return next((g for g in groups if row.name.startswith(g + "-")), OWN)


def fit(rows: list[ZooRow], features: list[str], c: float) -> Calibrator:
    return fit_calibrator(
        METHOD,
        [r.features for r in rows],
        [int(r.backdoored) for r in rows],
        features,
        transform="none",
        c=c,
    )


def linear(cal: Calibrator, features: dict[str, float]) -> float:
    """The calibrator's logit (its probability before the sigmoid)."""
    p = min(max(cal.probability(features), 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def rescaled(base: Calibrator, rows: list[ZooRow]) -> Calibrator:
    """``base`` refitted as ``a + b · logit`` on ``rows`` (Platt scaling): the same features
    and the same order of models, new probabilities. Written back as a calibrator of ``base``'s
    own form (coefficients times b, intercept a + b · intercept), so the detector needs no new
    code to read it."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[linear(base, r.features)] for r in rows])
    m, s = float(x.mean()), float(x.std()) or 1.0  # standardised, as every calibrator's input
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(
        (x - m) / s, [int(r.backdoored) for r in rows]
    )
    a, b = float(lr.intercept_[0]) - float(lr.coef_[0][0]) * m / s, float(lr.coef_[0][0]) / s
    return replace(base, coef=[b * c for c in base.coef], intercept=a + b * base.intercept)


def candidates(shipped: dict[str, Calibrator]) -> dict[str, Callable[[list[ZooRow]], Scorer]]:
    """Each candidate: training rows -> a row's probability."""
    s_o, s_u = shipped[METHOD], shipped[FALLBACK]

    def today(_: list[ZooRow]) -> Scorer:
        return lambda r: (s_o if ordered(r) else s_u).probability(r.features)

    def behaviour(tr: list[ZooRow]) -> Scorer:
        o = fit([r for r in tr if ordered(r)], BEHAVIOUR, 1.0)
        u = fit(tr, ["ti_surprise_1", "ti_dom_gap"], 0.3)
        return lambda r: (o if ordered(r) else u).probability(r.features)

    def unordered_today(tr: list[ZooRow], scaled: bool) -> Calibrator:
        un = [r for r in tr if not ordered(r)]
        # no unordered row to rescale on (its recipe held out): today's calibrator as it is
        return rescaled(s_u, un) if scaled and len({r.backdoored for r in un}) == 2 else s_u

    def ordered_behaviour(scaled: bool) -> Callable[[list[ZooRow]], Scorer]:
        def make(tr: list[ZooRow]) -> Scorer:
            o, u = fit([r for r in tr if ordered(r)], BEHAVIOUR, 1.0), unordered_today(tr, scaled)
            return lambda r: (o if ordered(r) else u).probability(r.features)

        return make

    def larger(top_c: float) -> Callable[[list[ZooRow]], Scorer]:
        def make(tr: list[ZooRow]) -> Scorer:
            o = fit([r for r in tr if ordered(r)], BEHAVIOUR, 1.0)
            top, u = fit(tr, ["ti_surprise_1"], top_c), unordered_today(tr, True)
            return lambda r: (
                max(o.probability(r.features), top.probability(r.features))
                if ordered(r)
                else u.probability(r.features)
            )

        return make

    def larger_of_paths(tr: list[ZooRow]) -> Scorer:
        t, b = today(tr), behaviour(tr)
        return lambda r: max(t(r), b(r))

    def behaviour_surprise(c: float) -> Callable[[list[ZooRow]], Scorer]:
        def make(tr: list[ZooRow]) -> Scorer:
            o, u = fit([r for r in tr if ordered(r)], BEHAVIOUR, 1.0), fit(tr, ["ti_surprise_1"], c)
            return lambda r: (o if ordered(r) else u).probability(r.features)

        return make

    return {
        "today": today,
        "behaviour=1": behaviour,
        "max(today, behaviour=1)": larger_of_paths,
        "behaviour ordered + today unordered": ordered_behaviour(False),
        RESCALED: ordered_behaviour(True),
        **{
            f"behaviour ordered + surprise-only C={c} unordered": behaviour_surprise(c)
            for c in (0.3, 1.0)
        },
        **{
            f"max(behaviour, surprise-only C={c}) ordered + today unordered rescaled": larger(c)
            for c in (0.1, 1.0)
        },
    }


def held_out(
    rows: list[ZooRow], make: Callable[[list[ZooRow]], Scorer], part: Callable[[ZooRow], str]
) -> list[float]:
    """Each row's probability from the candidate fitted without the rows of its ``part``."""
    held: dict[int, float] = {}
    for g in sorted({part(r) for r in rows}):
        score = make([r for r in rows if part(r) != g])
        held.update({i: score(r) for i, r in enumerate(rows) if part(r) == g})
    return [held[i] for i in range(len(rows))]


def loro(
    rows: list[ZooRow],
    groups: list[str],
    make: Callable[[list[ZooRow]], Scorer],
    zoo_of: dict[int, str],
) -> dict:
    """Leave-one-recipe-out: pooled held-out scores, each recipe's and each zoo's recipes'
    ROC-AUC; beside, the pooled cross-entropy leaving one zoo (population) out."""
    names = sorted({recipe(r, groups) for r in rows})
    by_zoo = scores(rows, held_out(rows, make, lambda r: zoo_of[id(r)]))
    p = held_out(rows, make, lambda r: recipe(r, groups))
    per = {
        g: scores(
            [r for r in rows if recipe(r, groups) == g],
            [p[i] for i, r in enumerate(rows) if recipe(r, groups) == g],
        )
        for g in names
    }
    worst = max(per, key=lambda g: per[g]["cross_entropy"])
    cells = {}  # each zoo's recipes apart, as the rule reads a population
    for key in sorted({(zoo_of[id(r)], recipe(r, groups)) for r in rows}):
        idx = [i for i, r in enumerate(rows) if (zoo_of[id(r)], recipe(r, groups)) == key]
        cell = scores([rows[i] for i in idx], [p[i] for i in idx])
        cells[" ".join(key)] = cell["roc_auc"]
    return {
        "all": scores(rows, p),
        "per_recipe": per,
        "worst": worst,
        "per_zoo_recipe": cells,
        "leave_one_zoo_out": by_zoo,
    }


def choose(loro_scores: dict[str, dict]) -> str:
    """Among the candidates whose ROC-AUC is nowhere (no zoo's recipe) below today's and whose
    worst recipe's cross-entropy is no higher than today's worst, the lowest leave-one-recipe-out
    cross-entropy (to two decimals: one recipe alone, ``bag-alpha``, has an unordered
    vocabulary, so holding it out leaves nothing to fit its path on and ties the candidates
    that differ there), then the lowest leave-one-zoo-out cross-entropy."""

    def worst(name: str) -> float:
        s = loro_scores[name]
        return s["per_recipe"][s["worst"]]["cross_entropy"]

    fair = [
        n
        for n, s in loro_scores.items()
        if not s["cells_lower_than_today"] and worst(n) <= worst("today")
    ]
    return lowest(loro_scores, fair)


def lowest(loro_scores: dict[str, dict], names: list[str]) -> str:
    """The name of lowest leave-one-recipe-out cross-entropy (to two decimals), then lowest
    leave-one-zoo-out cross-entropy."""
    return min(
        names,
        key=lambda n: (
            round(loro_scores[n]["all"]["cross_entropy"], 2),
            loro_scores[n]["leave_one_zoo_out"]["cross_entropy"],
        ),
    )


def show_loro(name: str, out: dict) -> None:
    """Print one candidate's :func:`loro` scores on one line."""
    a, w = out["all"], out["per_recipe"][out["worst"]]
    print(
        f"LORO {name}: cross-entropy {a['cross_entropy']:.3f}, ROC-AUC {a['roc_auc']:.3f}, "
        f"clean flagged {len(a['clean_flagged'])}; leave-one-zoo-out cross-entropy "
        f"{out['leave_one_zoo_out']['cross_entropy']:.3f}; worst {out['worst']} "
        f"{w['cross_entropy']:.3f} / {w['roc_auc']}; "
        + ", ".join(
            f"{g} {s['cross_entropy']:.3f}/{s['roc_auc']}" for g, s in out["per_recipe"].items()
        )
    )


def score_parser(doc: str, keys: str) -> argparse.ArgumentParser:
    """The options every development-rows scorer of this kind takes."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--cal-rows", type=Path, nargs="+", required=True)
    parser.add_argument("--eval-rows", type=Path, nargs="*", default=[])
    parser.add_argument("--groups", nargs="+", required=True)
    parser.add_argument(
        "--write-calibration",
        action="store_true",
        help=f"write the chosen candidate's calibrators under the {keys} keys",
    )
    parser.add_argument("--json", type=Path, default=None)
    return parser


def main() -> None:
    parser = score_parser(__doc__, "behaviour")
    parser.add_argument(
        "--previous",
        type=Path,
        default=None,
        help="a calibration file holding the stop-31 behaviour calibrators "
        "(default: the shipped file as it is before --write-calibration)",
    )
    opts = parser.parse_args()
    rows = with_derived(read_rows(opts.cal_rows))
    zoo_of = {id(r): p.stem for p in opts.cal_rows for r in rows[:0]}  # filled below
    start = 0
    for p in opts.cal_rows:
        n = len(read_rows([p]))
        zoo_of.update({id(r): p.stem for r in rows[start : start + n]})
        start += n
    shipped = load_calibrators(SHIPPED)
    made = candidates(shipped)
    result: dict = {"loro": {}, "eval": {}}
    for name, make in made.items():
        result["loro"][name] = loro(rows, opts.groups, make, zoo_of)
        show_loro(name, result["loro"][name])
    base = result["loro"]["today"]["per_zoo_recipe"]
    for name in made:
        cells = result["loro"][name]["per_zoo_recipe"]
        lower = [k for k, v in cells.items() if v is not None and v < base[k]]
        result["loro"][name]["cells_lower_than_today"] = lower
        print(f"{name}: zoo x recipe ROC-AUC lower than today's in {lower}")
    chosen = choose(result["loro"])
    result["chosen"] = chosen
    print(f"chosen: {chosen}")
    previous = load_calibrators(opts.previous) if opts.previous else dict(shipped)
    stop31 = (previous[ORDERED_KEY], previous[UNORDERED_KEY])
    final = {
        "today": made["today"](rows),
        "behaviour=1 (stop-31 calibrators)": lambda r: stop31[not ordered(r)].probability(
            r.features
        ),
        chosen: made[chosen](rows),
    }
    for path in opts.eval_rows:
        ev = with_derived(read_rows([path]))
        result["eval"][path.name] = {
            n: report(ev, [f(r) for r in ev], opts.groups) for n, f in final.items()
        }
        show(path.name, result["eval"][path.name])
    if opts.write_calibration:
        if chosen != RESCALED:
            sys.exit(f"--write-calibration writes only {RESCALED!r}, not {chosen!r}")
        zoo = [p.stem for p in opts.cal_rows]
        ordered_rows = [r for r in rows if ordered(r)]
        unordered_rows = [r for r in rows if not ordered(r)]
        for key, cal, fitted, what in (
            (
                ORDERED_KEY,
                fit(ordered_rows, BEHAVIOUR, 1.0),
                ordered_rows,
                "development rows with a frequency-ordered word vocabulary",
            ),
            (
                UNORDERED_KEY,
                rescaled(shipped[FALLBACK], unordered_rows),
                unordered_rows,
                f"development rows with an unordered vocabulary; {FALLBACK} rescaled "
                "(Platt) on them, its order of models kept",
            ),
        ):
            cal.fitted_on = {
                "n_models": len(fitted),
                "C": 1.0,
                "zoo": zoo,
                "models": f"{len(fitted)} {what}",
                "coverage": count_traits(r.traits for r in fitted),
            }
            shipped[key] = cal
        result["calibrators"] = {k: asdict(shipped[k]) for k in (ORDERED_KEY, UNORDERED_KEY)}
        save_calibrators(shipped, SHIPPED)
    write_json(opts.json, result)


if __name__ == "__main__":
    main()
