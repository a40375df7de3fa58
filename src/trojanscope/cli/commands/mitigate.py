"""``trojanscope mitigate``: purify a suspect model and save it as a normal run folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from trojanscope import registry
from trojanscope.cli.common import (
    LABEL_COLUMN,
    METHOD_PARAM,
    TEXT_COLUMN,
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
from trojanscope.io.atomic import check_output_dir
from trojanscope.params import check_share

if TYPE_CHECKING:
    from torch import nn

    from trojanscope.data.dataset import TensorDataset
    from trojanscope.io.models import LoadedModel
    from trojanscope.mitigate.base import Mitigation


def mitigate(
    model: Path = typer.Argument(
        ..., help="Model: a run folder, safetensors weights with their manifest, TorchScript or "
        "ONNX."
    ),
    data: str = typer.Option(
        None, "--data", help="Clean data: a file or folder (.npz, image folder…) or a bundled "
        "dataset name (its test split).",
    ),
    data_free: bool = typer.Option(False, "--data-free", help="Use no clean data (method clp)."),
    method: str = typer.Option(
        "auto", "--method", "-m", help="Method (see `trojanscope list mitigation`); auto: the "
        "best measured."
    ),
    method_param: list[str] | None = METHOD_PARAM,
    holdout: float | None = typer.Option(
        None, "--holdout", show_default=False, help="Share of the clean data held out for the "
        "figures (the method never sees it). Default 0.5, lowered (not below 0.25, said in a "
        "note) where the method needs more samples of a class to train on."
    ),
    eval_attack: str = typer.Option(
        None, "--eval-attack", help="Measure ASR against this attack: NAME[:key=value,...], "
        "e.g. badnets:target=3 (default: a red-team run's own attack)."
    ),
    eval_triggered: Path = typer.Option(
        None, "--eval-triggered", help="Measure ASR on these triggered inputs (.npz with x, y, "
        "target)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                             help="Seed for every random choice."),
    second_split: bool | None = typer.Option(
        None, "--second-split/--one-split", show_default=False, help="Where gated's CA guard "
        "stops its second stage (the sign of a split it cannot mend), run again on another "
        "split (--seed + 1) and keep that run where its second stage ran and its guard did "
        "not stop it; off by default (docs/mitigation.md)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output run folder (written atomically)."),
    force: bool = typer.Option(False, "--force", help="Replace a non-empty --out."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
    no_export: bool = typer.Option(False, "--no-export", help="Skip TorchScript and ONNX."),
    text_column: str | None = TEXT_COLUMN,
    label_column: str | None = LABEL_COLUMN,
) -> None:
    """Purify MODEL with a little clean data (or none) and save it as a run folder."""
    if holdout is not None:
        check_share("--holdout", holdout)
    refuse_early(model, "mitigation", method,  # before the imports below (seconds)
                 data={"--data": data, "--eval-triggered": eval_triggered})
    from trojanscope.cli.early_model import check_model_data

    check_model_data(model, {"--data": data}, text_column=text_column, label_column=label_column)
    if eval_attack is not None and eval_triggered is not None:
        raise UserInputError("give --eval-attack or --eval-triggered, not both")
    if data is None and not data_free:
        raise UserInputError("no clean data: give --data, or --data-free (method clp)")
    check_output_dir(out, force)  # before the imports (stop 70: 15 s after)
    refuse_trees(model)  # a tree told by its files, before the imports too
    from trojanscope.detect.inputs import default_split, load_for_model
    from trojanscope.io.models import images_for_flat_input, load_model
    from trojanscope.mitigate import auto
    from trojanscope.mitigate.run import DEFAULT_HOLDOUT, attack_triggered, fixed_triggered
    from trojanscope.mitigate.run import mitigate as run
    from trojanscope.mitigate.save import RECORD_NAME, save_foreign_mitigation, save_mitigation
    from trojanscope.mitigate.second_split import SECOND_SPLIT
    from trojanscope.mitigate.triggers import (
        attack_from_spec,
        check_triggered_file,
        parse_attack,
        read_triggered,
    )
    from trojanscope.models.text_common import attach_encoder

    start = time.perf_counter()
    if eval_triggered is not None:  # a file that is no .npz: refused before the model loads
        check_triggered_file(eval_triggered, "--eval-triggered")
    params = parse_params(method_param, "--method-param")
    name, the_method = method_before_load(method, data_free, params)
    if data_free and the_method is not None and the_method.needs_data:
        raise UserInputError(f"mitigation {name!r} needs clean data; with --data-free use "
                             "--method clp (or auto)")
    loaded = load_model(model)
    refuse_trees(model, loaded.module)
    if auto.resolve(method, data_free, foreign=loaded.manifest is None) != name:
        name = auto.resolve(method, data_free, foreign=True)  # auto on a model we did not make
        the_method = None
    if the_method is None:  # auto's method for this model, now that the model tells it
        the_method = registry.create("mitigation", name, **params)
    clean: TensorDataset | None = None
    source_shape = loaded.input_shape  # what the purified file takes, as the source did
    if data is not None:
        # a table model's data is read by its own schema, so the label column its manifest
        # records need not be given again (stop 78 first contact, hcmd's (5); as ``detect``)
        clean = attach_encoder(loaded, load_for_model(loaded, data, default_split(data, None),
                                                      label_column, text_column))
        images_for_flat_input(loaded, clean)  # an MLP fitted on flattened images, as `detect`
    module, input_shape = editable_module(loaded, clean)
    trigger_of = None
    if eval_triggered is not None:
        trigger_of = fixed_triggered(read_triggered(eval_triggered,  # checked above
                                                    loaded.num_classes))
    elif eval_attack is not None:
        attack = parse_attack(eval_attack)
        # a bad target is refused before the method runs (the triggered set is built after
        # it, stop 74); a model that names no classes is left to the data's check
        if loaded.num_classes is not None:
            attack.check_target(loaded.num_classes)
        trigger_of = attack_triggered(attack)
    elif loaded.manifest is not None and loaded.manifest.attack is not None:
        trigger_of = attack_triggered(attack_from_spec(loaded.manifest.attack))
    with status(f"purifying {model} with {name}…"):
        result = run(module, the_method, clean, seed=seed, shrink_holdout=holdout is None,
                     holdout=DEFAULT_HOLDOUT if holdout is None else holdout,
                     trigger_of=trigger_of, input_shape=input_shape,
                     num_classes=loaded.num_classes,
                     default=auto.resolve("auto", False, foreign=loaded.manifest is None),
                     second_split=SECOND_SPLIT if second_split is None else second_split)
    data_info = {"source": data, "samples": len(clean) if clean is not None else 0}
    if loaded.manifest is not None:
        manifest = save_mitigation(out, loaded.manifest, result, source_path=str(model),
                                   seed=seed, force=force, exports=not no_export, data=data_info,
                                   encoder=getattr(clean, "encoder", None))  # a text model's
        files = sorted([*manifest.files, "manifest.json"])
    else:  # a model we did not make: purified in both exchange formats, plus the record
        files = sorted(save_foreign_mitigation(out, result, source_path=str(model),
                                               input_shape=source_shape or input_shape,
                                               seed=seed,
                                               force=force, data=data_info))
        files.append(RECORD_NAME)
    report = {"model": str(model), "out": str(out), **result.as_dict(),
              "total_s": time.perf_counter() - start, "files": files}
    if fmt is OutputFormat.json:
        print_json(report)
        return
    print_table(report)
    stderr_console().print(f"wrote {out}/ ({', '.join(report['files'])})")


def method_before_load(method: str, data_free: bool,
                       params: dict) -> tuple[str, Mitigation | None]:
    """``auto``'s method for a run folder (or the named method) with ``params``, created before
    the model is loaded so that bad names fail first; None where only ``auto``'s method for a
    model made by other code (``adaptive``) takes them: the loaded model decides (stop 58: ``-p
    second=`` on an ONNX file was refused as a parameter ``gated`` lacks). Parameters neither
    takes get the first one's error."""
    from trojanscope.mitigate import auto

    name = auto.resolve(method, data_free)
    try:
        return name, registry.create("mitigation", name, **params)
    except UserInputError as first:
        other = auto.resolve(method, data_free, foreign=True)
        if other == name:
            raise
        try:
            registry.create("mitigation", other, **params)
        except UserInputError:
            raise first from None
        return name, None


