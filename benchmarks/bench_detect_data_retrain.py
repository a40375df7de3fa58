"""Where the CA cost of retraining on a cleaned set comes from (issue 13): the project's recipe
trained on the set without `auto`'s flags, on the set without the true poison (the oracle
cleaning), each with the recipe's fixed epochs (fewer samples, fewer optimisation steps) and
with the steps of the whole set held, against the same recipe on the unpoisoned split.

    PYTHONPATH=src python benchmarks/bench_detect_data_retrain.py --seed-base 7000 --sets 7,11 \
        [--variants oracle,oracle-steps,cleaned,cleaned-steps] [--cache DIR] [--reference] \
        [--json /tmp/h13/retrain.json] [--detect-only] [--differ-seeds 1,2] [--seeds 0,1,2,3,4]

Variants: ``cleaned`` (today's path: the unflagged samples, 8 epochs), ``oracle`` (the samples
not poisoned, 8 epochs: what removing exactly the poison costs), ``restored`` (``cleaned`` plus
the flagged samples whose own label a model of the unflagged ones predicts, ``--restore``),
``confident`` (``cleaned`` plus the flagged samples that model predicts at probability >= 0.9,
relabelled), ``confined`` (the unflagged samples of ``auto`` with ``confine=true``: flags
kept only in the classes the verdict names, unless the set shows the all-to-all signature; the
default since issue 13's stop 31, so ``cleaned`` is the same since then), ``unconfined``
(the same with ``confine=false``: ``cleaned`` before stop 31), ``recall`` (the default plus
``suspect_threshold`` = ``--recall-threshold``: the lower confusion cut in suspect classes,
issue 13's stop 31 recall step), ``second`` (the default plus ``recall_round``: a second
confusion round for the suspect classes, its pool without the first round's samples above the
clean ceiling), ``gated`` (``second`` whose flags need an early agreement under 1.0:
``recall_agree=1.0``, issue 13's stop 32), ``pure`` (the default plus ``pure_threshold`` =
``--pure-threshold``: suspect-class samples whose outside early neighbours share one label and
whose own-label probability after confusion is above it, issue 13's stop 32b; the default since
stop 33), ``typical`` (the default plus ``typical_agree`` = ``--typical-agree``: an infected
class's split group without the members typical of the class in the early view, issue 13's
stop 34; the default since stop 36, so ``confined`` is the same since then), ``untypical``
(the default with ``typical_agree`` off: ``confined`` before stop 36), ``sure`` (the default
plus ``outside_sure`` = ``--outside-sure``: an infected class's confusion flags outside its
poison group kept at that own-label probability whatever their early agreement, issue 13's
stop 38; the default since stop 38b, so ``confined`` is the same since then), ``unsure`` (the
default with ``outside_sure`` off: ``confined`` before stop 38b), ``spread`` (the default plus
``spread_sure_z`` = ``--spread-sure-z``: with the all-to-all signature, samples at that spectral
z flagged whatever their early agreement, issue 13's stop 39b), ``recount`` (the default plus
``spread_recount``: with the all-to-all signature, the spread cut once more on the early
agreement over neighbours not already flagged, issue 13's stop 40b), ``pairs`` (the default
plus ``pair_recall``: with the all-to-all signature, the members of the poison pairs read off
the flags that disagree with their early neighbours or pass the recount's cut, issue 13's stop
41; the default since stop 42, so ``pairs`` is ``confined`` since stop 42), ``unpaired`` (the
default with ``pair_recall`` off), ``outpure`` (the default plus ``outside_pure``: without the
all-to-all signature, in an infected class, samples off the poison group that disagree with
their early neighbours and look like one other class, issue 13's stop 42; the default since
then, so ``outpure`` is ``confined`` since stop 42), ``mended`` (the default plus
``pair_recall`` and ``outside_pure``: ``mended`` is ``confined`` since stop 42), ``unmended``
(the default with ``pair_recall`` and ``outside_pure`` off: ``confined`` before stop 42),
each also with ``-steps`` (trained for the optimisation steps of the whole set,
``train --steps``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detect_data import cached_features, make_attack, poisoned_sets  # noqa: E402
from trojanscope.data.resolve import load_dataset  # noqa: E402
from trojanscope.detect.data.relabel import flagged_probabilities  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402
from trojanscope.engine.train import recipe_steps  # noqa: E402

VARIANTS = ("oracle", "oracle-steps", "cleaned", "cleaned-steps")
CONFIDENT = 0.9  # ``confident``: a flagged sample kept, relabelled, at this probability


def train_eval(
    data,
    keep: np.ndarray,
    test,
    attack,
    seed: int,
    steps: int | None,
    labels: np.ndarray | None = None,
) -> dict:
    """CA/ASR of the project's recipe (small CNN) trained on ``data[keep]`` (with ``labels``:
    those labels instead of the given ones); ``steps``: total optimisation steps (None: the
    recipe's epochs over the kept samples)."""
    from trojanscope.defences.subset import IndexSubset
    from trojanscope.engine.metrics import evaluate_attack
    from trojanscope.engine.train import Trainer, seeded
    from trojanscope.models import create_model

    with seeded(seed):
        model = create_model("cnn", data.input_shape, data.num_classes)
    if labels is not None:
        from trojanscope.data.dataset import TensorDataset

        x, _ = data.get_batch(torch.arange(len(data)))
        data = TensorDataset(x, torch.as_tensor(labels), tuple(data.class_names), data.name)
    Trainer(seed=seed, steps=steps).fit(model, IndexSubset(data, torch.as_tensor(keep)))
    m = evaluate_attack(model, test, attack)
    return {"ca": m.clean_accuracy, "asr": m.attack_success_rate, "kept": len(keep)}


def train_variants(
    data, keeps: dict, labels: dict, variants: list[str], test, attack, seed: int
) -> dict:
    """Each variant's CA/ASR with training seed ``seed``; variants whose kept samples (and
    labels) are the same are trained once."""
    trained: dict[tuple, dict] = {}
    out = {}
    for v in variants:
        base, _, held = v.partition("-")
        key = (keeps[base].tobytes(), bool(held), base in labels)
        if key not in trained or base in labels:
            trained[key] = train_eval(
                data,
                keeps[base],
                test,
                attack,
                seed,
                recipe_steps(len(data)) if held else None,
                labels.get(base),
            )
        out[v] = trained[key]
    return out


def detection_variants(opts: argparse.Namespace) -> tuple[tuple[str, dict], ...]:
    """Each ``auto`` variant this bench can detect with (its name, its parameters), from the
    options that set some of them; the module docstring says what each is."""
    return (
        ("confined", {"confine": True}),
        ("unconfined", {"confine": False}),
        ("recall", {"suspect_threshold": opts.recall_threshold}),
        ("second", {"recall_round": True}),
        ("gated", {"recall_round": True, "recall_agree": 1.0}),
        ("pure", {"pure_threshold": opts.pure_threshold}),
        ("typical", {"typical_agree": opts.typical_agree}),
        ("untypical", {"typical_agree": None}),
        ("sure", {"outside_sure": opts.outside_sure}),
        ("unsure", {"outside_sure": None}),
        ("spread", {"spread_sure_z": opts.spread_sure_z}),
        ("recount", {"spread_recount": True}),
        ("pairs", {"pair_recall": True}),
        ("unpaired", {"pair_recall": False}),
        ("outpure", {"outside_pure": True}),
        ("mended", {"pair_recall": True, "outside_pure": True}),
        ("unmended", {"pair_recall": False, "outside_pure": False}),
    )


def training_seeds(
    train_seed: int, seeds: str, differ_seeds: str, differ: bool
) -> tuple[int, list[int]]:
    """The training seed of a row's own figures and the further seeds trained on its set:
    ``--seeds`` (comma-separated) on every set, its first one the row's; else ``--train-seed``,
    with ``--differ-seeds`` only where the variants' kept samples differ (``differ``), since
    equal kept samples give equal figures."""
    if seeds:
        chosen = [int(t) for t in seeds.split(",")]
        return chosen[0], chosen[1:]
    extra = [int(t) for t in differ_seeds.split(",") if t] if differ else []
    return train_seed, extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-base", type=int, default=7000)
    parser.add_argument(
        "--sets", required=True, help="comma-separated set numbers of bench_detect_data.sets"
    )
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--train-seed", type=int, default=0)
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also train the unpoisoned 4,000-image split (the reference)",
    )
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument(
        "--detect-only",
        action="store_true",
        help="detection figures of the variants (``confined``) only, no training",
    )
    parser.add_argument(
        "--recall-threshold",
        type=float,
        default=0.4,
        help="``recall``: auto's suspect_threshold (the confusion cut in suspect classes)",
    )
    parser.add_argument(
        "--pure-threshold",
        type=float,
        default=0.4,
        help="``pure``: auto's pure_threshold (issue 13, stop 32b)",
    )
    parser.add_argument(
        "--typical-agree",
        type=float,
        default=0.9,
        help="``typical``: auto's typical_agree (issue 13, stop 34)",
    )
    parser.add_argument(
        "--outside-sure",
        type=float,
        default=0.99,
        help="``sure``: auto's outside_sure (issue 13, stop 38)",
    )
    parser.add_argument(
        "--spread-sure-z",
        type=float,
        default=8.0,
        help="``spread``: auto's spread_sure_z (issue 13, stop 39b)",
    )
    parser.add_argument(
        "--differ-seeds",
        default="",
        help="comma-separated training seeds also run, in this process, on a "
        "set where the variants' kept samples differ (equal kept samples give "
        "equal figures); each row's ``seeds`` holds them by seed and variant",
    )
    parser.add_argument(
        "--seeds",
        default="",
        help="comma-separated training seeds run on every set in this process (instead of "
        "--train-seed and --differ-seeds), e.g. a single variant over seeds 0-4",
    )
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    first, _ = training_seeds(opts.train_seed, opts.seeds, "", False)
    test = load_dataset("mnist", "test")
    rows = []
    for s, data, poison, name in poisoned_sets(opts.seed_base, opts.sets):
        attack = make_attack(s)
        r = detect_data(data, features=cached_features(data, opts.cache, name))
        flags = np.zeros(len(poison), dtype=bool)
        flags[r.flagged] = True
        row = {
            "set": name,
            "n_poison": int(poison.sum()),
            "tpr": float((flags & poison).sum() / max(poison.sum(), 1)),
            "fpr": float((flags & ~poison).sum() / (~poison).sum()),
            "detect_s": round(r.elapsed_s, 2),
        }
        keeps = {"oracle": np.flatnonzero(~poison), "cleaned": np.asarray(r.keep)}
        for variant, params in detection_variants(opts):
            if variant not in {v.partition("-")[0] for v in opts.variants.split(",")}:
                continue
            rc = detect_data(data, features=cached_features(data, opts.cache, name), **params)
            flags_c = np.zeros(len(poison), dtype=bool)
            flags_c[rc.flagged] = True
            keeps[variant] = np.asarray(rc.keep)
            row.update(
                {
                    f"{variant}_tpr": float((flags_c & poison).sum() / max(poison.sum(), 1)),
                    f"{variant}_fpr": float((flags_c & ~poison).sum() / (~poison).sum()),
                    f"{variant}_flagged": len(rc.flagged),
                    f"{variant}_s": round(rc.elapsed_s, 2),
                }
            )
        row.update(flagged=len(r.flagged), poisoned=r.poisoned, targets=r.target_classes)
        labels = {}
        if {"restored", "confident"} & {v.partition("-")[0] for v in opts.variants.split(",")}:
            probs = flagged_probabilities(r, data, seed=0)
            given = data.labels.numpy()
            back = probs.argmax(1) == given[r.flagged]
            keeps["restored"] = np.sort(np.concatenate([r.keep, r.flagged[back]]))
            sure = probs.max(1) >= CONFIDENT
            keeps["confident"] = np.sort(np.concatenate([r.keep, r.flagged[sure]]))
            labels["confident"] = given.copy()
            labels["confident"][r.flagged] = probs.argmax(1)
            row["restored_poison"] = int(poison[r.flagged[back]].sum())
            row["restored_clean"] = int((~poison[r.flagged[back]]).sum())
            row["confident_poison"] = int(poison[r.flagged[sure]].sum())
        # T and C: the first two variants (a third one, e.g. ``restored``, is not the rule's)
        row["keeps_differ"] = (
            len({keeps[v.partition("-")[0]].tobytes() for v in opts.variants.split(",")[:2]}) > 1
        )
        variants = [] if opts.detect_only else opts.variants.split(",")
        row.update(train_variants(data, keeps, labels, variants, test, attack, first))
        chosen = {keeps[v.partition("-")[0]].tobytes() for v in variants}
        _, extra = training_seeds(opts.train_seed, opts.seeds, opts.differ_seeds, len(chosen) > 1)
        if extra and variants:
            row["seeds"] = {
                t: train_variants(data, keeps, labels, variants, test, attack, t) for t in extra
            }
        rows.append(row)
        print(json.dumps(row), flush=True)
    result = {"rows": rows, "train_seed": first}
    if opts.reference:
        train = load_dataset("mnist", "train")
        result["reference"] = train_eval(
            train, np.arange(len(train)), test, make_attack(s), first, None
        )
        print(json.dumps({"reference": result["reference"]}), flush=True)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
