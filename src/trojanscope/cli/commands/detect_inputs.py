"""``trojanscope detect-inputs``: which inputs of a batch carry a trigger?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from trojanscope.cli.common import (
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
from trojanscope.params import check_share

if TYPE_CHECKING:
    from torch import Tensor

    from trojanscope.data.dataset import TensorDataset
    from trojanscope.io.models import LoadedModel

SHOWN = 20  # flagged inputs listed in the table


def detect_inputs(
    model: Path = typer.Argument(
        ..., help="Model: run folder, safetensors+manifest, TorchScript or ONNX."
    ),
    inputs: Path = typer.Argument(
        None, help="Inputs to screen: .npz with an array x (N, C, H, W floats in [0, 1]); for a "
        "text model a .csv/.tsv/.jsonl file (column --text-column)."
    ),
    data: str = typer.Option(
        None, "--data", help="Clean inputs that fit the detector and set the threshold: .npz "
        "(x alone is enough), a data folder or a bundled dataset name (default: the dataset the "
        "model's manifest names, its test split).",
    ),
    method: str = typer.Option(
        "auto", "--method", "-m", help="Input detector (see `trojanscope list input-detector`); "
        "auto: the best measured."
    ),
    method_param: list[str] | None = METHOD_PARAM,
    fpr: float = typer.Option(
        0.01, "--fpr", help="False-positive rate on clean inputs the threshold is set at, "
        "in (0, 1)."
    ),
    triggered: Path = typer.Option(
        None, "--triggered", help="Red-team run folder: stamp its trigger on held-out clean inputs "
        "and report ROC-AUC and the true-positive rate at --fpr."
    ),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                             help="Seed for every random choice."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
    text_column: str | None = TEXT_COLUMN,
) -> None:
    """Score INPUTS for triggers and flag the likely triggered ones. Exit 0 none flagged, 1 some
    flagged, 2 error."""
    check_share("--fpr", fpr)
    refuse_early(model, "input-detector", method,  # before the imports below (seconds)
                 data={"inputs": inputs, "--data": data})
    from trojanscope.cli.early_model import check_model_data

    check_model_data(model, {"--data": None})  # a model no loader reads (stop 69 hrev: 22.6 s)
    from trojanscope.detect.input_level import auto
    from trojanscope.detect.input_level.base import check_fpr
    from trojanscope.detect.input_level.inputs import load_inputs
    from trojanscope.detect.input_level.screen import screen
    from trojanscope.detect.input_level.text_inputs import encode_texts, is_text_model
    from trojanscope.io.models import load_model

    check_fpr(fpr)
    if inputs is None and triggered is None:
        raise UserInputError("give INPUTS to screen, or --triggered RUN to measure against a "
                             "run's trigger")
    # an .npz (or a path that is no file) is read before the model, whose load can take many
    # seconds (a TorchScript archive is loaded in a sandboxed child first): a bad file is
    # refused before that
    early = load_inputs(inputs) if inputs is not None and _read_first(inputs) else None
    if triggered is not None:
        _check_run(triggered)
    if method != "auto":  # a bad name or parameter (auto's depend on the model's kind)
        auto.create(method, **parse_params(method_param, "--method-param"))
    early_clean = load_inputs(data, "--data") if data and _read_first(data, npz=True) else None
    loaded = load_model(model)
    text = is_text_model(loaded)
    detector = auto.create(method, text, **parse_params(method_param, "--method-param"))
    detector.check_model(loaded.module, loaded.input_shape)
    if text:
        from trojanscope.models.text_common import load_encoder

        if getattr(detector, "modality", "image") != "text":
            raise UserInputError(f"input detector {detector.name!r} works on images; for a text "
                                 f"model use {auto.resolve('auto', text=True)}")
        encoder = load_encoder(Path(model) if Path(model).is_dir() else Path(model).parent,
                               loaded.manifest)
        column = text_column or "text"
        batch = encode_texts(inputs, encoder, column) if inputs is not None else None
    else:
        if text_column is not None:
            raise UserInputError("--text-column applies to text models only")
        encoder = None
        batch = early if early is not None else (
            load_inputs(inputs) if inputs is not None else None)
    report: dict = {"model": str(model), "format": loaded.format}
    if triggered is not None:
        report["triggered"] = evaluate(loaded, triggered, data, detector, fpr, seed, encoder)
    if batch is not None:
        if encoder is not None:
            clean_x = clean_text(loaded, data, encoder, text_column or "text")
        else:
            clean_x = early_clean if early_clean is not None else clean_inputs(loaded, data)
        if data is None:
            check_named_clean(detector, clean_x, loaded)
        from trojanscope.io.models import take_image_shape

        take_image_shape(loaded, tuple(clean_x.shape[1:]))  # an MLP fitted on flat images
        with status(f"screening {len(batch)} inputs with {detector.name}…"):
            result = screen(loaded.module, batch, clean_x, detector, fpr=fpr, seed=seed,
                            input_shape=loaded.input_shape)
        report = {**report, "inputs": str(inputs), **result.as_dict()}
    if fmt is OutputFormat.json:
        print_json(report)
    else:
        print_table(report)
    raise typer.Exit(1 if report.get("flagged") else 0)


def check_named_clean(detector, clean_x, loaded: LoadedModel) -> None:
    """Without ``--data`` the clean inputs are the test split of the data the manifest names
    (a 200-image file's is 40): the guard's own check of them (:func:`check_guard_inputs`),
    run first so that its refusal says where they came from and what to give (hfc, stop 55:
    "too few clean inputs to fit a guard: 40 given" left the user guessing) — and only its
    refusal: an error about the inputs screened keeps its own words."""
    from trojanscope.detect.input_level.base import check_guard_inputs

    try:
        check_guard_inputs(detector, clean_x)
    except UserInputError as exc:
        if loaded.manifest is None:
            raise
        named = loaded.manifest.dataset.get("name")
        raise UserInputError(f"{exc} — the clean inputs were the test split of {named}, which "
                             "the run's manifest names: give --data with more") from None


def _check_run(run: Path) -> None:
    """``--triggered``: a run folder (its manifest says the attack)."""
    if not (run / "manifest.json").is_file():
        raise UserInputError(f"--triggered {run}: not a run folder (no manifest.json)")


def _read_first(path: str | Path, npz: bool = False) -> bool:
    """Whether ``path`` is read before the model: an ``.npz``, or (``npz`` False) no file at
    all (refused as such whatever the model)."""
    path = Path(path)
    return path.suffix.lower() == ".npz" or (not npz and not path.is_file())


def clean_text(loaded: LoadedModel, data: str | None, encoder, column: str) -> Tensor:
    """Clean sentences for a text model's guard: ``--data`` (a text file, column ``column``,
    or a bundled set's test split) or the test split of the dataset the manifest names."""
    from trojanscope.detect.input_level.text_inputs import encode_texts

    if data is not None and Path(data).is_file():
        return encode_texts(data, encoder, column, "--data")
    return clean_dataset(loaded, data, encoder).x


def clean_dataset(loaded: LoadedModel, data: str | None, encoder=None) -> TensorDataset:
    """Labelled clean data: ``--data`` (whole file, or a bundled set's test split) or the
    data the model's manifest names (its test split), read as ``detect`` reads it."""
    from trojanscope.data.resolve import load_dataset
    from trojanscope.detect.inputs import default_split, manifest_data

    if data is not None:
        found = load_dataset(data, default_split(data, None))
        return found.with_encoder(encoder) if encoder is not None else found
    named = manifest_data(loaded)
    if named is not None and named.dataset is not None:
        found = named.dataset
        return found.with_encoder(encoder) if encoder is not None else found
    raise UserInputError("no clean data: give --data (clean inputs fit the detector and set the "
                         "threshold)")


def clean_inputs(loaded: LoadedModel, data: str | None) -> Tensor:
    """Clean inputs for the guard: an ``.npz`` needs only ``x``; otherwise :func:`clean_dataset`."""
    from trojanscope.detect.input_level.inputs import load_inputs

    if data is not None and Path(data).is_file() and Path(data).suffix.lower() == ".npz":
        return load_inputs(data, "--data")
    return clean_dataset(loaded, data).x


def evaluate(loaded: LoadedModel, run: Path, data: str | None, detector, fpr: float,
             seed: int, encoder=None) -> dict:
    """Figures of ``detector`` against the trigger of red-team run ``run``."""
    from trojanscope.detect.input_level.evaluate import evaluate_triggered
    from trojanscope.detect.input_level.unseen import unseen_words
    from trojanscope.io.manifest import read_manifest
    from trojanscope.mitigate.triggers import attack_from_spec

    _check_run(run)
    manifest = read_manifest(run)
    if manifest.attack is None:
        raise UserInputError(f"--triggered {run}: the run records no attack (a clean model)")
    clean = clean_dataset(loaded, data, encoder)
    with status(f"measuring {detector.name} against the trigger of {run}…"):
        result = evaluate_triggered(loaded.module, detector, clean, attack_from_spec(
            manifest.attack), fpr=fpr, seed=seed)
    report = {"run": str(run), **result.as_dict()}
    blind = unseen_words(report, text=encoder is not None)  # stop 74: chance, said in words
    if blind is not None:
        report["not_seen"] = blind
    return report


def print_table(report: dict) -> None:
    console = stdout_console()
    if "triggered" in report:
        for line in triggered_lines(report["triggered"]):
            console.print(line)
        if "not_seen" in report["triggered"]:
            console.print(report["triggered"]["not_seen"], style="yellow", markup=False)
    if "scores" not in report:
        return
    flagged = report["flagged"]
    colour = "red" if flagged else "green"
    console.print(
        f"[bold {colour}]{len(flagged)} of {len(report['scores'])} inputs flagged[/] "
        f"({report['method']}, threshold {report['threshold']:.4g} at FPR {report['fpr']:.1%}, "
        f"{report['forward_passes_per_input']} forward pass(es) per input, "
        f"{report['elapsed_s']:.1f} s)"
    )
    if flagged:
        table = Table(title="flagged inputs (highest score first)")
        table.add_column("index", justify="right")
        table.add_column("score", justify="right")
        top = sorted(flagged, key=lambda i: -report["scores"][i])[:SHOWN]
        for i in top:
            table.add_row(str(i), f"{report['scores'][i]:.4g}")
        console.print(table)
        if len(flagged) > SHOWN:
            console.print(f"… and {len(flagged) - SHOWN} more (--format json lists all)")
    for note in report.get("notes", []):
        stderr_console().print(f"[yellow]note: {note}[/]")


def triggered_lines(t: dict) -> list[str]:
    """``--triggered``'s figures as text: one line per count — the triggered inputs the backdoor
    fires on, and those the trigger turned (fired while their clean twin is not of the target
    class; issue 15's count), or why the latter is not counted."""
    head = (f"{t['method']} against the trigger of {t['run']}: {t['negatives']} held-out clean "
            f"inputs, {t['triggered']} triggered, {t['forward_passes_per_input']} forward "
            f"pass(es) per input; the guard's own threshold flags {t['guard_fpr']:.1%} of the "
            "clean ones")
    lines = [head, _count_line("fired (triggered input given the target class)",
                               t["positives"], t["roc_auc"], t["tpr_at_fpr"], t["guard_tpr"],
                               t["fpr"])]
    if t.get("turned") is None:
        lines.append("  turned: not counted (the attack names no clean twin of its triggered "
                     "inputs)")
    else:
        lines.append(_count_line("turned (fired, and its clean twin is not of the target class)",
                                 t["turned"], t["roc_auc_turned"], t["tpr_at_fpr_turned"],
                                 t["guard_tpr_turned"], t["fpr"]))
    return lines


def _count_line(name: str, n: int, auc: float | None, tpr: float | None, guard: float | None,
                fpr: float) -> str:
    """One count's line: how many, ROC-AUC, TPR at --fpr, the guard's own TPR (n/a: none)."""
    def pct(v: float | None) -> str:
        return "n/a" if v is None or v != v else f"{v:.1%}"
    shown = "n/a" if auc is None or auc != auc else f"{auc:.4f}"
    return (f"  {name}: {n} — ROC-AUC {shown}, TPR {pct(tpr)} at FPR {fpr:.1%}, "
            f"guard TPR {pct(guard)}")


command("detect-inputs", order=72)(detect_inputs)
