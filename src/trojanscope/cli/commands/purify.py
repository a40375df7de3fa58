"""``trojanscope purify``: input preprocessing defences over a batch of inputs, and the CA and
ASR each leaves on a red-team run's trigger."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from trojanscope import registry
from trojanscope.cli.common import (
    OutputFormat,
    command,
    parse_params,
    print_json,
    refuse_early,
    status,
    stderr_console,
    stdout_console,
)
from trojanscope.errors import UserInputError

if TYPE_CHECKING:
    from torch import Tensor


def purify_command(
    model: Path = typer.Argument(..., help="Model: a run folder, TorchScript, ONNX or "
                                 "safetensors with its manifest."),
    inputs: str = typer.Argument(..., help="Inputs: an .npz with x (y optional), or a data "
                                 "file/folder or bundled dataset name (its test split)."),
    method: str = typer.Option("shrinkpad", "--method", "-m", help="Method (see `trojanscope "
                               "list input-purifier`); all: compare every method (needs a "
                               "trigger to measure, no --out)."),
    param: list[str] | None = typer.Option(None, "--param", "-p", help="Method parameter "
                                           "name=value (repeatable)."),
    out: Path = typer.Option(None, "--out", "-o", help="Write the purified inputs here (.npz "
                             "with x, and y when the inputs have labels)."),
    triggered: Path = typer.Option(None, "--triggered", help="Measure ASR against this "
                                   "red-team run folder's trigger, or on a file of triggered "
                                   "inputs (.npz with x, y, target); default: MODEL's own "
                                   "attack when it is a red-team run."),
    data: str = typer.Option(None, "--data", help="Clean inputs the learning methods "
                             "(reformer) train on: an .npz with x, a data file/folder or a "
                             "bundled dataset name (its train split)."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                             help="Seed for every random choice."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Purify INPUTS before MODEL sees them; report the CA and ASR each method leaves."""
    refuse_early(model, "input-purifier", None if method == "all" else method,
                 data={"inputs": inputs, "--data": data, "--triggered": triggered})
    import numpy as np
    import torch

    from trojanscope.data.unlabelled import load_inputs
    from trojanscope.io.atomic import check_output_file, write_bytes_atomic
    from trojanscope.io.models import load_model, take_image_shape
    from trojanscope.purify.cost import ca_cost_note
    from trojanscope.purify.evaluate import baseline, purify_batch, score_purifier

    start = time.perf_counter()
    names = registry.names("input-purifier") if method == "all" else [method]
    if method == "all" and (out is not None or param):
        raise UserInputError("--method all compares the methods with their defaults; it takes "
                             "no --out or --param")
    purifiers = [registry.create("input-purifier", n, **parse_params(param, "--param"))
                 for n in names]
    if data is None:
        learners = [p.name for p in purifiers if p.needs_clean_data]
        if method != "all" and learners:
            raise UserInputError(f"input purifier {learners[0]!r} learns from clean inputs: "
                                 "give --data")
        purifiers = [p for p in purifiers if not p.needs_clean_data]
    elif not any(p.needs_clean_data for p in purifiers):  # given, and nothing would read it
        learn = [n for n in registry.names("input-purifier")
                 if getattr(registry.get("input-purifier", n), "needs_clean_data", False)]
        raise UserInputError(f"--data is for input purifiers that learn from clean inputs "
                             f"({', '.join(learn)}); {method!r} does not")
    if out is not None:
        check_output_file(out, "--out")
    if not model.exists():  # before INPUTS and --data are read, as serve checks it
        raise UserInputError(f"{model}: no such file or folder")
    batch = load_inputs(inputs)  # before the model, whose load can take many seconds (a
    # TorchScript archive is loaded in a sandboxed child first): a bad file is refused first
    learners = [p for p in purifiers if p.needs_clean_data]
    clean_x = _clean_inputs(data, batch.x.shape[1:]) if learners else None
    if triggered is not None and not triggered.is_file():
        _check_run(triggered)
    elif triggered is not None:  # a file that is no .npz: refused before the model loads
        from trojanscope.mitigate.triggers import check_triggered_file

        check_triggered_file(triggered, "--triggered")
    loaded = load_model(model)
    take_image_shape(loaded, tuple(batch.x.shape[1:]))  # an MLP fitted on flat images, as
    # detect-inputs reads it (stop 72: the README's purify line refused one, expects [784])
    if loaded.input_shape is not None and tuple(batch.x.shape[1:]) != tuple(loaded.input_shape):
        raise UserInputError(f"{inputs}: inputs of shape {list(batch.x.shape[1:])} do not fit "
                             f"the model (expects {list(loaded.input_shape)})")
    trig = _triggered(triggered, loaded, batch)
    if learners:
        with status(f"training {', '.join(p.name for p in learners)} on {len(clean_x)} clean "
                    "inputs…"):
            for p in learners:
                p.fit(clean_x, generator=torch.Generator().manual_seed(seed))
    if method == "all" and trig is None:
        raise UserInputError("--method all needs a trigger to measure: a red-team run as MODEL, "
                             "or --triggered")
    clean = batch.labelled("measuring CA") if batch.y is not None else None
    report: dict = {"model": str(model), "inputs": str(inputs), "count": len(batch.x),
                    "seed": seed, "triggered": trig.source if trig else None}
    with status(f"purifying {len(batch.x)} inputs with "
                f"{', '.join(p.name for p in purifiers)}…"):
        if trig is not None or clean is not None:
            report["before"] = baseline(loaded.module, clean, trig)
            report["methods"] = [score_purifier(loaded.module, p, clean, trig, seed=seed)
                                 .as_dict() for p in purifiers]
        if out is not None:
            x = purify_batch(purifiers[0], batch.x, model=loaded.module, seed=seed)
            arrays = {"x": x.numpy()}
            if batch.y is not None:
                arrays["y"] = batch.y.numpy()
            buf = io.BytesIO()
            np.savez_compressed(buf, **arrays)
            write_bytes_atomic(out, buf.getvalue(), "--out")
            report["out"] = str(out)
    report["elapsed_s"] = time.perf_counter() - start
    cost = ca_cost_note(report["before"], report["methods"], len(batch.x)) \
        if "methods" in report else None
    report["notes"] = [cost] if cost else []
    if fmt is OutputFormat.json:
        print_json(report)
        return
    _print_table(report)
    for note in report["notes"]:
        stderr_console().print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    if out is not None:
        stderr_console().print(f"wrote {out} ({len(batch.x)} purified inputs, "
                               f"method {names[0]})")


