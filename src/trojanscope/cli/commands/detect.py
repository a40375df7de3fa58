"""``trojanscope detect``: is this model backdoored, towards which class, with which trigger?"""

from __future__ import annotations

import math
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
from trojanscope.cli.early_model import check_model_data
from trojanscope.errors import UserInputError
from trojanscope.io.atomic import atomic_dir, check_output_dir

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from trojanscope.data.dataset import TensorDataset
    from trojanscope.detect.base import ModelVerdict


def detect(
    model: Path = typer.Argument(
        ...,
        help="Model: run folder, safetensors+manifest, TorchScript, ONNX, XGBoost or LightGBM "
        "file.",
    ),
    data: Path = typer.Option(
        None, "--data", help="Clean data file or folder (.npz, image folder…)."
    ),
    dataset: str = typer.Option(
        None, "--dataset", help="Or a bundled dataset name (with --split)."
    ),
    split: str = typer.Option(
        None,
        "--split",
        help="train, test or all (default: all of a --data file, test of a --dataset).",
    ),
    label_column: str | None = LABEL_COLUMN,
    text_column: str | None = TEXT_COLUMN,
    data_free: bool = typer.Option(False, "--data-free", help="Use no clean data."),
    method: str = typer.Option(
        "auto", "--method", "-m", help="Detector (see `trojanscope list detector`)."
    ),
    method_param: list[str] | None = METHOD_PARAM,
    threshold: float = typer.Option(
        0.5,
        "--threshold",
        min=0.0,
        max=1.0,
        help="Probability at or above which the model is flagged.",
    ),
    calibration: Path = typer.Option(
        None, "--calibration", help="Calibration file (default: shipped)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                             help="Seed for every random choice."),
    out: Path = typer.Option(
        None, "--out", "-o", help="Folder for verdict.json and trigger images."
    ),
    force: bool = typer.Option(False, "--force", help="Replace a non-empty --out."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Detect a backdoor in MODEL. Exit 0 clean (or needs review: flagged, probability not
    calibrated), 1 backdoored, 2 error."""
    early = {"--data": data} if dataset is None else {}  # with --dataset: "not both", below
    refuse_early(model, "detector", method, data=early,  # before the imports below (seconds)
                 calibration=calibration)
    check_model_data(model, early, text_column=text_column, label_column=label_column)
    if data is not None and dataset is not None:
        raise UserInputError("give --data or --dataset, not both")
    if out is not None:
        check_output_dir(out, force)  # before any loading or inspection
    params = parse_params(method_param, "--method-param")
    if data_free and data is None and dataset is None:
        _refuse_shapeless(model)
    from trojanscope.detect.calibration import calibrate_model, load_calibrators
    from trojanscope.detect.guard_reading import scored_by
    from trojanscope.detect.input_level.text_inputs import TEXT_AUTO, is_text_model, text_method
    from trojanscope.detect.inputs import choose_clean_data
    from trojanscope.io.models import load_model

    registry.get("detector", method)  # an unknown name fails before any loading
    calibrators = load_calibrators(calibration)
    loaded = load_model(model)
    text = is_text_model(loaded)
    method = text_method(loaded, method)  # auto: the text method for text models
    detector = registry.create("detector", method, **params)
    scored_by(detector, calibrators)
    if text and getattr(detector, "modality", "image") != "text":
        raise UserInputError(f"method {method!r} inspects image models; for a text model "
                             f"use --method {TEXT_AUTO} (or auto)")
    chosen = choose_clean_data(
        loaded, detector, data if data is not None else dataset, split, data_free=data_free,
        label_column=label_column, text_column=text_column,
    )
    clean = chosen.dataset
    with status(f"inspecting {model} with {method}…"):
        verdict = detector.inspect(
            loaded.module,
            clean,
            input_shape=loaded.input_shape,
            num_classes=loaded.num_classes,
            seed=seed,
        )
    verdict.threshold = threshold
    masked = calibrate_model(verdict, calibrators, loaded.module, detector)  # + the mask gate
    report = {"model": str(model), "format": loaded.format, **verdict.as_dict(),
              **json_notes(verdict, masked)}
    from trojanscope.detect.asked_probes import asked_notes

    asked = asked_notes(detector, verdict.features)  # opt-in probes no term reads (stop 78)
    if asked:
        report["asked_probes"] = asked
    words: dict[str, dict[str, str]] = {}
    if text and clean is not None:  # the recovered trigger tokens as words
        from trojanscope.detect.token_words import token_words

        words = token_words(verdict.per_class, clean.encoder)  # stop 74: every token column
        if words:
            report["evidence_words"] = words
        report["trigger_tokens"] = {
            str(c.cls): [clean.encoder.token(int(v)) for k, v in sorted(c.details.items())
                         if k.startswith("token_")] for c in verdict.per_class}
        relaxed = {str(c.cls): {key: clean.encoder.token(int(c.details[f"{key}_token"]))
                                for key in ("relaxed", "relaxed_neutral")
                                if c.details.get(f"{key}_token", -1) >= 0}
                   for c in verdict.per_class}
        if any(relaxed.values()):  # the relaxed one-token search's winners as words
            report["relaxed_tokens"] = relaxed
    if out is not None:
        report["files"] = write_outputs(out, force, verdict, clean, report)
    if fmt is OutputFormat.json:
        print_json(report)
    else:
        print_table(verdict, str(model), words, asked)
        if out is not None:
            stderr_console().print(f"wrote {out}/ ({', '.join(report['files'])})")
    # exit 1 only for a calibrated flag: "review" (flagged, uncalibrated) is what the audit
    # rates medium, below its default --fail-on high, so it exits 0 as the audit does
    raise typer.Exit(1 if verdict.verdict == "backdoored" else 0)


def _refuse_shapeless(model: Path) -> None:
    """A TorchScript file data-free has no input shape to search: refused in the detector's
    words before its imports and the sandboxed child (stop 76 hfix3; hrev's "named" (3): 5.4
    CPU s for one line). Not with a plug-in installed, whose detector may need no shape."""
    from trojanscope.registry_early import plugins_installed

    if not plugins_installed():
        from trojanscope.io.models import refuse_shapeless_torchscript

        refuse_shapeless_torchscript(model)


def write_outputs(
    out: Path, force: bool, verdict: ModelVerdict, clean: TensorDataset | None, report: dict
) -> list[str]:
    """verdict.json plus mask/pattern/applied PNGs for each recovered trigger, atomically
    (strict JSON, NaN as ``null``, as ``--format json`` prints it)."""
    from trojanscope.detect.evidence import trigger_images
    from trojanscope.io.json_file import dumps

    images = {n: png for n, png in trigger_images(verdict, clean).items()
              if not n.endswith("_clean.png")}
    files = ["verdict.json", *images]
    with atomic_dir(out, force=force) as tmp:
        for name, png in images.items():
            (tmp / name).write_bytes(png)
        (tmp / "verdict.json").write_text(dumps({**report, "files": files}, indent=2) + "\n")
    return files


def json_notes(verdict: ModelVerdict, masked: str | None) -> dict[str, str]:
    """The lines ``detect``'s text prints about how the calibration moved the probability, as
    the JSON report's keys: the mask gate's, the margin-only, the excess term's lowering and
    (since stop 77) the raise note (``raised``) and the trigger line's row counts
    (``trigger_reach``), each where it applies."""
    from trojanscope.detect.calibration import raise_note
    from trojanscope.detect.class_excess import excess_note

    said = {"lowered_mask": masked,  # the gate's, beside the excess term's (stop 76 hrev)
            "margin_only": _margin_note(verdict),  # issue 9, stop 72: a note only
            "lowered_excess": excess_note(verdict.features),  # stop 74: the text's line
            "raised": raise_note(verdict.features),  # the text's line (stop 77 hfix)
            # the trigger line's row counts, where a trigger is named (stop 77 h16t)
            "trigger_reach": verdict.trigger_reach.get(verdict.target_classes[0])
            if verdict.flagged and verdict.target_classes else None}
    return {key: text for key, text in said.items() if text is not None}


def _margin_note(verdict: ModelVerdict) -> str | None:
    """The margin-only note of a verdict (:mod:`trojanscope.detect.margin_only`), or None."""
    from trojanscope.detect.margin_only import margin_only_note

    target = verdict.target_classes[0] if verdict.target_classes else None
    return margin_only_note(verdict.features, verdict.verdict, target, verdict.data_free)


def print_table(verdict: ModelVerdict, model: str,
                words: dict[str, dict[str, str]] | None = None,
                asked: list[str] | None = None) -> None:
    """The verdict, its notes and the per-class evidence; ``words``: a text model's token
    columns as words (:func:`trojanscope.detect.token_words.token_words`), shown beside the ids;
    ``asked``: the opt-in probes' lines (:func:`trojanscope.detect.asked_probes.asked_notes`)."""
    from trojanscope.detect.calibration import lower_note, raise_note
    from trojanscope.detect.class_excess import excess_note
    from trojanscope.detect.mask_gate import mask_note

    console = stdout_console()
    colour = {"backdoored": "red", "review": "yellow"}.get(verdict.verdict, "green")
    word = "NEEDS REVIEW" if verdict.verdict == "review" else verdict.verdict.upper()
    console.print(
        f"[bold {colour}]{word}[/] {model}: probability "
        f"{verdict.probability:.2f} (threshold {verdict.threshold:.2f}), method {verdict.method}, "
        f"{verdict.elapsed_s:.1f} s"
    )
    if verdict.flagged:
        console.print(f"suspected target class(es): {verdict.target_classes[:1]}")
        text = verdict.trigger_text.get(verdict.target_classes[0])
        if text:
            from trojanscope.detect.trigger_reach import trigger_label

            reach = verdict.trigger_reach.get(verdict.target_classes[0])
            console.print(f"{trigger_label(reach)}: {text}", markup=False)
            if reach:  # how many of the given rows it moves (issue 16, stop 77 h16t)
                console.print(reach, markup=False)
    if not verdict.calibrated:
        console.print("[yellow]the probability is NOT calibrated for this kind of model: "
                      "review the evidence below before acting on the verdict[/]")
    raised = raise_note(verdict.features)  # issue 9, stop 32: auto:raise
    top = verdict.target_classes[0] if verdict.target_classes else None
    for said in (lower_note(verdict.features), excess_note(verdict.features),  # stop 74
                 mask_note(verdict.features, top),  # the data-free mask gate (stop 76)
                 *verdict.term_notes,  # the other terms' (stop 76 hfix2), not coverage
                 raised,  # stop 39: auto:lower:dense
                 *(asked or [])):  # the opt-in probes no term read (stop 78)
        if said:
            console.print(said, markup=False)
    alone = _margin_note(verdict)  # issue 9, stop 72: no probe raised the flag
    if alone:
        console.print(alone, style="yellow", markup=False)
    # the detector's own notes (what it did not look at) apart from calibration coverage,
    # each in its console words where it has shorter ones (stop 74)
    own = [n for n in verdict.coverage_notes if n in verdict.detector_notes]
    short = verdict.short_notes
    if own:
        console.print("the detector's notes (treat the probability with care): "
                      + "; ".join(short.get(n, n) for n in own), style="yellow", markup=False)
    cover = [n for n in verdict.coverage_notes if n not in own]
    if cover:
        console.print("outside the calibration's coverage (treat the probability with care): "
                      + "; ".join(short.get(n, n) for n in cover), style="yellow", markup=False)
    if any(n in short for n in verdict.coverage_notes):
        console.print("(the notes in full, with their sources: --format json)",
                      style="yellow", markup=False)
    rows = verdict.evidence_rows()  # the class the verdict names first
    if raised and rows and max(r.score for r in rows) > rows[0].score:
        console.print(f"per-class table: class {top} first, the class the raise named (not "
                      "the top score)")
    _print_evidence(console, verdict, rows, top, words or {})


def _print_evidence(console: Console, verdict: ModelVerdict, rows: list, top: int | None,
                    words: dict[str, dict[str, str]]) -> None:
    """The per-class evidence as a table where it fits the console, else (stop 73: at 80
    columns the README's ``detect runs/badnets`` cropped 4 of its 9 column names to
    ``anoma…``, and a text model's 12 columns read ``cla… sco…``) as ``print_rows``'s records,
    so no name or figure is cropped). A token column reads ``3049 "great"`` where ``words``
    has the word (stop 74: the id alone told a user nothing)."""
    from rich.measure import Measurement
    from rich.text import Text

    from trojanscope.report.console import WIDE, print_rows

    title = "per-class evidence (higher score = more suspicious)"
    keys = sorted({k for row in verdict.per_class for k in row.details})
    cells = [[str(row.cls), f"{row.score:.2f}",
              *(_word_cell(row.details.get(k), words.get(str(row.cls), {}).get(k))
                for k in keys)] for row in rows]
    styles = ["bold red" if row.cls == top and verdict.flagged else None for row in rows]
    table = Table(title=title)
    for name in ("class", "score", *keys):
        table.add_column(name, justify="right")
    for row, style in zip(cells, styles, strict=True):
        table.add_row(*row, style=style)
    unbounded = console.options.update_width(10_000)  # the width it needs, not the console's
    if Measurement.get(console, unbounded, table).maximum <= console.width:
        console.print(table)
        return
    named = "class " if console.width < WIDE else ""  # a record's heading, or a table cell
    records = [[Text(named + row[0], style=style or "bold"), *row[1:]]
               for row, style in zip(cells, styles, strict=True)]
    print_rows(console, ("class", "score", *keys), records, title=title)


def _word_cell(value: float | None, word: str | None) -> str | Text:
    """A cell, with its token's word beside the id where there is one (as text, not console
    markup: a token such as ``[UNK]`` would be read as a style)."""
    from rich.text import Text

    return _cell(value) if word is None else Text(f'{_cell(value)} "{word}"')


def _cell(value: float | None) -> str:
    """An evidence figure as the table shows it: a whole number (a token id, a count) whole,
    where ``.3g`` read a word model's token 3051 as ``3.05e+03``; a figure not read for this
    class (NaN, or none) as ``-`` (stop 74's first contact); anything else to 3 digits."""
    if value is None or math.isnan(value):
        return "-"
    if math.isfinite(value) and value == int(value) and abs(value) < 1e7:
        return str(int(value))
    return f"{value:.3g}"


command("detect", order=70)(detect)
