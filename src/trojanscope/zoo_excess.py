"""A backdoor's effect beyond what clean models learn: its excess flip rate (issue 16, stop 35).

The flip rate (:func:`trojanscope.engine.metrics.flip_rate`) counts the triggered inputs a model
did not already give the attacker's label that the trigger sends there. On a table a trigger
can be a combination of the data's own risk factors, which clean models of the same recipe
follow too: a credit-default network trained without any poison gives 74-95% of the good rows
to "bad" when some planted triggers are set (stop 34b). The *excess flip rate* is the
backdoored model's flip rate less the mean flip rate the **same** trigger (the attack's own
test inputs) has on the zoo's clean models of the same architecture — what the poison added.

``zoo make --min-excess-flip X`` records it for every backdoor that took and leaves out of
``zoo eval``/``zoo calibrate`` (:func:`trojanscope.zoo.status` ``natural``) those below X.
Opt-in: the default acceptance is stop 31b's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from trojanscope.errors import UserInputError

# the metric keys a zoo entry records (``ZooEntry.metrics``)
CLEAN_FLIP = "clean_flip_rate"  # mean over the clean models of the same architecture
EXCESS_FLIP = "excess_flip_rate"  # flip_rate - clean_flip_rate
MIN_EXCESS = "min_excess_flip"  # the floor the zoo was built with (its presence turns it on)


def check_clean_references(entries: Sequence) -> None:
    """Every architecture a backdoor uses has a clean model in the zoo to compare with; else
    one error line before anything is trained."""
    clean = {e.arch for e in entries if not e.backdoored}
    missing = sorted({e.arch for e in entries if e.backdoored} - clean)
    if missing:
        raise UserInputError(
            f"--min-excess-flip compares each backdoor with the zoo's clean models of its "
            f"architecture; none is drawn for {', '.join(missing)} (add --clean models)"
        )


def excess_flips(zoo: str | Path, dataset: str, entries: Sequence) -> dict[str, dict]:
    """For each backdoor of ``entries`` that took (``status`` backdoored, or ``natural`` in a
    zoo judged by this before): its flip rate and
    ``n_flippable`` (as the zoo records them), each clean model's flip rate under the same
    trigger (``clean_flip_rates``: the zoo's effective clean models of its architecture; NaN
    where a clean model leaves fewer than ``MIN_FLIPPABLE`` triggered inputs off the target,
    as the zoo's own flip-rate rule: a rate over so few inputs is not a measurement), their
    mean and the excess. The mean is NaN when no clean model gives a figure: the excess is
    then NaN."""
    from trojanscope.data.resolve import load_dataset
    from trojanscope.engine.metrics import evaluate_attack
    from trojanscope.io.models import load_model
    from trojanscope.zoo import MIN_FLIPPABLE, build_attack, status

    test = load_dataset(dataset, "test")
    cache: dict[str, object] = {}

    def model(name: str):
        if name not in cache:
            cache[name] = load_model(Path(zoo) / name).module.eval()
        return cache[name]

    cleans = [e for e in entries if status(e) == "clean"]
    out = {}
    for e in entries:
        if status(e) not in ("backdoored", "natural"):
            continue
        attack = build_attack(e)
        own = evaluate_attack(model(e.name), test, attack)
        rates = []
        for c in cleans:
            if c.arch == e.arch:
                m = evaluate_attack(model(c.name), test, attack)
                rates.append(m.flip_rate if m.n_flippable >= MIN_FLIPPABLE else float("nan"))
        finite = [r for r in rates if r == r]
        mean = float(np.mean(finite)) if finite else float("nan")
        out[e.name] = {
            "flip_rate": own.flip_rate,
            "n_flippable": own.n_flippable,
            "clean_flip_rates": rates,
            CLEAN_FLIP: mean,
            EXCESS_FLIP: own.flip_rate - mean,
        }
    return out


def record_excess(entries: Sequence, figures: dict[str, dict], min_excess: float) -> None:
    """Write each measured backdoor's clean and excess flip rates, and the floor, into its
    metrics, so that :func:`trojanscope.zoo.status` judges it by them."""
    for e in entries:
        f = figures.get(e.name)
        if f is not None:
            e.metrics = {
                **e.metrics,
                CLEAN_FLIP: f[CLEAN_FLIP],
                EXCESS_FLIP: f[EXCESS_FLIP],
                MIN_EXCESS: float(min_excess),
            }


def check_min_excess(value: float | None) -> None:
    """A floor on a difference of two rates: in [-1, 1]; one error line otherwise."""
    if value is not None and not -1.0 <= value <= 1.0:
        raise UserInputError(
            f"--min-excess-flip {value}: a difference of rates in [-1, 1] is needed"
        )
