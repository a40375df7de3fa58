"""``trojanscope certify``: provable statements about a trained model on test inputs.

``partition`` (DPA runs): poisoned training samples each test input tolerates, and the
certified-accuracy curve; ``patch`` (patch-mask runs): PatchCleanser certificates for a patch
size; ``verify`` (small cnn/mlp models): proven / refuted / timeout for an additive trigger of
L-inf size <= eps inside a region.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from trojanscope.cli.common import (
    OutputFormat,
    command,
    print_json,
    refuse_early,
    stderr_console,
    stdout_console,
)
from trojanscope.errors import UserInputError


def _region(text: str) -> tuple[int, int, int, int]:
    try:
        parts = tuple(int(p) for p in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4:
        raise UserInputError(f"--region must be TOP,LEFT,HEIGHT,WIDTH integers, got {text!r}")
    return parts  # type: ignore[return-value]


def certify_command(
    model: Path = typer.Argument(..., help="Run folder written by train/attack."),
    data: str = typer.Option(
        ...,
        "--data",
        help="Test data: a file/folder (all of it) or a bundled name (its test split).",
    ),
    report: Path = typer.Option(..., "--report", "-o", help="Report folder (written atomically)."),
    method: str = typer.Option(
        "auto", "--method", "-m",
        help="auto (what the model was trained for), partition, patch or verify.",
    ),
    patch: int = typer.Option(None, "--patch", min=1, help="Patch side (default: the training's)."),
    eps: float = typer.Option(
        0.1, "--eps", min=0.0, max=1.0, help="verify: L-inf size of the trigger (inputs in [0, 1])."
    ),
    region: str = typer.Option(
        "0,0,4,4", "--region", help="verify: TOP,LEFT,HEIGHT,WIDTH of the trigger region."
    ),
    time_limit: float = typer.Option(
        5.0, "--time-limit", min=0.0, help="verify: seconds per input before 'timeout'."
    ),
    backend: str = typer.Option(
        "ibp", "--backend", help="verify: ibp (built in) or marabou (needs trojanscope[verify])."
    ),
    limit: int = typer.Option(
        None, "--limit", min=1,
        help="Certify N inputs, evenly spaced through the data (all classes of a sorted file).",
    ),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                             help="Seed for every random choice."),
    force: bool = typer.Option(False, "--force", help="Replace a non-empty --report."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Certify MODEL on test data: poisoning (DPA), patch (PatchCleanser) or verification."""
    refuse_early(model, data={"--data": data})  # before the imports below (seconds)
    from trojanscope.cli.early_model import check_model_data

    check_model_data(model, {"--data": data})
    from trojanscope import registry
    from trojanscope.certify import run as cert
    from trojanscope.data.resolve import load_dataset
    from trojanscope.io.atomic import check_output_dir
    from trojanscope.io.models import load_model

    check_output_dir(report, force, "--report")
    box = _region(region) if method == "verify" else None
    loaded = load_model(model)
    chosen = cert.choose_method(loaded, method)
    if patch is not None and chosen != "patch":  # it would be silently unused
        raise UserInputError(f"--patch applies to the patch method only, not to {chosen}")
    test = load_dataset(data, "test" if data in registry.names("dataset") else "all")
    total = len(test)
    origin = list(range(total))
    if limit is not None and limit < len(test):
        origin = cert.spread(len(test), limit)
        test = test.subset(origin)
    cert.check_fit(loaded, test)
    if chosen == "partition":
        result = cert.certify_partition(loaded, test)
    elif chosen == "patch":
        result = cert.certify_patch_run(loaded, test, patch)
    else:
        result = cert.verify_run(loaded, test, box or _region(region), eps, time_limit, seed,
                                 backend)
    cert.renumber(result, origin)  # rows name the inputs' positions in --data
    header = {"model": str(model), "data": data, "inputs": len(test), "inputs_total": total}
    files = cert.write_report(result, report, force=force, header=header)
    if fmt is OutputFormat.json:
        print_json({**header, "method": result.method, **result.summary, "files": files})
        return
    table = Table(title=f"certify {result.method}: {model} on {data} ({len(test)} inputs)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in result.summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v:.1%}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.4g}"
        table.add_row(key.replace("_", " "), str(value))
    stdout_console().print(table)
    stderr_console().print(f"wrote {report}/ ({', '.join(files)})")


command("certify", order=66)(certify_command)
