"""``trojanscope attack``: poison data, train, evaluate CA/ASR/RA, save with ground truth."""

from __future__ import annotations

from pathlib import Path

import typer

from trojanscope import registry
from trojanscope.cli import experiment_opts as o
from trojanscope.cli.common import (
    LABEL_COLUMN,
    TEXT_COLUMN,
    OutputFormat,
    command,
    data_params,
    parse_params,
    refuse_early,
)
from trojanscope.params import check_share


def attack(
    attack: str = typer.Option(
        "badnets", "--attack", "-a", help="Attack (see `trojanscope list attack`)."
    ),
    dataset: str = o.DATASET,
    text_column: str | None = TEXT_COLUMN,
    label_column: str | None = LABEL_COLUMN,
    target: int = typer.Option(0, "--target", "-t", min=0, help="Target class (all-to-one)."),
    poison_rate: float = typer.Option(
        None,
        "--poison-rate",
        "-r",
        help="Share of eligible samples poisoned, in (0, 1] (default: the attack's).",
    ),
    mapping: str = typer.Option("all-to-one", "--mapping", help="all-to-one or all-to-all."),
    trigger: str = typer.Option(
        None,
        "--trigger",
        help="Replace the attack's default trigger (see `trojanscope list trigger`).",
    ),
    trigger_param: list[str] | None = typer.Option(
        None,
        "--trigger-param",
        "-p",
        help="Trigger parameter name=value (repeatable), e.g. size=4.",
    ),
    attack_param: list[str] | None = typer.Option(
        None, "--attack-param", help="Extra attack parameter name=value (repeatable)."
    ),
    arch: str = o.ARCH,
    arch_param: list[str] | None = o.ARCH_PARAM,
    epochs: int = o.EPOCHS,
    batch_size: int = o.BATCH,
    lr: float | None = o.LR,
    optimizer: str = o.OPTIM,
    seed: int = o.SEED,
    out: Path = o.OUT,
    force: bool = o.FORCE,
    fmt: OutputFormat = o.FORMAT,
    no_export: bool = o.NO_EXPORT,
    defence: str | None = o.DEFENCE,
    defence_param: list[str] | None = o.DEFENCE_PARAM,
    partitions: int | None = o.PARTITIONS,
) -> None:
    """Plant a backdoor: poison the training data, train (optionally with a --defence), and report
    CA, ASR and RA."""
    params = parse_params(attack_param, "--attack-param",
                          {"target": "--target", "mapping": "--mapping", "seed": "--seed",
                           "trigger": "--trigger/--trigger-param"})
    refuse_early(None, "attack", attack, data={"--dataset": dataset})  # before any import of
    check_share("--poison-rate", poison_rate, one=True)  # attacks or torch (seconds)
    o.check_lr(lr)
    o.refuse_names_early(arch, defence, trigger)
    registry.get("attack", attack)
    trigger_params = parse_params(trigger_param, "--trigger-param")
    if trigger is not None or trigger_params:
        trigger_name = trigger or _default_trigger_name(attack)
        params["trigger"] = registry.create("trigger", trigger_name, **trigger_params)
    if poison_rate is not None:
        params["poison_rate"] = poison_rate
    the_attack = registry.create(
        "attack", attack, target=target, mapping=mapping, seed=seed, **params
    )
    from trojanscope.engine.train import Trainer

    trainer = Trainer(epochs=epochs, batch_size=batch_size, lr=o.learning_rate(lr, arch),
                      optimizer=optimizer, seed=seed)
    o.run_and_report(
        dataset=dataset,
        data_params=data_params(text_column, label_column),
        attack=the_attack,
        arch=arch,
        arch_params=parse_params(arch_param, "--arch-param", o.ARCH_SET),
        trainer=trainer,
        seed=seed,
        out=out,
        force=force,
        fmt=fmt,
        exports=not no_export,
        defence=o.make_defence(
            defence, parse_params(defence_param, "--defence-param"), partitions
        ),
    )


def _default_trigger_name(attack: str) -> str:
    """The trigger family an attack uses by default (so -p tweaks it without naming it)."""
    from trojanscope.errors import UserInputError

    cls = registry.get("attack", attack)
    try:
        default = cls().trigger
    except TypeError:
        raise UserInputError(f"attack {attack!r} needs --trigger") from None
    return default.name


command("attack", order=60)(attack)
