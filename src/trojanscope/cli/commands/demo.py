"""``trojanscope demo``: the main job on bundled data, start to finish in about a minute.

Trains a clean model and a BadNets-backdoored one on the bundled MNIST subset, audits both
(scan, signature, ML-BOM, loading, detection, rating) and writes their HTML reports.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.table import Table

from trojanscope.cli.commands.audit import open_store
from trojanscope.cli.common import command, status, stderr_console, stdout_console


def demo_command(
    out: Path = typer.Option(Path("demo"), "--out", "-o", help="Folder for models and reports."),
    seed: int = typer.Option(1, "--seed", min=0, max=2**63 - 1,
                             help="Seed for every random choice."),
    force: bool = typer.Option(False, "--force", help="Replace a non-empty --out."),
    db: str = typer.Option(None, "--db", help="History database (path or SQLAlchemy URL)."),
    no_history: bool = typer.Option(False, "--no-history", help="Do not record the audits."),
) -> None:
    """Train a clean and a backdoored MNIST model, audit both, write their HTML reports."""
    from trojanscope import registry
    from trojanscope.audit import AuditOptions, run_audit
    from trojanscope.audit.outputs import publish
    from trojanscope.cli.progress import ProgressCallback
    from trojanscope.engine.train import Trainer
    from trojanscope.experiment import run_experiment, save_experiment
    from trojanscope.io.atomic import check_output_dir
    from trojanscope.report.audit_console import RATING_STYLE

    check_output_dir(out, force)
    store = open_store(db, no_history)
    start = time.perf_counter()
    err = stderr_console()
    rows = []
    for name, attack in [
        ("backdoored", registry.create("attack", "badnets", target=0, poison_rate=0.1, seed=seed)),
        ("clean", None),
    ]:
        model_dir, report = out / "models" / name, out / "reports" / name
        err.print(f"[bold]{name} model[/]: training on the bundled MNIST subset…")
        trained = run_experiment("mnist", attack=attack, seed=seed, trainer=Trainer(),
                                 callbacks=[ProgressCallback(name)])
        save_experiment(trained, model_dir, force=force)
        command = (f"trojanscope audit {model_dir} --data mnist --seed {seed} "
                   f"--report {report}")
        with status(f"auditing the {name} model…"):
            result = run_audit(model_dir, AuditOptions(data="mnist", seed=seed, command=command))
        publish(result, report_dir=report, force=force, store=store)
        rows.append((name, trained.metrics, result, report))
    elapsed = time.perf_counter() - start
    console = stdout_console()
    table = Table(title=f"trojanscope demo ({elapsed:.0f} s)", title_justify="left")
    for col in ("model", "clean acc.", "ASR", "rating", "p(backdoor)", "target"):
        table.add_column(col)
    for name, metrics, result, _ in rows:
        det = result.detection or {}
        asr = metrics.get("attack_success_rate")
        style = RATING_STYLE[result.rating.label]
        table.add_row(name, f"{metrics['clean_accuracy']:.1%}",
                      "-" if asr is None else f"{asr:.1%}",
                      f"[{style}]{result.rating.label}[/]",
                      f"{det.get('probability', float('nan')):.2f}",
                      str(det.get("suspected_target"))
                      if det.get("flagged") else "-")
    console.print(table)
    console.print("ASR: attack success rate (triggered inputs sent to the target class).")
    console.print("Open the reports in a browser:")
    for name, _, _, report in rows:
        console.print(f"  {name}: {report / 'report.html'}", soft_wrap=True)


command("demo", order=10)(demo_command)