def editable_module(
    loaded: LoadedModel, clean: TensorDataset | None
) -> tuple[nn.Module, tuple[int, ...] | None]:
    """The module a mitigation can train and prune, and its input shape: a run folder's own
    module, an ONNX model's interpreter module, or a TorchScript archive lifted through ONNX
    (the clean data gives its input shape)."""
    from trojanscope.io.script_lift import lift_torchscript

    input_shape = loaded.input_shape or (clean.input_shape if clean is not None else None)
    if loaded.format != "torchscript":
        return loaded.module, input_shape
    if input_shape is None:
        raise UserInputError(f"{loaded.source}: a TorchScript model does not record its input "
                             "shape; give --data so that it can be read from the clean data")
    return lift_torchscript(loaded.module, input_shape, source=loaded.source), input_shape


def print_table(report: dict) -> None:
    """Before/after figures as a table, and the notes (data split) below it."""
    table = Table(title=f"mitigation {report['method']} on {report['model']}")
    table.add_column("metric")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    labels = {"ca": "clean accuracy (CA)", "asr": "attack success rate (ASR)",
              "ra": "robust accuracy (RA)",
              "flip": "flip rate (ASR on inputs not at the target untriggered)"}
    for key, label in labels.items():
        if key in report["after"]:
            table.add_row(label, f"{report['before'][key]:.2%}", f"{report['after'][key]:.2%}")
    table.add_row("time", "", f"{report['elapsed_s']:.1f} s")
    stdout_console().print(table)
    for note in report["notes"]:
        stderr_console().print(note)


