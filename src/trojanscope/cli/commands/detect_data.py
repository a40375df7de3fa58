"""``trojanscope detect-data``: which training samples are poison, and a cleaned data set."""

from __future__ import annotations

from pathlib import Path

import typer

from trojanscope.cli.common import (
    LABEL_COLUMN,
    METHOD_PARAM,
    TEXT_COLUMN,
    OutputFormat,
    command,
    command_line,
    parse_params,
    print_json,
    refuse_early,
    status,
    stderr_console,
    stdout_console,
)


def detect_data(
    data: str = typer.Argument(
        ..., help="Training data: .npz, image folder, bundled name, or a red-team run folder."
    ),
    model: Path = typer.Option(
        None, "--model", help="Use this model's features (run folder, safetensors, TorchScript, "
        "ONNX) instead of training a feature model on DATA."
    ),
    method: str = typer.Option(
        "auto", "--method", "-m", help="Detector (see `trojanscope list data-detector`)."
    ),
    method_param: list[str] | None = METHOD_PARAM,
    out: Path = typer.Option(
        None, "--out", "-o", help="Folder for detection.json, suspicion.npy and report.html."
    ),
    force: bool = typer.Option(False, "--force", help="Replace a non-empty --out."),
    write_clean: Path = typer.Option(
        None, "--write-clean", help="Write the samples not flagged to this .npz (a .csv of the "
        "sentences for text data)."
    ),
    restore: bool = typer.Option(
        False, "--restore/--no-restore", help="With --write-clean: put back the flagged samples "
        "whose own label a model trained on the unflagged ones predicts (clean samples flagged "
        "by mistake; images and tensors). Off by default: on fresh sets it won no CA and put "
        "back a few carriers (see docs/benchmarks.md); it cannot tell clean-label carriers "
        "(SIG: their label is their true class) from clean samples and puts them back."
    ),
    relabel: bool = typer.Option(
        False, "--relabel", help="With --write-clean: keep the flagged samples too, each "
        "relabelled by a model trained on the unflagged ones (images and tensors)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                             help="Seed for every random choice."),
    label_column: str | None = LABEL_COLUMN,
    text_column: str | None = TEXT_COLUMN,
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Find the poisoned samples of a training set. Exit 0 nothing flagged, 1 flagged, 2 error."""
    refuse_early(None, "data-detector", method, data={"": data})  # before the imports below
    from trojanscope.cli.early_model import check_label_cells

    if data is not None and Path(data).is_file():  # an empty label cell (stop 69: 18 s late)
        check_label_cells(Path(data), label_column, text_column, own_schema=model is None)
    if model is not None:  # a --model no loader reads (stop 69 hrev)
        from trojanscope.cli.early_model import check_model_data

        check_model_data(model, {"--data": None})
    from trojanscope import registry
    from trojanscope.detect.data.inputs import load_suspect
    from trojanscope.detect.data.outputs import write_clean as save_clean
    from trojanscope.detect.data.outputs import write_findings
    from trojanscope.detect.data.run import detect_data as run_detection
    from trojanscope.engine.train import recipe_steps
    from trojanscope.errors import UserInputError
    from trojanscope.io.atomic import check_output_dir, check_output_file

    if out is not None:
        check_output_dir(out, force)  # before any loading or training
    if write_clean is not None:
        check_output_file(write_clean, "--write-clean")
    for flag, given in (("--relabel", relabel), ("--restore", restore)):
        if given and write_clean is None:
            raise UserInputError(f"{flag} needs --write-clean FILE.npz")
    if relabel and restore:
        raise UserInputError("--relabel and --restore exclude each other: relabel keeps every "
                             "flagged sample, restore only those a model of the rest agrees with")
    params = parse_params(method_param, "--method-param")
    detector = registry.create("data-detector", method, **params)
    suspect = load_suspect(data, label_column, text_column)
    from trojanscope.data.tabular.table import schema_of
    from trojanscope.data.text import is_text

    for flag, given in (("--relabel", relabel), ("--restore", restore)):
        if given and is_text(suspect.data):
            raise UserInputError(f"{flag} works for images and tensors, not for sentences")
        if given and schema_of(suspect.data) is not None:
            raise UserInputError(f"{flag} works for images and tensors, not for tables")
    module = None
    if model is not None:
        from trojanscope.io.models import load_model
        from trojanscope.models.text_common import attach_encoder

        loaded = load_model(model)
        module = loaded.module
        from trojanscope.models.foreign_trees import bind_table

        suspect.data = attach_encoder(loaded, suspect.data)  # a text model's own tokenizer
        bind_table(module, suspect.data)  # a user's tree model: its features by column name
        from trojanscope.io.models import images_for_flat_input

        images_for_flat_input(loaded, suspect.data)  # an MLP fitted on flattened images

    from trojanscope.detect.data.run import resolve_detector

    chosen = resolve_detector(detector, suspect.data, with_features=model is not None)
    if (chosen is not detector or "seed" not in params) and "seed" in chosen.get_params():
        chosen.seed = seed  # --seed reaches the method's own random choices too
    what = (f"features of {model}" if model is not None
            else "reading the table" if schema_of(suspect.data) is not None
            else "reading the sentences" if not getattr(chosen, "needs_model", True)
            else "training a feature model")
    with status(f"{what}, then scoring with {chosen.name}…"):
        result = run_detection(suspect.data, module, method=chosen, seed=seed,
                               poison=suspect.poison, model_source=str(model))
    report = {"data": suspect.source, **result.as_dict()}
    if write_clean is not None:
        labels, keep = None, result.keep
        if relabel:
            from trojanscope.detect.data.relabel import relabelled

            with status("relabelling the flagged samples…"):
                labels = relabelled(result, suspect.data, seed=seed)
        elif restore and len(result.flagged):  # images and tensors (checked above)
            from trojanscope.detect.data.relabel import restored

            with status("checking the flagged samples against a model of the rest…"):
                keep = restored(result, suspect.data, seed=seed)
        save_clean(write_clean, result, suspect.data, labels, keep)
        report["clean"] = {"path": str(write_clean), "kept": len(keep)}
        if schema_of(suspect.data) is None:  # tables may train trees, which take no --steps
            report["clean"]["steps"] = recipe_steps(len(suspect.data))
        if labels is not None:
            report["clean"].update(kept=len(labels), relabelled=len(result.flagged))
        elif len(keep) > len(result.keep):
            report["clean"]["restored"] = len(keep) - len(result.keep)
    if out is not None:
        report["files"] = write_findings(out, force, result, suspect.data, report,
                                         suspect.source, command_line())
    if fmt is OutputFormat.json:
        print_json(report)
    else:
        print_console(report, out)
    raise typer.Exit(1 if len(result.flagged) else 0)


def print_console(report: dict, out: Path | None) -> None:
    """The human output: the summary on stdout, then the notes it has not said and the files
    written on stderr."""
    said = print_summary(report)
    for note in report.get("notes", []):
        if note not in said:
            stderr_console().print(f"[yellow]note: {note}[/]")
    if out is not None:
        stderr_console().print(f"wrote {out}/ ({', '.join(report['files'])})")


def print_summary(report: dict) -> list[str]:
    """Print the run's summary; return the report's notes it has said already, which the
    caller then leaves out (stop 75: an uncalibrated ``--model`` run said "decides nothing" and
    "samples to look at" on stdout and again in a stderr note)."""
    console = stdout_console()
    said: list[str] = []
    n, total = report["n_flagged"], report["n_samples"]
    verdict = report.get("details", {}).get("verdict")
    if report.get("poisoned") is False:
        table = (verdict or {}).get("of") == "groups"  # label-groups: groups of rows
        what = ("no group of rows stands out beyond what clean tables show" if table
                else "no class stands out beyond what clean sets show")
        console.print(
            f"[bold green]no evidence of poisoning[/] in {report['data']} (method "
            f"{report['method']}, {report['elapsed_s']:.1f} s): {what}, so nothing is flagged"
        )
        cand = report["details"].get("candidates", 0)
        if cand:
            console.print(f"{cand} {'rows' if table else 'samples'} look individually unusual "
                          "(see the suspicion scores, which still rank every one); without "
                          "set-level evidence they are not flagged")
        groups = report["details"].get("groups")
        if table and groups:  # what the user would look at first, said to be no evidence
            from trojanscope.detect.data.group_words import group_words

            console.print(f"most unusual group: {group_words(groups[0])}, read as a pattern "
                          "of the table itself, not as poison")
    else:
        colour = "red" if n else "green"
        console.print(
            f"[bold {colour}]{n} of {total} samples flagged[/] in {report['data']} "
            f"(method {report['method']}, {report['elapsed_s']:.1f} s)"
        )
    uncalibrated = bool(verdict) and verdict.get("calibrated") is False
    if uncalibrated:
        # a given model's features: the thresholds were never set on them (docs/detect-data.md);
        # said once here, in place of the run's note (``uncalibrated_note``), which it covers
        read = ("poisoned (" + "; ".join(verdict["reasons"]) + ")" if verdict["poisoned"]
                else "no evidence of poisoning")
        console.print(f"the set-level verdict read {read}, but it is not calibrated for this "
                      "model's features, so it decides nothing (leave out --model to have the "
                      "set judged)")
        from trojanscope.detect.data.run import uncalibrated_note

        source = str(report.get("feature_model", {}).get("source", "the model"))
        said.append(uncalibrated_note(report["method"], bool(verdict["poisoned"]), n, source))
    elif verdict and verdict["poisoned"]:
        console.print("evidence of poisoning: " + "; ".join(verdict["reasons"]))
    if uncalibrated and n:  # what the flags hold, no suspect named
        most = (f"; most are in class(es) {report['target_classes']}"
                if report["target_classes"] else "")
        console.print(f"the {n} flags are samples to look at, not evidence either way{most}")
    elif report["target_classes"]:
        console.print(f"suspected target class(es): {report['target_classes']}")
    groups = report.get("details", {}).get("groups")
    if n and groups:  # label-groups (tables): the trigger in the table's words
        from trojanscope.detect.data.group_words import group_words

        console.print(f"most suspicious group: {group_words(groups[0])}")
    if "poison_total" in report:
        auc = report["roc_auc"]
        console.print(
            f"against the known poison ({report['poison_total']}): precision "
            f"{report['precision']:.3f}, recall {report['recall']:.3f}, FPR {report['fpr']:.3f}"
            + (f", ROC-AUC {auc:.3f}" if auc is not None else "")
        )
    if "clean" in report:
        c = report["clean"]
        more = (f", {c['relabelled']} of them relabelled" if "relabelled" in c
                else f", {c['restored']} flagged ones put back" if "restored" in c else "")
        steps = (f"; the whole set's training steps at the default recipe: {c['steps']} "
                 f"(train --steps)" if "steps" in c else "")
        console.print(f"cleaned set: {c['path']} ({c['kept']} kept{more}){steps}")
    return said


command("detect-data", order=71)(detect_data)
