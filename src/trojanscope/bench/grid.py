"""The grid: every attack x defence x seed cell as one executor task; each cell's record is a
file (``cells/<attack>__<defence>__seed<k>.json``) written as it finishes, so a stopped run
resumes where it stopped, and the leaderboard is built from whatever cells exist."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trojanscope import registry
from trojanscope.bench.cell import NONE, BenchSettings, cell_key, defence_kind, run_cell
from trojanscope.errors import UserInputError
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.json_file import dumps as strict_dumps

if TYPE_CHECKING:
    from trojanscope.executor import Executor, Listener, TaskResult

CELLS = "cells"


def default_defences() -> list[str]:
    """``none`` and every registered mitigation and training-time defence."""
    return [NONE, *registry.names("mitigation"), *registry.names("defence")]


def check_grid(attacks: Sequence[str], defences: Sequence[str], seeds: int) -> list[str]:
    """Valid names and counts, before any work; ``none`` (the reference DER needs) is added
    when missing. Returns the defences in order."""
    if not attacks:
        raise UserInputError("--attacks: give at least one attack")
    if seeds < 1:
        raise UserInputError(f"--seeds must be at least 1, got {seeds}")
    for name in attacks:
        registry.get("attack", name)
    for name in defences:
        defence_kind(name)
    return [NONE, *[d for d in dict.fromkeys(defences) if d != NONE]]


def read_cells(out: Path, settings: BenchSettings, attacks: Sequence[str],
               defences: Sequence[str], seeds: int) -> list[dict[str, Any]]:
    """The finished cells under ``out`` that belong to this grid and these settings."""
    cells = []
    for path in sorted((out / CELLS).glob("*.json")):
        cell = json.loads(path.read_text())
        if (cell.get("settings") == settings.as_dict() and cell["attack"] in attacks
                and cell["defence"] in defences and cell["seed"] < seeds):
            cells.append(cell)
    return cells


def run_grid(
    attacks: Sequence[str],
    defences: Sequence[str],
    seeds: int,
    out: Path,
    settings: BenchSettings,
    *,
    executor: Executor,
    listener: Listener | None = None,
) -> Iterator[TaskResult]:
    """Run the cells that have no record under ``out`` with these settings; yield each result
    after its record is written (failed cells write none and run again next time)."""
    from trojanscope.executor import Task

    defences = check_grid(attacks, defences, seeds)
    (out / CELLS).mkdir(parents=True, exist_ok=True)
    tasks = []
    for seed in range(seeds):  # seed by seed: a run stopped early leaves whole seeds
        for attack in attacks:
            for defence in defences:
                key = cell_key(attack, defence, seed)
                path = out / CELLS / f"{key}.json"
                if path.is_file() and _same_settings(path, settings):
                    continue
                tasks.append(Task(key, run_cell, (attack, defence, seed, settings), seed=seed))
    for result in executor.map(tasks, listener):
        if result.ok:
            record = {**result.value, "attempts": result.attempts, "worker": result.worker}
            write_text_atomic(out / CELLS / f"{result.key}.json",
                              strict_dumps(record, indent=2) + "\n")
        yield result


def _same_settings(path: Path, settings: BenchSettings) -> bool:
    try:
        return json.loads(path.read_text()).get("settings") == settings.as_dict()
    except (OSError, ValueError):
        return False