def _clean_inputs(data: str, shape) -> Tensor:
    """The clean inputs of ``--data`` (a bundled dataset: its train split), checked against
    the shape of the inputs to purify."""
    from trojanscope.data.resolve import load_dataset
    from trojanscope.data.unlabelled import load_inputs

    x = (load_dataset(data, "train").x if data in registry.names("dataset")
         else load_inputs(data, "--data").x)
    if tuple(x.shape[1:]) != tuple(shape):
        raise UserInputError(f"--data {data}: inputs of shape {list(x.shape[1:])}, but the "
                             f"inputs to purify have {list(shape)}")
    return x


def _check_run(spec: Path) -> None:
    """``--triggered`` that is no file: a red-team run folder (its manifest says the attack)."""
    from trojanscope.io.manifest import MANIFEST_NAME

    if not (spec / MANIFEST_NAME).is_file():
        raise UserInputError(f"--triggered {spec}: neither a red-team run folder nor an "
                             ".npz of triggered inputs")


def _triggered(spec: Path | None, loaded, batch):
    """The triggered inputs ASR is measured on: a run folder's attack applied to the labelled
    inputs, a file of triggered inputs, or MODEL's own attack; ``None`` when none is known."""
    from trojanscope.io.manifest import read_manifest
    from trojanscope.mitigate.run import TriggeredSet
    from trojanscope.mitigate.triggers import attack_from_spec, read_triggered

    if spec is not None and spec.is_file():  # the command checked it before the model loaded
        return read_triggered(spec, loaded.num_classes, "--triggered")
    manifest = loaded.manifest
    if spec is not None:
        _check_run(spec)
        manifest = read_manifest(spec)
        if manifest.attack is None:
            raise UserInputError(f"--triggered {spec}: the run has no attack (a clean model)")
    if manifest is None or manifest.attack is None:
        return None
    held = batch.labelled("applying the run's trigger")
    attack = attack_from_spec(manifest.attack)
    x, y, target = attack.test_inputs(held)
    return TriggeredSet(x, y, target, f"attack {attack.name}")


def _print_table(report: dict) -> None:
    if "methods" not in report:
        stdout_console().print(f"purified {report['count']} inputs (no labels or trigger: "
                               "nothing to measure)")
        return
    table = Table(title=f"input purification: {report['model']} on {report['inputs']}")
    table.add_column("method")
    table.add_column("CA", justify="right")
    table.add_column("ASR", justify="right")
    table.add_column("ms/input", justify="right")

    def cell(row: dict, key: str) -> str:
        return f"{row[key]:.2%}" if key in row else "–"

    table.add_row("(none)", cell(report["before"], "ca"), cell(report["before"], "asr"), "")
    for row in report["methods"]:
        table.add_row(row["method"], cell(row, "ca"), cell(row, "asr"),
                      f"{row['ms_per_input']:.2f}")
    stdout_console().print(table)


command("purify", order=77)(purify_command)
