"""The word-order asymmetry on development Kim CNNs (issue 15, stop 36): today's default verdict
against a logistic stacker on (its logit, ``tp_order``), leave-one-group-out (groups
``cnn-min2``, ``cnn-cleanvocab``, ``own``: trojanscope's TextCNNs) and leave-one-zoo-out.

The gate written before this script ran (docs/benchmarks.md, stop 36): (G1) on
``cnn-cleanvocab`` held out, ROC-AUC higher and cross-entropy lower than today's; (G2) no group's
held-out ROC-AUC lower than today's by more than one pair; (G3) leave-one-zoo-out pooled
cross-entropy no higher than today's. Only then does ``--write-calibration`` write the stacker,
fitted on every row and folded into the default calibrators' coefficients, as
``text-inversion:behaviour:phrase:lift:arch:order`` and ``…:unordered:phrase:lift:arch:order``;
``--eval-rows`` (rows computed with ``order=1``) are scored with today's default and the
candidate.

    python benchmarks/text_order_score.py --rows benchmarks/data/text_rows/*-order.json \\
        [--write-calibration] [--eval-rows ...] [--json out]

``--min-docs N`` (stop 38): the rows' ``tp_order`` comes from the search over tokens held by at
least N clean sentences (``text_order_rows.py --min-docs N``, ``-p order_min_docs=N``); the
stacker is gated and written the same way under its own keys, ``…:order-docsN``
(:func:`order_keys`), and ``--eval-rows`` are scored with those.

``--floor`` (stop 41): the written calibrators name the default calibrator of their path as
their ``floor`` (:func:`trojanscope.detect.calibration.floored_probability`: the verdict is
the larger of the two probabilities, so the word-order stacker never lowers the default's);
every evaluation here reads the floor the calibration file holds, and the leave-one-zoo-out
figures are reported with it too (``lozo_floor``).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_detect import SHIPPED
from text_behaviour_score import ordered
from text_lift_arch_score import ARCH_KEYS, SHIPPED_REFERENCE
from text_lift_score import pool
from text_rows_score import report, scores, write_json
from trojanscope.detect.calibration import (
    Calibrator,
    fit_calibrator,
    floored_probability,
    load_calibrators,
    save_calibrators,
)
from trojanscope.detect.evaluate import ZooRow
from trojanscope.detect.text_arch import KIM_CNN
from trojanscope.detect.text_inversion import order_family
from trojanscope.detect.text_lift_reference import SUFFIX, load_reference, standardised

GROUPS = ("cnn-min2", "cnn-cleanvocab")
OWN = "own"


def order_keys(min_docs: int = 0) -> tuple[str, ...]:
    """The ``:order`` calibrators' keys for the search over tokens held by at least
    ``min_docs`` clean sentences (0: every token, stop 36's ``…:order``; else
    ``…:order-docsN``, stop 38; the detector's family, ``text_inversion.order_family``)."""
    return tuple(f"{k}:{order_family(min_docs)}" for k in ARCH_KEYS)


ORDER_KEYS = order_keys(0)
RECIPES = ("cnn-min2", "bag-top8k", "cnn-cleanvocab", "bag-alpha")  # foreign_text_zoo.py's
STACK = ["td_logit", "tp_order"]
CS = (0.3, 1.0)


def group_of(row: ZooRow) -> str:
    return next((g for g in GROUPS if row.name.startswith(g + "-")), OWN)


def standard(row: ZooRow) -> dict[str, float]:
    """The row's features, its lift standardised by the shipped table where the row has none
    (as the detector's standardised path gives them)."""
    features = row.features
    if f"tp_lift_margin{SUFFIX}" in features:
        return features
    return {**features, **standardised(features, KIM_CNN, load_reference(SHIPPED_REFERENCE))}


def default_logit(row: ZooRow, shipped: dict[str, Calibrator]) -> float:
    """The logit of today's default verdict (the ``:phrase:lift:arch`` calibrator of the
    row's path, on :func:`standard` features)."""
    return shipped[ARCH_KEYS[not ordered(row)]].logit(standard(row))


def stacked(rows: list[ZooRow], shipped: dict[str, Calibrator]) -> list[ZooRow]:
    """The Kim CNN rows (those with ``tp_order``) with ``td_logit`` added."""
    return [
        replace(r, features={**r.features, "td_logit": default_logit(r, shipped)})
        for r in rows
        if "tp_order" in r.features
    ]


def fit(rows: list[ZooRow], c: float) -> Calibrator:
    return fit_calibrator(
        "text-inversion",
        [r.features for r in rows],
        [int(r.backdoored) for r in rows],
        STACK,
        transform="none",
        c=c,
    )


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def held_out(rows: list[ZooRow], key, c: float) -> list[float]:
    """Each row's probability from the stacker fitted without the rows of its ``key``."""
    out = [0.0] * len(rows)
    for part in sorted({key(r) for r in rows}):
        train = [r for r in rows if key(r) != part]
        cal = fit(train, c)
        for i, r in enumerate(rows):
            if key(r) == part:
                out[i] = cal.probability(r.features)
    return out


def by_group(rows: list[ZooRow], p: list[float]) -> dict:
    out = {"all": scores(rows, p)}
    for g in (*GROUPS, OWN):
        keep = [i for i, r in enumerate(rows) if group_of(r) == g]
        if not keep:
            continue
        out[g] = scores([rows[i] for i in keep], [p[i] for i in keep])
        clean = [p[i] for i in keep if not rows[i].backdoored]
        bad = [p[i] for i in keep if rows[i].backdoored]
        out[g]["pairs"] = len(clean) * len(bad)
        for tag in ("sentence", "rare-word"):
            sub = [i for i in keep if not rows[i].backdoored or rows[i].attack == tag]
            if any(rows[i].attack == tag for i in sub):
                out[g][tag] = scores([rows[i] for i in sub], [p[i] for i in sub])
    return out


def fitted_rows(rows: list[ZooRow], zoos: list[str]) -> dict:
    """What the stacker was fitted on (``fitted_on``'s ``n_models``, ``zoo``, ``models``,
    ``coverage``): ``rows``, of the populations ``zoos``."""
    coverage: dict[str, int] = {}
    for r in rows:
        for t in r.traits:
            coverage[t] = coverage.get(t, 0) + 1
    return {
        "n_models": len(rows),
        "zoo": sorted({z.removesuffix("-docs3").removesuffix("-order") for z in zoos}),
        "models": f"the stacker on {len(rows)} development Kim CNN rows with tp_order (the "
        "default calibrator's own under 'base')",
        "coverage": dict(sorted(coverage.items())),
    }


def folded(
    stack: Calibrator, base: Calibrator, key: str, fitted: dict, stop: str = "36"
) -> Calibrator:
    """``stack`` (on the base calibrator's logit and ``tp_order``) written as one calibrator
    on the base's features and ``tp_order`` (both transforms ``none``: exact); ``fitted``:
    :func:`fitted_rows` of the stacker's rows (the base's ``fitted_on`` kept under ``base``)."""
    a, b = stack.coef
    m_td, s_td = stack.mean[0], stack.scale[0]
    k = a / s_td
    return Calibrator(
        base.method,
        [*base.features, "tp_order"],
        [c * k for c in base.coef] + [b],
        base.intercept * k + stack.intercept - a * m_td / s_td,
        {
            "C": stack.fitted_on.get("C"),
            **fitted,
            "base": base.fitted_on,
            "order_stacker": {
                "coef": stack.coef,
                "intercept": stack.intercept,
                "mean": stack.mean,
                "scale": stack.scale,
                **stack.fitted_on,
            },
            "source": f"benchmarks/text_order_score.py (issue 15, stop {stop})",
            "key": key,
        },
        [*(base.mean or [0.0] * len(base.features)), stack.mean[1]],
        [*(base.scale or [1.0] * len(base.features)), stack.scale[1]],
        "none",
    )


def raw_order(rows: list[ZooRow]) -> dict:
    """``tp_order`` itself, no calibrator (stop 37): the clean Kim CNNs' range, the inserted
    sentences' values, how many read above every clean one, and the ROC-AUC of sentences
    against clean ones; all and per group."""
    out = {}
    for g in ("all", *GROUPS):
        keep = [r for r in rows if "tp_order" in r.features and g in ("all", group_of(r))]
        clean = [r.features["tp_order"] for r in keep if not r.backdoored]
        sent = [r.features["tp_order"] for r in keep if r.attack == "sentence"]
        if not clean or not sent:
            continue
        pairs = [(s > c) + 0.5 * (s == c) for s in sent for c in clean]
        out[g] = {
            "clean": [round(min(clean), 2), round(max(clean), 2), len(clean)],
            "sentence": sorted(round(v, 2) for v in sent),
            "above_every_clean": sum(v > max(clean) for v in sent),
            "roc_auc": round(sum(pairs) / len(pairs), 3),
        }
    return out


def every_model(
    rows: list[ZooRow],
    shipped: dict[str, Calibrator],
    cals: dict[str, Calibrator],
    keys: tuple[str, ...] = ORDER_KEYS,
) -> dict:
    """Every model of an evaluation population (stop 37): today's default and the ``:order``
    verdict, models without ``tp_order`` (not Kim CNNs) keeping today's probability in both;
    per recipe of ``foreign_text_zoo.py`` and per attack. ``{}`` without ``:order``
    calibrators."""
    if not all(k in cals for k in keys):
        return {}
    today = [sigmoid(default_logit(r, shipped)) for r in rows]
    order = [
        floored_probability(cals[keys[not ordered(r)]], cals, standard(r))
        if "tp_order" in r.features
        else p
        for r, p in zip(rows, today, strict=True)
    ]
    return {
        "today": report(rows, today, list(RECIPES)),
        "order": report(rows, order, list(RECIPES)),
    }


def eval_populations(paths: list[Path], pooled: str | None) -> list[tuple[str, list[ZooRow]]]:
    """Each ``--eval-rows`` file as its own population, then (``--pool-eval LABEL``) all of them
    as one, each model named ``<name>@<zoo>`` (the recipe prefix kept, two zoos' names apart)."""
    out = [(p.name, pool([p])[0]) for p in paths]
    if pooled is not None:
        rows, zoo_of = pool(paths)
        out.append((pooled, [replace(r, name=f"{r.name}@{zoo_of[id(r)]}") for r in rows]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=Path, nargs="+", required=True)
    parser.add_argument("--eval-rows", type=Path, nargs="*", default=[])
    parser.add_argument("--write-calibration", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--min-docs",
        type=int,
        default=0,
        help="the rows' search kept to tokens held by at least this many clean sentences "
        "(text_order_rows.py --min-docs): the calibrators' keys are order_keys(N)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="with --write-calibration: the written calibrators never give less than the "
        "default calibrator of their path (stop 41: no shrink of the one-token verdict)",
    )
    parser.add_argument(
        "--stop",
        default=None,
        help="the stop named in the written calibrators' source (default: 38 with --min-docs, "
        "else 36)",
    )
    parser.add_argument(
        "--pool-eval",
        default=None,
        metavar="LABEL",
        help="also score every --eval-rows file together as one population named LABEL "
        "(stop 40: a rule decided on several fresh zoos pooled); its model names get "
        "'@<zoo>' so that two zoos' models stay apart",
    )
    opts = parser.parse_args()
    keys = order_keys(opts.min_docs)
    shipped = load_calibrators(SHIPPED)
    if any(b.transform != "none" for b in (shipped[k] for k in ARCH_KEYS)):
        sys.exit("the default calibrators are not linear in their features: cannot fold")
    raw, zoo_of = pool(opts.rows)
    rows = stacked(raw, shipped)
    zoo = {
        id(s): zoo_of[id(r)]
        for s, r in zip(rows, [r for r in raw if "tp_order" in r.features], strict=True)
    }
    today = [sigmoid(r.features["td_logit"]) for r in rows]
    result: dict = {"models": len(rows), "today": by_group(rows, today), "candidates": {}}
    result["raw_order"] = raw_order(rows)
    print(f"tp_order itself: {result['raw_order']}")
    print(f"{len(rows)} Kim CNN rows; today: {result['today']['all']}")
    for c in CS:
        logo = held_out(rows, group_of, c)
        lozo = held_out(rows, lambda r: zoo[id(r)], c)
        floor = [max(a, b) for a, b in zip(today, lozo, strict=True)]
        result["candidates"][c] = {
            "logo": by_group(rows, logo),
            "lozo": scores(rows, lozo),
            "lozo_by_group": by_group(rows, lozo),
            "lozo_floor": by_group(rows, floor),
        }
        print(
            f"C={c}: leave-one-group-out {result['candidates'][c]['logo']['all']}; "
            f"leave-one-zoo-out {result['candidates'][c]['lozo']}; with the floor "
            f"{result['candidates'][c]['lozo_floor']['all']}"
        )
    c = min(CS, key=lambda v: result["candidates"][v]["logo"]["all"]["cross_entropy"])
    cand, now = result["candidates"][c]["logo"], result["today"]

    def pair(g: str) -> float:
        return 1.0 / max(now[g]["pairs"], 1)

    gates = {
        "G1 cnn-cleanvocab held out: ROC-AUC higher, cross-entropy lower": cand["cnn-cleanvocab"][
            "roc_auc"
        ]
        > now["cnn-cleanvocab"]["roc_auc"]
        and cand["cnn-cleanvocab"]["cross_entropy"] < now["cnn-cleanvocab"]["cross_entropy"],
        "G2 no group's ROC-AUC lower by more than one pair": all(
            cand[g]["roc_auc"] >= now[g]["roc_auc"] - pair(g) - 1e-9
            for g in (*GROUPS, OWN)
            if now[g]["roc_auc"] is not None
        ),
        "G3 leave-one-zoo-out cross-entropy no higher": result["candidates"][c]["lozo"][
            "cross_entropy"
        ]
        <= now["all"]["cross_entropy"],
    }
    gate = all(gates.values())
    result.update(chosen_c=c, gates=gates, gate=gate)
    print(
        f"chosen C={c}; "
        + "; ".join(f"{k}: {v}" for k, v in gates.items())
        + f" -> {'the gate holds' if gate else 'the gate fails'}"
    )
    if opts.write_calibration and gate:
        stack = fit(rows, c)
        cals = load_calibrators(SHIPPED)
        stop = opts.stop or ("38" if opts.min_docs else "36")
        for base_key, key in zip(ARCH_KEYS, keys, strict=True):
            fitted = fitted_rows(rows, list(zoo.values()))
            if opts.floor:
                fitted["floor"] = base_key
            cals[key] = folded(stack, cals[base_key], key, fitted, stop)
        save_calibrators(cals, SHIPPED)
        result["written"] = {"coef": stack.coef, "intercept": stack.intercept}
        print(f"written {keys}: stacker coef {stack.coef}, intercept {stack.intercept}")
    elif opts.write_calibration:
        print("the gate does not hold: no calibrator written", file=sys.stderr)
    cals = load_calibrators(SHIPPED)
    for label, ev in eval_populations(opts.eval_rows, opts.pool_eval):
        everyone = every_model(ev, shipped, cals, keys)
        if everyone:
            result.setdefault("eval_all", {})[label] = everyone
            result.setdefault("eval_raw_order", {})[label] = raw_order(ev)
            for name, rep in everyone.items():
                worst = max(
                    rep["per_group"].items(), key=lambda kv: kv[1]["cross_entropy"], default=None
                )
                print(f"{label} every model, {name}: {rep['all']}; worst recipe {worst}")
        p_today = [
            sigmoid(default_logit(r, shipped)) if "tp_order" in r.features else float("nan")
            for r in ev
        ]
        keep = [i for i, r in enumerate(ev) if "tp_order" in r.features]
        ev = [ev[i] for i in keep]
        p_today = [p_today[i] for i in keep]
        out = {"today": by_group(ev, p_today)}
        if all(k in cals for k in keys):
            p_new = [
                floored_probability(cals[keys[not ordered(r)]], cals, standard(r)) for r in ev
            ]
            out["candidate"] = by_group(ev, p_new)
            out["probabilities"] = {
                r.name: [round(a, 3), round(b, 3), round(r.features["tp_order"], 3)]
                for r, a, b in zip(ev, p_today, p_new, strict=True)
            }
        result.setdefault("eval", {})[label] = out
        for name, rep in out.items():
            if name != "probabilities":
                print(f"{label} {name}: {rep['all']}")
                for g in (*GROUPS, OWN):
                    if g in rep:
                        print(f"    {g}: {rep[g]}")
    write_json(opts.json, result)


if __name__ == "__main__":
    main()
