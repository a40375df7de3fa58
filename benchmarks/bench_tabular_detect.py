"""Data-level poison detection on tabular sets (issue 16): ``detect-data``'s method for tables
(``label-groups``, which ``auto`` picks for tables), and with ``--compare`` the earlier
``shared-values`` and the image default (``auto`` on a trained feature MLP) on the same sets.

Sets: each bundled table without poison, then every tabular attack on ``credit-default`` and
``lending-club``, target 0 and 1, with the attack's zoo draw of poison rate and trigger (seeds
``--base`` + set number: 2000 for the evaluation; ``label-groups``' constants were set on bases
100 and 200), and (issue 16 stop 47) the ``tabular-conjunction`` family, seeds of its own
(``--no-conjunctions``: the sets before). ``-p pairs=0``: ``label-groups`` as before stop 47.
Reported per set: poison count, ROC-AUC of the suspicion scores, TPR at the
threshold that keeps FPR at or under 5% on the clean rows, and TPR/FPR of the method's own
flags; then, per attack family, the worst dirty-label figures.

    PYTHONPATH=src python benchmarks/bench_tabular_detect.py [--base 2000] [--compare] \
        [--json out.json]

``--zoo ZOO... --rows ROWS.json... [--calibration CAL]`` instead breaks model-level ``zoo eval
--json`` results (several zoos: pooled; ``--calibration``: rescored from their stored features
with another calibration file) down by family (architecture, target, attack): ROC-AUC,
cross-entropy, models flagged, target right among the flagged, and each architecture's raw features;
``--mass ZOO`` prints each tree model's missing training mass per class (``tab_mass`` before
its log; the zoo's data set, test split, as the clean rows); ``--mass-target ZOO...`` that
mass's ROC-AUC per library and target (XGBoost hessian-weighted and not); ``--excess
ZOO...`` the ROC-AUC per architecture of ``tab_excess`` (every model, trees included);
``--choose ROWS...`` compares calibrator designs by leave-one-out cross-entropy on
calibration zoos' ``zoo eval --json`` rows;
``--poison-groups --base B`` diagnoses the target-0 (majority-label) sets of base ``B``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time

import numpy as np
import torch

torch.set_num_threads(1)

from sklearn.metrics import roc_auc_score  # noqa: E402

from trojanscope import registry  # noqa: E402
from trojanscope.data import TensorDataset, load_dataset  # noqa: E402
from trojanscope.detect.data.inputs import materialize  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402

ATTACKS = ("tabular-badnets", "tabular-rare", "tabular-subpopulation", "tabular-clean-label")
# Conjunction triggers (issue 16 stop 47): the attack's own ``tabular-conjunction`` (2 or 3
# uncommon categories, cover rows with proper subsets keeping their labels), drawn as its
# ``sample_params`` draws; a family of its own with seeds ``--base`` + CONJ_OFFSET + number so
# that the sets above keep their seeds (and bytes). CONJ_DRAWS sets per table and target.
CONJUNCTION = "tabular-conjunction"
CONJ_OFFSET, CONJ_DRAWS = 50, 2


def poisoned_set(name: str, train, target: int, seed: int):
    cls = registry.get("attack", name)
    drawn = cls.in_zoo or name == CONJUNCTION  # the conjunction: its own (opt-in) zoo draw
    params = cls.sample_params(np.random.default_rng(seed)) if drawn else {"poison_rate": 0.1}
    trigger = params.pop("trigger", None)
    extra = {}
    if trigger is not None:
        trigger = dict(trigger)
        extra["trigger"] = registry.create("trigger", trigger.pop("name"), **trigger)
    if "cover_ratio" in params:  # tabular-conjunction's covers, as its zoo draw has them
        extra["cover_ratio"] = params["cover_ratio"]
    attack = registry.create("attack", name, target=target, seed=seed,
                             poison_rate=params["poison_rate"], **extra)
    poisoned = attack.poison(train)
    return materialize(poisoned), poisoned.is_poisoned.numpy().copy()


def benchmark_sets(base: int, conjunctions: bool = True):
    """``(table, train split, attack, target, seed)`` of every set, in the benchmark's order:
    per table its clean set, then each attack in ``ATTACKS`` × target 0 and 1 (seeds ``base``
    + 0, 1, … across both tables, as before stop 47), then with ``conjunctions`` the
    ``tabular-conjunction`` family, CONJ_DRAWS per target (seeds ``base`` + CONJ_OFFSET + 0, 1,
    … across both tables)."""
    number, extra = 0, 0
    for ds in ("credit-default", "lending-club"):
        train = load_dataset(ds, "train")
        yield ds, train, "(none)", 0, None
        for name in ATTACKS:
            for target in (0, 1):
                yield ds, train, name, target, base + number
                number += 1
        if not conjunctions:
            continue
        for target in (0, 1):
            for _ in range(CONJ_DRAWS):
                yield ds, train, CONJUNCTION, target, base + CONJ_OFFSET + extra
                extra += 1


def scored_sets(base: int, conjunctions: bool = True):
    """``(table, attack, target, seed, rows, poison mask)`` per set of ``benchmark_sets``: the
    clean set fixed once, the others poisoned (``poisoned_set``)."""
    for ds, train, name, target, seed in benchmark_sets(base, conjunctions):
        if name == "(none)":
            yield ds, name, target, seed, materialize(train), np.zeros(len(train), bool)
        else:
            yield ds, name, target, seed, *poisoned_set(name, train, target, seed)


def score(result, mask: np.ndarray) -> dict:
    s = result.suspicion
    flagged = np.zeros(len(mask), bool)
    flagged[result.flagged] = True
    out = {"fpr": float(flagged[~mask].mean()), "time_s": result.elapsed_s}
    if not mask.any():  # a clean set: only the false positives mean anything
        return {**out, "roc_auc": float("nan"), "tpr_at_5pct_fpr": float("nan"),
                "tpr": float("nan")}
    threshold = np.quantile(s[~mask], 0.95)
    return {**out, "roc_auc": float(roc_auc_score(mask, s)),
            "tpr_at_5pct_fpr": float((s[mask] > threshold).mean()),
            "tpr": float(flagged[mask].mean())}


def write_runs(rows: dict[str, list[dict]], prefix: str) -> None:
    """One JSON file of rows (``--json``'s row format) per run: ``PREFIX_<run>.json``."""
    for key, run_rows in rows.items():
        with open(f"{prefix}_{key}.json", "w") as fh:
            json.dump(run_rows, fh, indent=2)


def summary(rows: list[dict]) -> None:
    """Per method and attack family: the worst dirty-label set, and how many meet the goal."""
    print("\n| method | attack | sets meeting TPR ≥ 0.95 at FPR ≤ 0.05 (flags) |"
          " worst flags TPR/FPR | worst TPR@FPR≤5% |")
    print("|---|---|---|---|---|")
    for method in dict.fromkeys(r["method"] for r in rows):
        for attack in (*ATTACKS, CONJUNCTION, "(none)"):
            sub = [r for r in rows if r["method"] == method and r["attack"] == attack]
            if not sub:
                continue
            if attack == "(none)":
                print(f"| {method} | (no poison) | – | –/{max(r['fpr'] for r in sub):.3f} | – |")
                continue
            met = sum(r["tpr"] >= 0.95 and r["fpr"] <= 0.05 for r in sub)
            print(f"| {method} | {attack} | {met}/{len(sub)} | "
                  f"{min(r['tpr'] for r in sub):.2f}/{max(r['fpr'] for r in sub):.3f} | "
                  f"{min(r['tpr_at_5pct_fpr'] for r in sub):.2f} |")


def rescored(row: dict, calibrators: dict) -> float:
    """The probability ``calibrators`` give a stored ``zoo eval`` row (its features, family
    and traits), as a verdict's calibration would: the same rows under another
    calibration file without running the detector again."""
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import calibrate

    verdict = ModelVerdict(row["method"], row["statistic"], [], [], dict(row["features"]),
                           traits=list(row.get("traits", [])))
    verdict.family = row.get("family", "")
    return float(calibrate(verdict, calibrators).probability)


def families(zoos: list[str], rows_files: list[str], calibration: str | None = None) -> None:
    """Per-family figures of model-level zoo evaluations (architecture, target, attack); several
    zoos (each with its rows file, in the same order) are pooled. ``calibration``: the rows'
    probabilities recomputed from their stored features with that calibration file."""
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.zoo import read_truth

    if len(zoos) != len(rows_files):
        raise SystemExit("error: give one --rows file per --zoo")
    arch, rows = {}, []
    for zoo, rows_file in zip(zoos, rows_files, strict=True):
        with open(rows_file) as fh:
            part = json.load(fh)["rows"]
        if all("arch" in r for r in part):  # packed rows (bench_tabular_calibrate --pack)
            arch.update({(zoo, r["name"]): r["arch"] for r in part})
        else:
            arch.update({(zoo, e.name): e.arch for e in read_truth(zoo)[1]})
        rows += [{**r, "name": (zoo, r["name"])} for r in part]
    if calibration is not None:
        calibrators = load_calibrators(calibration)
        rows = [{**r, "probability": rescored(r, calibrators)} for r in rows]
    groups = {a: [r for r in rows if arch[r["name"]] == a] for a in sorted(set(arch.values()))}
    for t in sorted({r["target"] for r in rows if r["backdoored"]}):
        groups[f"target {t} (+ every clean)"] = [
            r for r in rows if not r["backdoored"] or r["target"] == t]
    for a in sorted(set(arch.values())):  # each family's backdoors per target
        for t in sorted({r["target"] for r in rows if r["backdoored"]}):
            groups[f"{a} target {t} (+ its clean)"] = [
                r for r in groups[a] if not r["backdoored"] or r["target"] == t]
    for a in sorted({r["attack"] for r in rows if r["backdoored"]}):
        groups[f"{a} (+ every clean)"] = [
            r for r in rows if not r["backdoored"] or r["attack"] == a]
    groups["all"] = rows
    from sklearn.metrics import log_loss

    print("| family | models (backdoored) | ROC-AUC | cross-entropy | backdoored flagged |"
          " clean flagged | target right (flagged) | median s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, sub in groups.items():
        bad = [r for r in sub if r["backdoored"]]
        hit = [r for r in bad if r["probability"] >= 0.5]
        clean_hit = sum(r["probability"] >= 0.5 for r in sub if not r["backdoored"])
        right = sum(r["predicted_target"] == r["target"] for r in hit)
        labels = [int(r["backdoored"]) for r in sub]
        probs = [r["probability"] for r in sub]
        if len(set(labels)) < 2:
            continue
        print(f"| {name} | {len(sub)} ({len(bad)}) | {roc_auc_score(labels, probs):.3f} | "
              f"{log_loss(labels, probs, labels=[0, 1]):.3f} | {len(hit)}/{len(bad)} | "
              f"{clean_hit}/{len(sub) - len(bad)} | {right}/{len(hit)} | "
              f"{np.median([r['elapsed_s'] for r in sub]):.1f} |")
    raw_groups = [a for a in sorted(set(arch.values()))]  # each family, then per target
    raw_groups += [g for g in groups if " target " in g and g.split()[0] in raw_groups]
    for a in raw_groups:  # the raw family features, before the calibrator
        sub = groups[a]
        labels = [r["backdoored"] for r in sub]
        if len(set(labels)) < 2:
            continue
        # and the majority class's own evidence (tab_major_*, issue 16 step 8) where recorded
        major = sorted({f for r in sub for f in r["features"] if f.startswith("tab_major_")})
        raw = {f: roc_auc_score(labels, [r["features"].get(f, 0.0) for r in sub])
               for f in ("tab_excess", "tab_excess_gap", "tab_mass", "tab_mass_group", "tab_box",
                         "tab_score", *major)}
        print(f"{a}: raw ROC-AUC " + ", ".join(f"{f} {v:.3f}" for f, v in raw.items()))


def masses(zoo: str) -> None:
    """Per tree model of ``zoo``: the missing training mass per class (:mod:`tree_mass`)."""
    from trojanscope.detect.tree_mass import missing_mass
    from trojanscope.io.models import load_model
    from trojanscope.zoo import read_truth

    dataset, entries = read_truth(zoo)
    test = load_dataset(dataset, "test")
    x = test.get_batch(torch.arange(len(test)))[0].numpy()
    print("| model | arch | target | missing mass per class |")
    print("|---|---|---|---|")
    for e in entries:
        model = load_model(f"{zoo}/{e.name}").module
        if not hasattr(model, "leaf_shares"):
            continue
        mass = missing_mass(model.leaf_shares(x, 30), len(x), test.num_classes)
        print(f"| {e.name} | {e.arch} | {e.target if e.backdoored else '–'} | "
              f"{', '.join(f'{m:.1f}' for m in mass)} |")


def mass_by_target(zoos: list[str]) -> None:
    """Trees of ``zoos`` (pooled), per library and target (+ every clean model of the
    library): ROC-AUC of the missing mass (first 30 trees) as ``tab_mass`` takes it (the
    largest class) and of the target class's alone, with XGBoost's rows weighted by their
    hessians (as detection does) and unweighted; and how often a backdoor's target class
    has less missing mass than the other class (the target hidden under the other class's
    natural deficits)."""
    from unittest import mock

    from bench_tabular_xgb_poison import tree_models
    from trojanscope.detect.tree_mass import missing_mass
    from trojanscope.models.trees import XGBoostModel

    rows = []
    for _, e, model, x, classes in tree_models(zoos):
        per = {}
        for weighting in ("hessian", "unweighted"):
            with mock.patch.object(XGBoostModel, "_hessian_weights",
                                   lambda self, d, n, t, k: np.ones(n)) \
                    if weighting == "unweighted" else contextlib.nullcontext():
                records = [r for r in model.leaf_records(x, 30) if r.strength > 0]
            per[weighting] = missing_mass([(r.cls, r.train, r.clean) for r in records],
                                          len(x), classes)
        rows.append((e.arch, e.backdoored, e.target, per))
    print("| library | target (+ clean) | models (backdoored) | weighting | max-class AUC | "
          "target-class AUC | target below the other class |")
    print("|---|---|---|---|---|---|---|")
    for arch in sorted({r[0] for r in rows}):
        for target in (0, 1):
            sel = [r for r in rows if r[0] == arch and (not r[1] or r[2] == target)]
            truth = [int(r[1]) for r in sel]
            if len(set(truth)) < 2:
                continue
            for weighting in ("hessian", "unweighted") if arch == "xgboost" else ("hessian",):
                top = roc_auc_score(truth, [r[3][weighting].max() for r in sel])
                own = roc_auc_score(truth, [r[3][weighting][target] for r in sel])
                hidden = sum(r[3][weighting][target] < r[3][weighting][1 - target]
                             for r in sel if r[1])
                print(f"| {arch} | {target} | {len(sel)} ({sum(truth)}) | "
                      f"{weighting if arch == 'xgboost' else 'counts'} | {top:.3f} | "
                      f"{own:.3f} | {hidden}/{sum(truth)} |")
        clean = [r[3]["hessian"] for r in rows if r[0] == arch and not r[1]]
        above = sum(m[1] > m[0] for m in clean)
        print(f"{arch}: clean models whose class-1 mass exceeds class 0's: {above}/{len(clean)}")


def excesses(zoos: list[str]) -> None:
    """Per architecture over ``zoos`` (pooled): ROC-AUC of the excess over the data
    (:mod:`tabular_excess`), computed for every model, trees included (the detector skips it
    for trees), against the zoos' test split as the clean rows."""
    from trojanscope.data.tabular.table import schema_of
    from trojanscope.detect.tabular_excess import class_excess, reference_model
    from trojanscope.detect.tabular_search import TabularSearch
    from trojanscope.io.models import load_model
    from trojanscope.zoo import effective, read_truth

    found: dict[str, list[tuple[bool, float, str]]] = {}
    for zoo in zoos:
        dataset, entries = read_truth(zoo)
        test = load_dataset(dataset, "test")
        x, y = test.get_batch(torch.arange(len(test)))
        ref = reference_model(x, y, test.num_classes, seed=0)
        for e in [e for e in entries if effective(e)]:
            model = load_model(f"{zoo}/{e.name}").module.eval()
            cands = TabularSearch().candidates(model, schema_of(test), x)
            ex = [class_excess(model, ref, x[y != c], c, cands)[0]
                  for c in range(test.num_classes)]
            found.setdefault(e.arch, []).append((e.backdoored, max(ex), f"{zoo}/{e.name}"))
            print(f"{zoo}/{e.name} {e.arch} {e.target if e.backdoored else '-'} "
                  f"excess {', '.join(f'{v:.3f}' for v in ex)}", flush=True)
    print("| arch | models (backdoored) | ROC-AUC of tab_excess | clean range | backdoored range |")
    print("|---|---|---|---|---|")
    for arch, rows in sorted(found.items()):
        labels, values = [r[0] for r in rows], [r[1] for r in rows]
        clean = [v for b, v in zip(labels, values, strict=True) if not b]
        bad = [v for b, v in zip(labels, values, strict=True) if b]
        print(f"| {arch} | {len(rows)} ({len(bad)}) | {roc_auc_score(labels, values):.3f} | "
              f"{min(clean):.2f}–{max(clean):.2f} | {min(bad):.2f}–{max(bad):.2f} |")


def poison_groups(base: int, params: dict[str, float]) -> None:
    """Per dirty-label set with target 0 (the majority label) of ``--base``: the columns its
    poison rows share, how many rows hold each value (poison, natural per label), whether
    the group's shrunk label share beats the table's (else it is never scored), and the five
    best groups with their disagreement ``d``."""
    from trojanscope.data.tabular.table import schema_of
    from trojanscope.detect.data.label_groups import LabelGroups, group_scores, shared_columns
    from trojanscope.detect.data.shared_values import value_codes

    number = 0
    for ds in ("credit-default", "lending-club"):
        train = load_dataset(ds, "train")
        for name, target in [(a, t) for a in ATTACKS for t in (0, 1)]:
            seed = base + number
            number += 1
            if target != 0 or name == "tabular-clean-label":
                continue
            data, mask = poisoned_set(name, train, target, seed)
            schema = schema_of(data)
            codes = value_codes(data.x.numpy().reshape(len(mask), -1), schema)
            labels = data.y.numpy().astype(np.int64)
            p = LabelGroups(**params)
            scores, groups = group_scores(codes, labels, p)
            share = float((labels == 0).mean())
            print(f"{ds} {name} target 0 (seed {seed}): {int(mask.sum())} poison rows, "
                  f"label-0 share {share:.3f}, poison suspicion median "
                  f"{np.median(scores[mask]):.2f}, 97th percentile of all "
                  f"{np.quantile(scores, p.top):.2f}")
            for j, v in shared_columns(codes[mask]).items():
                holds = codes[:, j] == v
                k, n = int((holds & (labels == 0)).sum()), int(holds.sum())
                q = (k + p.prior * share) / (n + p.prior)
                print(f"  {schema.columns[j].name}: {n} rows hold it, {int((holds & mask).sum())}"
                      f" poison, {int((holds & ~mask & (labels == 0)).sum())} natural label 0, "
                      f"{int((holds & (labels == 1)).sum())} label 1; shrunk share {q:.3f}"
                      f"{' (scored)' if q > share else ' (not scored)'}")
            for g in groups[:5]:
                col = g["column"]
                member = (codes[:, col] == codes[g["row"], col]) & (labels == g["label"])
                print(f"  best: label {g['label']} {schema.columns[col].name} ({g['rows']} rows,"
                      f" {int(mask[member].sum())} poison) score {g['score']:.2f} d {g['d']:.2f}")


DESIGNS = {
    "search + mass": ["tab_score", "tab_flip_1", "tab_tree", "tab_mass"],
    "search + mass + excess": ["tab_score", "tab_flip_1", "tab_tree", "tab_mass", "tab_excess"],
    "score + mass + excess": ["tab_score", "tab_tree", "tab_mass", "tab_excess"],
    "mass + excess": ["tab_tree", "tab_mass", "tab_excess"],
}


def choose(rows_files: list[str]) -> None:
    """Calibrator designs compared on CALIBRATION zoo rows only (``zoo eval --json`` of the
    calibration zoos): leave-one-out cross-entropy and ROC-AUC of logistic regressions over
    feature subsets, plain or log-compressed, several C; per architecture too."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    from trojanscope.detect.calibration import _clip, _transform

    rows = []
    for name in rows_files:
        with open(name) as fh:
            rows += json.load(fh)["rows"]
    labels = np.array([int(r["backdoored"]) for r in rows])
    tree = np.array([r["features"]["tab_tree"] > 0 for r in rows])
    print("| features | transform | C | LOO cross-entropy | LOO ROC-AUC | networks | trees |")
    print("|---|---|---|---|---|---|---|")
    for name, feats in DESIGNS.items():
        for kind in ("none", "log"):
            x = np.array([[_transform(_clip(r["features"][f]), kind) for f in feats]
                          for r in rows])
            for c in (1.0, 10.0):
                p = np.zeros(len(rows))
                for i in range(len(rows)):
                    keep = np.arange(len(rows)) != i
                    mean, scale = x[keep].mean(0), x[keep].std(0)
                    scale[scale == 0] = 1.0
                    fit = LogisticRegression(C=c, max_iter=2000).fit(
                        (x[keep] - mean) / scale, labels[keep])
                    p[i] = fit.predict_proba(((x[i] - mean) / scale)[None])[0, 1]
                print(f"| {name} | {kind} | {c:g} | {log_loss(labels, p):.3f} | "
                      f"{roc_auc_score(labels, p):.3f} | "
                      f"{roc_auc_score(labels[~tree], p[~tree]):.3f} | "
                      f"{roc_auc_score(labels[tree], p[tree]):.3f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true",
                        help="also run shared-values and the image default (a feature MLP)")
    parser.add_argument("--base", type=int, default=2000,
                        help="seed of the first poisoned set (2000: evaluation)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--no-conjunctions", dest="conjunctions", action="store_false",
                        help="leave out the tabular-conjunction family (the sets before stop 47)")
    parser.add_argument("-p", "--param", action="append", default=[],
                        help="label-groups parameter NAME=VALUE (repeatable)")
    parser.add_argument("--zoo", nargs="+", default=None,
                        help="with --rows: per-family zoo figures (several zoos: pooled)")
    parser.add_argument("--rows", nargs="+", default=None)
    parser.add_argument("--calibration", default=None,
                        help="with --zoo/--rows: rescore the stored features with this "
                             "calibration file (e.g. an earlier commit's)")
    parser.add_argument("--mass", default=None, help="a zoo: its trees' missing training mass")
    parser.add_argument("--mass-target", nargs="+", default=None,
                        help="zoos: trees' missing mass by target, hessian-weighted or not")
    parser.add_argument("--excess", nargs="+", default=None,
                        help="zoos: ROC-AUC of tab_excess per architecture (trees included)")
    parser.add_argument("--choose", nargs="+", default=None,
                        help="calibration zoos' `zoo eval --json` rows: calibrator designs")
    parser.add_argument("--poison-groups", action="store_true",
                        help="with --base: the target-0 sets' poison groups, diagnosed")
    args = parser.parse_args()
    params = {k: float(v) for k, v in (p.split("=", 1) for p in args.param)}
    if args.poison_groups:
        poison_groups(args.base, params)
        return
    if args.choose:
        choose(args.choose)
        return
    if args.mass_target:
        mass_by_target(args.mass_target)
        return
    if args.excess:
        excesses(args.excess)
        return
    if args.mass:
        masses(args.mass)
        return
    if args.zoo:
        families(args.zoo, args.rows, args.calibration)
        return
    rows = []
    print("| data | attack | target | poison | method | ROC-AUC | TPR@FPR≤5% | flags TPR/FPR |"
          " time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ds, name, target, seed, data, mask in scored_sets(args.base, args.conjunctions):
        methods = ["label-groups"] + (["shared-values", "auto-image"] if args.compare else [])
        for method in methods:
            t0 = time.perf_counter()
            if method == "auto-image":  # the image default: the rows without schema
                plain = TensorDataset(data.x, data.y, data.class_names, data.name)
                result = detect_data(plain, method="auto")
            elif method == "label-groups":
                result = detect_data(data, method=method, **params)
            else:
                result = detect_data(data, method=method)
            row = {"dataset": ds, "attack": name, "target": target, "seed": seed,
                   "poison": int(mask.sum()), "method": method, **score(result, mask),
                   "wall_s": time.perf_counter() - t0}
            rows.append(row)
            print(f"| {ds} | {name} | {target if mask.any() else '–'} | {row['poison']} | "
                  f"{method} | {row['roc_auc']:.3f} | {row['tpr_at_5pct_fpr']:.2f} | "
                  f"{row['tpr']:.2f}/{row['fpr']:.3f} | {row['wall_s']:.1f} s |",
                  flush=True)
    summary(rows)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
