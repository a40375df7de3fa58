"""``trojanscope audit-registry FOLDER``: audit every model of a registry, one executor task
each, results in the history database as they finish (``--resume`` skips what is done)."""

from __future__ import annotations

from pathlib import Path

import typer

from trojanscope.cli.common import (
    METHOD_PARAM,
    OutputFormat,
    command,
    command_line,
    parse_params,
    print_json,
    refuse_early,
    stderr_console,
    stdout_console,
)
from trojanscope.cli.executor_opts import (
    ADDRESS,
    EXECUTOR,
    TRIES,
    WORKERS,
    open_executor,
    task_progress,
)
from trojanscope.errors import UserInputError
from trojanscope.report.model import Severity


def audit_registry_command(
    folder: Path = typer.Argument(..., help="Folder of models (searched recursively): run "
                                  "folders and model files."),
    data: str = typer.Option(None, "--data", help="Clean data for every model: a file/folder or "
                             "a bundled dataset name (default: each manifest's dataset, else "
                             "data-free)."),
    split: str = typer.Option(None, "--split", help="train, test or all."),
    data_free: bool = typer.Option(False, "--data-free", help="Use no clean data."),
    method: str = typer.Option("auto", "--method", "-m", help="Backdoor detector."),
    method_param: list[str] | None = METHOD_PARAM,
    calibration: Path = typer.Option(None, "--calibration", help="Calibration file."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                             help="Seed of every model's audit."),
    report: Path = typer.Option(None, "--report", "-r", help="Folder for each model's reports "
                                "(REPORT/<model path>/) and index.html / index.json."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty --report folder."),
    resume: bool = typer.Option(False, "--resume", help="Skip models whose path and SHA-256 "
                                "the history database already holds from an audit with these "
                                "options (an incomplete audit runs again; one that differs in "
                                "--fail-on alone is read again under the new gate)."),
    db: str = typer.Option(None, "--db", help="History database: SQLite path or SQLAlchemy URL "
                           "(default: $TROJANSCOPE_DB or ~/.local/share/trojanscope/)."),
    fail_on: str = typer.Option("high", "--fail-on", help="Exit 1 when any model is rated at "
                                "or above: low, medium, high or critical."),
    executor: str = EXECUTOR,
    workers: int = WORKERS,
    address: str = ADDRESS,
    tries: int = TRIES,
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json "
                                     "(the index document) on stdout."),
) -> None:
    """Audit every model in a folder: exit 1 when one is rated at or above --fail-on, else 2
    when one could not be audited, else 0. Malicious files are scanned, never loaded."""
    refuse_early(data={"--data": data}, calibration=calibration)  # before the imports below
    from trojanscope.audit.batch import audit_registry, require_models
    from trojanscope.audit.batch_report import counts, ordered, unaudited_words, write_index
    from trojanscope.audit.data_check import check_audit_data
    from trojanscope.audit.pipeline import AuditOptions
    from trojanscope.cli.commands.audit import open_store
    from trojanscope.io.atomic import check_output_dir

    threshold = Severity.parse(fail_on)
    if threshold < Severity.LOW:
        raise UserInputError("--fail-on must be low, medium, high or critical")
    options = AuditOptions(
        data=data, split=split, data_free=data_free, method=method,
        method_params=parse_params(method_param, "--method-param"), calibration=calibration,
        seed=seed, command=command_line(), fail_on=threshold)
    options.check()
    require_models(folder)  # not a folder, or none in it: fail before anything is opened
    if report is not None:
        try:
            check_output_dir(report, force or resume, "--report")
        except UserInputError as err:  # stop 75: the tour's --resume line wrote reports/, and
            if not report.is_dir():    # docs/scale-out.md's next line was sent to --force only
                raise
            raise UserInputError(f"{err}, or --resume to go on from the audits the history "
                                 "database holds") from None
    check_audit_data(options)  # bad --data: refused before the history database is created
    rows = []

    def describe(result) -> str:
        audit = result.value
        return f"{audit.headline}, rated {audit.rating.label}"

    # started: a Ray that cannot start fails before the database exists; the executor's line
    # waits for the first audit (none where every model is resumed)
    with open_executor(executor, workers, address, tries) as ex:
        store = open_store(db, no_history=False)  # after every check (it creates the file)
        with task_progress("audit-registry", describe) as progress:
            for row in audit_registry(folder, options, executor=ex, store=store,
                                      report_dir=report, resume=resume, listener=progress):
                rows.append(row)
                if row.status == "failed" and not row.attempts:  # never became a task
                    stderr_console().print(f"{row.key}: {row.error}", markup=False)
        described = ex.describe()
    summary = counts(rows)
    if report is not None:
        write_index(report, str(folder), rows, command_line(), described)
    if fmt is OutputFormat.json:
        print_json({"registry": str(folder), "summary": summary,
                    "models": [r.as_dict() for r in ordered(rows)]})
    else:
        from trojanscope.report.console import print_rows

        print_rows(stdout_console(), ("model", "status", "verdict", "rating", "p(backdoor)",
                                      "findings", "error"),
                   [[r.key, r.status, r.headline or r.verdict or "-", r.rating or "-",
                     "-" if r.probability is None else f"{r.probability:.2f}",
                     "-" if r.findings is None else str(r.findings), r.error or ""]
                    for r in ordered(rows)],
                   title=f"registry audit of {folder}")
    stderr_console().print(
        f"{summary['models']} models: {summary.get('audited', 0)} audited, "
        f"{summary.get('resumed', 0)} resumed, {summary.get('failed', 0)} failed"
        + (f"; index in {report}/index.html" if report is not None else ""), markup=False)
    if any(r.rating and Severity.parse(r.rating) >= threshold for r in rows):
        raise SystemExit(1)
    unaudited = unaudited_words(rows)
    if unaudited:  # failed or INCOMPLETE, as `audit` exits 2 on an incomplete report
        typer.echo(f"error: {unaudited}", err=True)
        raise SystemExit(2)


command("audit-registry", order=24)(audit_registry_command)
