"""``trojanscope train``: a clean model with the same engine, for comparisons and zoos."""

from __future__ import annotations

from pathlib import Path

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


def train(
    dataset: str = o.DATASET,
    text_column: str | None = TEXT_COLUMN,
    label_column: str | None = LABEL_COLUMN,
    arch: str = o.ARCH,
    arch_param: list[str] | None = o.ARCH_PARAM,
    epochs: int = o.EPOCHS,
    steps: int | None = o.STEPS,
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
    """Train a model on the data as given (optionally with a training-time defence) and save it
    like `attack` does."""
    refuse_early(data={"--dataset": dataset})  # before torch is imported (seconds)
    o.check_lr(lr)
    o.refuse_names_early(arch, defence)
    from trojanscope.engine.train import Trainer

    trainer = Trainer(epochs=epochs, batch_size=batch_size, lr=o.learning_rate(lr, arch),
                      optimizer=optimizer, seed=seed,
                      steps=steps)
    o.run_and_report(
        dataset=dataset,
        data_params=data_params(text_column, label_column),
        attack=None,
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


command("train", order=50)(train)
