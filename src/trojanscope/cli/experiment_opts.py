"""Options shared by ``train`` and ``attack``, and the code that runs and reports an experiment."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from trojanscope.cli.common import (
    OutputFormat,
    print_json,
    refuse_early,
    stderr_console,
    stdout_console,
)
from trojanscope.cli.lean_notes import lean_notes
from trojanscope.defaults import PRETRAINED_LR, TRAINING

if TYPE_CHECKING:
    from trojanscope.attacks.base import Attack
    from trojanscope.defences.base import Defence
    from trojanscope.engine.train import Trainer
    from trojanscope.experiment import ExperimentResult

DATASET = typer.Option(
    "mnist",
    "--dataset",
    "-d",
    help="Bundled dataset name or a path (.npz, image folder, CIFAR-10, GTSRB, CSV/Parquet table, "
    "text .csv/.jsonl).",
)
ARCH = typer.Option("cnn", "--arch", help="Architecture (see `trojanscope list arch`).")
ARCH_PARAM = typer.Option(
    None, "--arch-param", help="Architecture parameter name=value (repeatable)."
)
EPOCHS = typer.Option(TRAINING["epochs"], "--epochs", min=1, help="Training epochs.")
STEPS = typer.Option(
    None, "--steps", min=1, help="Total optimisation steps, whatever the data's size (instead "
    "of --epochs passes): retrain a cleaned set as long as the whole set trained.",
)
BATCH = typer.Option(TRAINING["batch_size"], "--batch-size", min=1, help="Samples per step.")
LR = typer.Option(
    None, "--lr", help=f"Learning rate, in (0, 10]; default {TRAINING['lr']:g}, or "
    f"{PRETRAINED_LR['minilm']:g} for a pretrained transformer (--arch minilm).",
)


def learning_rate(lr: float | None, arch: str) -> float:
    """The rate given with --lr, else the architecture's own default (a pretrained model is
    fine-tuned far more gently than the recipe trains a model from scratch)."""
    if lr is not None:
        return lr
    return PRETRAINED_LR.get(arch, TRAINING["lr"])


def refuse_names_early(arch: str, defence: str | None, trigger: str | None = None) -> None:
    """An unknown ``--arch``, ``--defence`` or ``--trigger`` refused before torch is imported
    (:func:`trojanscope.cli.common.refuse_early`)."""
    for kind, name in (("arch", arch), ("defence", defence), ("trigger", trigger)):
        refuse_early(None, kind, name)


def check_lr(lr: float | None) -> None:
    """``--lr`` in its range (:data:`trojanscope.params.NAMED_RANGES`, the engine's), refused in
    one line before torch is imported."""
    if lr is None:
        return
    from trojanscope.errors import UserInputError
    from trojanscope.params import NAMED_RANGES

    low, high, _, _ = NAMED_RANGES["lr"]  # above low, at most high
    if not low < lr <= high:  # NaN fails it too
        raise UserInputError(f"--lr must be a number > {low:g} and <= {high:g}, got {lr}")


OPTIM = typer.Option(TRAINING["optimizer"], "--optimizer", help="adam or sgd.")
# what the command sets in every architecture from the data (not an --arch-param)
ARCH_SET = {  # what the command sets from the data (given with -p, silently replaced before)
    "input_shape": "the data",
    "num_classes": "the data",
    "vocab_size": "the training sentences (the word vocabulary fitted on them)",
}
SEED = typer.Option(
    0, "--seed", min=0, max=2**63 - 1,
        help="Seed for every random choice (same seed, same numbers)."
)
OUT = typer.Option(..., "--out", "-o", help="Output folder (written atomically).")
FORCE = typer.Option(False, "--force", help="Replace a non-empty --out.")
FORMAT = typer.Option(OutputFormat.table, "--format", help="table (human) or json (stdout).")
NO_EXPORT = typer.Option(False, "--no-export", help="Skip the TorchScript and ONNX exports.")
DEFENCE = typer.Option(
    None, "--defence", help="Train with a training-time defence (see `trojanscope list defence`)."
)
DEFENCE_PARAM = typer.Option(
    None, "--defence-param", help="Defence parameter name=value (repeatable), e.g. isolation=loss."
)
PARTITIONS = typer.Option(
    None, "--partitions", min=1, help="Number of partitions K (defence dpa only)."
)


def make_defence(
    name: str | None, params: dict[str, Any], partitions: int | None
) -> Defence | None:
    """The defence the options ask for, or None; ``--partitions`` is DPA's K."""
    from trojanscope.defences import create_defence
    from trojanscope.errors import UserInputError

    if name is None:
        if params or partitions is not None:
            raise UserInputError("--defence-param and --partitions need --defence")
        return None
    if partitions is not None:
        if name != "dpa":
            raise UserInputError(f"--partitions applies to --defence dpa only, not {name!r}")
        params = {**params, "partitions": partitions}
    return create_defence(name, **params)


def run_and_report(
    *,
    dataset: str,
    data_params: dict[str, Any] | None = None,
    attack: Attack | None,
    arch: str,
    arch_params: dict[str, Any],
    trainer: Trainer,
    seed: int,
    out: Path,
    force: bool,
    fmt: OutputFormat,
    exports: bool,
    defence: Defence | None = None,
) -> ExperimentResult:
    """Run the experiment with a progress bar, save it, and print the metrics."""
    from trojanscope.cli.progress import ProgressCallback
    from trojanscope.engine.callbacks import FinalFit
    from trojanscope.experiment import check_output_dir, run_experiment, save_experiment

    check_output_dir(out, force)  # fail before any expensive work
    final = FinalFit()
    start = time.perf_counter()
    result = run_experiment(
        dataset,
        data_params=data_params,
        attack=attack,
        arch=arch,
        arch_params=arch_params,
        trainer=trainer,
        seed=seed,
        callbacks=[ProgressCallback("attack" if attack else "train"), final],
        defence=defence,
    )
    manifest = save_experiment(result, out, force=force, exports=exports)
    elapsed = time.perf_counter() - start
    details = (getattr(manifest, "defence", None) or {}).get("details") or {}
    notes = [f"{defence.name if defence else 'defence'}: {note}"  # what it could not judge
             for note in details.get("isolation_notes", ())]
    said = defence.said(details, len(result.train)) if defence is not None else None
    if said:  # what the defence did, before the caveats on it (stop 75: ABL; hrev: any)
        notes.insert(0, f"{defence.name}: {said}")
    network = "trainer" in result.manifest.training  # a network, our loop (not a tree)
    if network and final.samples:  # with or without a defence (stop 75: ABL had no note)
        notes += training_notes(trainer, final.samples)
    from trojanscope.cli.rare_label import rare_label_notes

    aimed = attack if attack is not None and getattr(attack, "mapping", "") == "all-to-one" \
        else None
    rare = rare_label_notes(result.metrics, result.manifest.class_names,
                            getattr(aimed, "target", None))  # a two-class table (stop 82)
    notes += (attack_notes(result.metrics, network, result.test.y)
              or (chance_notes(result.metrics, result.test.y, network) if rare is None else []))
    notes += rare or []
    notes += floor_notes(manifest.attack.model_dump() if manifest.attack else {})
    notes += copies_notes(manifest.attack.model_dump() if manifest.attack else {})
    notes += lean_notes(manifest.attack.model_dump() if manifest.attack else {})
    from trojanscope.data.tabular.table import schema_of

    notes += untaken_notes(result.metrics, defence.name if defence else None,
                           table=schema_of(result.test) is not None,
                           copies=bool(getattr(manifest.attack, "added_rows", None)))
    for note in notes:
        stderr_console().print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    if fmt is OutputFormat.json:
        print_json(
            {
                "out": str(out),
                "dataset": dataset,
                "arch": arch,
                "attack": manifest.attack.model_dump(mode="json") if manifest.attack else None,
                "defence": getattr(manifest, "defence", None),
                "seed": seed,
                "metrics": result.metrics,
                "timings": {**result.timings, "total_s": elapsed},
                "files": manifest.files,
            }
        )
    else:
        what = f"attack {attack.name}" if attack else "clean model"
        if defence is not None:
            what = f"{what if attack else 'model'} with defence {defence.name}"
        table = Table(title=f"{what} on {dataset} ({arch})")
        table.add_column("metric")
        table.add_column("value", justify="right")
        table.add_row("clean accuracy (CA)", f"{result.metrics['clean_accuracy']:.2%}")
        from trojanscope.cli.rare_label import rare_label_row

        row = rare_label_row(result.metrics, result.manifest.class_names)
        if row is not None:  # the rare label's rows it flags: a fraud table's CA reads the rest
            table.add_row(*row)
        if attack is not None:
            table.add_row(
                "attack success rate (ASR)", f"{result.metrics['attack_success_rate']:.2%}"
            )
            n = result.metrics["n_flippable"]
            table.add_row(
                "flip rate (of the inputs not at the target without the trigger)",
                f"{result.metrics['flip_rate']:.2%} of {n}" if n else "none: all at the target",
            )
            table.add_row("robust accuracy (RA)", f"{result.metrics['robust_accuracy']:.2%}")
            added = getattr(manifest.attack, "added_rows", None) if manifest.attack else None
            table.add_row(
                "poisoned training samples",
                str(manifest.attack.poison_count if manifest.attack else 0)
                + (" (added copies)" if added else ""),
            )
        flagged = (getattr(manifest, "defence", None) or {}).get("flagged")
        if flagged:
            table.add_row(
                "flagged by the defence (poison among them)",
                f"{flagged['count']} ({flagged['poison_found']} of {flagged['poison_total']})",
            )
        table.add_row("time", f"{elapsed:.1f} s")
        stdout_console().print(table)
        stderr_console().print(f"wrote {out}/ ({', '.join(sorted(manifest.files))}, manifest.json)")
    return result


# Fewer optimisation steps than SHORT_STEPS: the run's figures are an undertrained model's (stop
# 61: the README's `attack --dataset my_data.npz --arch mlp` on a user's 200 images trained 24
# steps, 8 epochs of 3, to CA 57.5%); the note proposes the epochs that reach AIM_STEPS.
SHORT_STEPS = 100
AIM_STEPS = 300


def training_notes(trainer: Trainer, n_train: int) -> list[str]:
    """A note where the network was trained fewer than :data:`SHORT_STEPS` steps (a small file
    at the recipe's 8 epochs), naming the steps and the ``--epochs`` (or ``--steps``) that give
    :data:`AIM_STEPS` or more; nothing otherwise."""
    per_epoch = max(1, math.ceil(n_train / trainer.batch_size))
    steps = trainer.steps if trainer.steps is not None else trainer.epochs * per_epoch
    if steps >= SHORT_STEPS:
        return []
    if trainer.steps is not None:
        how, more, aim = f"--steps {steps}", f"--steps {AIM_STEPS}", AIM_STEPS
    else:
        epochs = math.ceil(AIM_STEPS / per_epoch)
        plural = "s" if trainer.epochs != 1 else ""
        how, more = f"{trainer.epochs} epoch{plural} of {per_epoch}", f"--epochs {epochs}"
        aim = epochs * per_epoch
    return [f"the network was trained {steps} optimisation step{'s' if steps != 1 else ''} "
            f"only ({how}, batches of {trainer.batch_size} from {n_train} training samples), "
            "so its figures are an undertrained model's: on a file this small, train longer "
            f"({more} gives {aim} steps)"]


# CA within this many points of always answering the commonest test class: a note (stop 64: the
# docs' TextCNN line on a user's 2,500 review sentences gave CA 53.60% against 50-51%, no word)
NEAR_CHANCE = 0.05


def chance_notes(metrics: dict[str, Any], test_labels: Any, network: bool = True) -> list[str]:
    """A note where the clean accuracy is below, or within :data:`NEAR_CHANCE` above, the share
    of the test split's commonest class, which a model gets without learning anything; nothing
    otherwise. ``network``: trained by the project's loop, so ``--epochs`` applies (a tree
    model's training takes no epochs: stop 72, a LightGBM run was told to train longer)."""
    ca, share = metrics.get("clean_accuracy"), commonest_share(test_labels)
    if ca is None or share is None:
        return []
    if ca >= share + NEAR_CHANCE:
        return []
    # compared as printed: a float32 CA of 43/60 is a hair under 43/60 (stop 72: "CA 71.67% is
    # below the 71.67%" on a user's 300-row table)
    if f"{ca:.2%}" == f"{share:.2%}":
        near = "no better than"
    else:
        near = "below" if ca < share else f"within {NEAR_CHANCE * 100:g} points of"
    return [f"CA {ca:.2%} is {near} the {share:.2%} a model gets by always answering the test "
            "split's commonest class: it has barely learnt the task, so the other figures say "
            f"little; {more_training(network)}"]


def commonest_share(test_labels: Any) -> float | None:
    """The share of ``test_labels`` (class indices) its commonest class holds: what a model
    gets by always answering it (:func:`chance_notes`, :func:`attack_notes`); None where no
    labels are given."""
    import numpy as np

    labels = np.asarray(test_labels if test_labels is not None else []).ravel()
    return float(np.bincount(labels.astype(np.int64)).max() / len(labels)) if len(labels) else None


def more_training(network: bool) -> str:
    """What to do about a model that has not learnt its task: ``--epochs`` for a network
    trained by the project's loop; a tree model's training takes no epochs (stop 72 for the
    chance note; stop 77 for the attack note, which told a LightGBM run ``--epochs``)."""
    return ("train longer (--epochs) or on more data" if network else "train it on more "
            "rows, or grow it otherwise (--arch-param n_estimators=N, max_depth=N)")


def floor_notes(attack: dict[str, Any]) -> list[str]:
    """A note where the default rate poisoned fewer rows than the attack's floor and the floor
    was poisoned instead (``poison_floor`` in the manifest; issue 16 stop 76, hatk)."""
    floored = attack.get("poison_floor")
    if not floored:
        return []
    return [f"the default rate ({attack['poison_rate']:g} of the {floored['eligible']} training "
            f"rows the attack may poison) gives {floored['rate_count']} "
            f"row{'' if floored['rate_count'] == 1 else 's'}, too few for a "
            f"backdoor to take on a small table; it poisoned {floored['floor']} rows instead "
            "(--poison-rate keeps a rate as given)"]


def copies_notes(attack: dict[str, Any]) -> list[str]:
    """A note where the attack added triggered copies instead of relabelling rows in place
    (``added_rows`` in the manifest; issue 16 stop 77, hatk): how many, why where the attack
    chose it itself, and a ``--poison-rate`` or ``min_poison_rows`` given beside them, which
    they leave unused (``unused``; the stop-77 read-through, hrev: the run said nothing of a
    rate of 0.2 it did not apply, and the manifest records it)."""
    added = attack.get("added_rows")
    if not added:
        return []
    to = attack.get("target") if attack.get("target") is not None else "as the mapping says"
    why = (f"; the default rate ({attack['poison_rate']:g} of them) would have relabelled "
           f"{added['rate_count']}, too few for a backdoor to take on a small table "
           "(--poison-rate keeps a rate as given; --attack-param copies=0 relabels the rate's "
           "rows in place)" if added.get("auto") else "")
    each = added.get("paired", 0) // max(added["copies"], 1)
    pairs = ("" if not each else f", with a clean copy of each ({added['paired']} rows, label "
             "kept)" if each == 1 else f", with {each} clean copies of each "
             f"({added['paired']} rows, labels kept)")
    unused = added.get("unused") or []  # given beside copies, which replace them
    idle = (f"; {' and '.join(unused)}, given, {'is' if len(unused) == 1 else 'are'} not used: "
            "copies add rows and relabel none" if unused else "")
    return [f"added {added['copies']} triggered copies of the {added['eligible']} training rows "
            f"the attack may poison, labelled {to}{pairs}, to the "
            f"{added['train_rows']}-row training split; every real row keeps its label{why}"
            f"{idle}"]


def untaken_notes(metrics: dict[str, Any], defence: str | None = None,
                  table: bool = True, copies: bool = False) -> list[str]:
    """A note where the trigger moved fewer than the zoos' ``MIN_FLIP`` of at least
    ``MIN_FLIPPABLE`` test inputs it could move (issue 16 stop 76: the README's LightGBM line on
    a user's 300-row table poisons 3 rows and moves 1 of 5; `detect` reads it clean, which the
    zoos' rule does not count as a miss); nothing otherwise, or where no input was left to move
    (:func:`attack_notes` says so). Where the trigger moved most of too few inputs, the note says
    they are too few to tell, not that the model is not backdoored, and asks for more rows, not
    more poison (stop 78 first contact: 10 copies moved 9 of 9). ``defence``: the training-time
    defence the run used; there a low flip rate is what the defence aims at, so the note says so
    and proposes no more poison
    (stop 76 read-through, hrev: docs/certification.md's MNIST knn-filter run, 0 of 896 moved,
    was told to poison more rows). ``table``: rows and a table in the advice, else samples and
    data; ``copies``: the attack added triggered copies (stop 77), so the advice is more of
    them, not a rate (a rate given turns only the automatic copies off)."""
    from trojanscope.zoo import MIN_FLIP, MIN_FLIPPABLE

    n, flip = metrics.get("n_flippable") or 0, metrics.get("flip_rate")
    if not n or flip is None or flip != flip or (n >= MIN_FLIPPABLE and flip >= MIN_FLIP):
        return []
    moved = (f"the trigger moved {round(flip * n)} of the {n} test inputs it could move "
             f"({flip:.0%}); the project's zoos count a backdoor only where it moves at least "
             f"{MIN_FLIP:.0%} of at least {MIN_FLIPPABLE} such inputs")
    if flip >= MIN_FLIP:  # most of too few (stop 78 first contact: 9 of 9 read "not backdoored")
        return [f"{moved}, so {n} are too few to tell whether it took: `detect` reading it "
                "clean would not count as a miss, nor would a flag count as a find; a larger "
                f"{'table' if table else 'data set'} gives the test split more of them"]
    if defence is not None:
        return [f"with the defence {defence}, {moved}, so by that rule the model trained with "
                "it holds no backdoor; the same run without --defence says whether the attack "
                "takes on this data at all"]
    more = ("add more copies (--attack-param copies=N) or give the attack a larger table"
            if copies else
            "poison more rows (--poison-rate) or give the attack a larger table" if table else
            "poison more samples (--poison-rate) or give the attack more data")
    return [f"{moved}, so by that rule this model is not backdoored and `detect` reading it "
            f"clean is not a miss; {more}"]


def attack_notes(metrics: dict[str, Any], network: bool = True,
                 test_labels: Any = None) -> list[str]:
    """What the figures of an attack run cannot say (stop 53: MiniLM fine-tuned two epochs on a
    user's 400 sentences gave every input one class, and an ASR of 100% that meant nothing).
    ``network``: as :func:`chance_notes`' (what to train more). ``test_labels``: the CA is put
    beside the share of the test split's commonest class (stop 79 first contact: "has not
    learnt the task (CA 96.67%)" on a fraud table whose commonest class holds 96.67%)."""
    if not metrics.get("n_triggered") or metrics.get("n_flippable", 1):
        return []
    common = commonest_share(test_labels)
    share = ("" if common is None else
             f"; always answering the test split's commonest class gets {common:.2%}")
    return [
        "without the trigger the model already gives every triggered test input the attacker's "
        "label (no input left for the trigger to flip), so the ASR says nothing about a "
        f"backdoor: the model has not learnt the task (CA {metrics['clean_accuracy']:.2%}"
        f"{share}); {more_training(network)}"
    ]