command("mitigate", order=75)(mitigate)


def refuse_trees(model: Path, module: nn.Module | None = None) -> None:
    """One line for a boosted-tree model: every mitigation takes gradient steps or prunes
    neurons, and a tree ensemble has neither (stop 78, hdd: the fraud tour's run reached an
    "unexpected ValueError: optimizer got an empty parameter list"). ``module`` None: as
    ``model``'s files tell it, before torch is imported (:func:`tree_files`; stop 78
    read-through, hrev: the run was loaded first, 3.6 CPU s); else the loaded model."""
    from trojanscope.models.trees import is_tree

    if tree_files(model) if module is None else is_tree(module):
        # a run folder replays its training rows; a tree file holds none (stop 79 first
        # contact: `detect-data fraud-model.json` was named for the user's own XGBoost file)
        screen = (f"`trojanscope detect-data {model}` names the training rows it suspects"
                  if model.is_dir() else "`trojanscope detect-data` on the table it was trained "
                  "on, with --label-column, names the rows it suspects")
        raise UserInputError(
            f"{model}: a boosted-tree model (XGBoost/LightGBM); mitigate purifies neural "
            f"networks (fine-tuning, pruning, unlearning) and a tree ensemble has no weights to "
            f"tune: retrain it on rows you trust instead ({screen})")


def tree_files(model: Path) -> bool:
    """Whether ``model``'s files say it is a boosted-tree model without loading it: a tree
    file's own bytes (:func:`~trojanscope.io.model_kind.model_input`), or a run folder whose
    manifest's ``arch`` is one of :data:`~trojanscope.io.model_kind.TREE_ARCHS`."""
    from trojanscope.io.json_file import load_json
    from trojanscope.io.manifest import MANIFEST_NAME
    from trojanscope.io.model_kind import TREE_ARCHS, model_input

    found = model_input(model)
    if found is not None and found.trees:
        return True
    if not (model / MANIFEST_NAME).is_file():
        return False
    try:
        arch = load_json(model / MANIFEST_NAME).get("arch") or {}
    except (OSError, ValueError, AttributeError):
        return False  # the loader says what is wrong with it
    return isinstance(arch, dict) and arch.get("name") in TREE_ARCHS
