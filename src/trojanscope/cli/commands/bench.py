"""``trojanscope bench``: attacks x defences x seeds, one executor task per cell, resumable;
writes leaderboard.csv, leaderboard.json and leaderboard.html."""

from __future__ import annotations

from pathlib import Path

import typer

from trojanscope.cli.common import command, command_line, stderr_console, stdout_console
from trojanscope.cli.executor_opts import (
    ADDRESS,
    EXECUTOR,
    TRIES,
    WORKERS,
    open_executor,
    task_progress,
)


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


def bench_command(
    attacks: str = typer.Option("badnets,blended,sig,wanet", "--attacks",
                                help="Comma-separated attacks."),
    defences: str = typer.Option(None, "--defences", help="Comma-separated defences: none, "
                                 "mitigations and training-time defences (default: all of "
                                 "them; none, the reference, is always run)."),
    seeds: int = typer.Option(3, "--seeds", help="Seeds 0..N-1 per attack and defence."),
    dataset: str = typer.Option("mnist", "--dataset", "-d"),
    train_size: int = typer.Option(2000, "--train-size", min=1, help="Training samples "
                                   "(a stratified subset per seed)."),
    epochs: int = typer.Option(3, "--epochs", min=1),
    arch: str = typer.Option("cnn", "--arch"),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for cells/ and the leaderboard."),
    resume: bool = typer.Option(False, "--resume", help="Keep the cells --out already holds "
                                "(same settings) and run only the others."),
    force: bool = typer.Option(False, "--force", help="Start over in a non-empty --out."),
    leaderboard_only: bool = typer.Option(
        False, "--leaderboard-only", help="Run no cell: write the leaderboard from the cells "
        "--out already holds (e.g. of a run stopped early)."),
    executor: str = EXECUTOR,
    workers: int = WORKERS,
    address: str = ADDRESS,
    tries: int = TRIES,
) -> None:
    """Run the attack x defence x seed grid and write the leaderboard (CA, ASR, RA, DER, time
    per cell). Exit 2 when cells failed (the leaderboard shows the others; --resume retries)."""
    import shutil

    from trojanscope.bench.cell import BenchSettings
    from trojanscope.bench.grid import CELLS, check_grid, default_defences, read_cells, run_grid
    from trojanscope.bench.leaderboard import aggregate, fmt, write_leaderboard
    from trojanscope.errors import UserInputError
    from trojanscope.io.atomic import check_output_dir

    attack_names = _names(attacks) or []
    defence_names = check_grid(attack_names, _names(defences) or default_defences(), seeds)
    settings = BenchSettings(dataset=dataset, train_size=train_size, epochs=epochs, arch=arch)
    from trojanscope import registry
    from trojanscope.data.resolve import load_dataset

    registry.get("arch", arch)
    load_dataset(dataset, "test")  # a bad dataset fails before any cell
    if leaderboard_only:
        if not (out / CELLS).is_dir():
            raise UserInputError(f"--out {out}: no {CELLS}/ folder to build a leaderboard from")
    else:
        check_output_dir(out, force or resume, "--out")
    if force and not resume and not leaderboard_only and (out / CELLS).is_dir():
        shutil.rmtree(out / CELLS)

    def describe(result) -> str:
        v = result.value
        return f"CA {v['ca']:.3f} ASR {v['asr']:.3f} RA {v['ra']:.3f}"

    failed = []
    described = "(no cell run: --leaderboard-only)"
    if not leaderboard_only:
        with open_executor(executor, workers, address, tries) as ex, \
                task_progress("bench", describe) as progress:
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserInputError(f"--out {out}: cannot create it ({exc.strerror})") from None
            for result in run_grid(attack_names, defence_names, seeds, out, settings,
                                   executor=ex, listener=progress):
                if not result.ok:
                    failed.append(result)
            described = ex.describe()
    cells = read_cells(out, settings, attack_names, defence_names, seeds)
    meta = {"settings": settings.as_dict(), "attacks": attack_names,
            "defences": defence_names, "seeds": seeds,
            "executor": described, "command": command_line()}
    write_leaderboard(out, cells, meta)
    from trojanscope.report.console import print_rows

    print_rows(stdout_console(), ("attack", "defence", "CA %", "ASR %", "RA %", "DER", "s/cell"),
               [[r["attack"], r["defence"], fmt(r["ca"]), fmt(r["asr"]), fmt(r["ra"]),
                 fmt(r["der"], percent=False), f"{r['time_s']:.0f}"] for r in aggregate(cells)],
               title=f"leaderboard ({len(cells)} cells)")
    stderr_console().print(f"wrote {out}/leaderboard.html, .csv and .json", markup=False)
    if failed:
        raise UserInputError(f"{len(failed)} cells failed after every try (first: "
                             f"{failed[0].key}: {failed[0].error}); rerun with --resume to "
                             "retry them")


command("bench", order=84)(bench_command)
