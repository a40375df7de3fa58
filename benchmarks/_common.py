"""Helpers the sweep scripts share (``bad_options.py``, ``bad_params.py``, ``first_contact.py``):
their common command-line options, JSON-lines logs, tallies, command lines written as one
string, and a forked child waited for with a time limit; a result printed as JSON and written to
``--json`` (the text benchmark summaries); the arguments of the one-run last-step checks;
``fail``, the one ``error:`` line and exit 2 of a script's bad input. Imported as ``_common``
(the scripts run as ``python benchmarks/NAME.py``, so this folder is on the path)."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NoReturn


def sweep_parser(doc: str | None, timeout: float) -> argparse.ArgumentParser:
    """An argument parser described by ``doc``'s first line, with the options every sweep
    takes: ``--only`` (a regex on the case ids), ``--table`` (print the summary of what an
    earlier run logged) and ``--timeout`` (seconds per case, of ``timeout``'s type)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    parser.add_argument("--only", default="", help="run only the cases whose id matches")
    parser.add_argument("--table", action="store_true", help="print the logged results")
    parser.add_argument("--timeout", type=type(timeout), default=timeout)
    return parser


class LineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``PROG: error: …``, exit 2), without the
    usage block argparse prints first."""

    def error(self, message: str):  # type: ignore[override]
        import sys

        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def last_step_args(doc: str | None, name: str, kind: type, default: float | None,
                   argv: list[str] | None = None) -> argparse.Namespace:
    """``ZOO OUT.json [NAME]`` of the one-run last-step checks (``check_free_reach.py``,
    ``check_back_distill.py``, ``check_bias_refit.py``): ``args.zoo`` a folder holding
    ``truth.json``, ``args.out`` a file in an existing folder, ``args.value`` the step's setting
    (``kind``: a number above 0, or a ``Path``, optional). Anything else ends in one error line
    and exit 2, before a model is read."""
    from trojanscope.zoo import TRUTH_NAME

    parser = LineParser(description=(doc or "").split("\n")[0])
    parser.add_argument("zoo", type=Path, help=f"a zoo folder (with its {TRUTH_NAME})")
    parser.add_argument("out", type=Path, help="the JSON file both rows are written to")
    parser.add_argument("value", metavar=name, type=kind, nargs="?", default=default,
                        help=f"the step's setting (default {default})")
    args = parser.parse_args(argv)
    if not (args.zoo / TRUTH_NAME).is_file():
        parser.error(f"{args.zoo}: not a zoo (no {TRUTH_NAME})")
    if not args.out.parent.is_dir() or args.out.is_dir():
        parser.error(f"{args.out}: not a file in an existing folder")
    if kind is not Path and not args.value > 0:  # NaN too
        parser.error(f"{name} must be above 0, got {args.value!r}")
    return args


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSON-lines log, one per line (gzipped when its name ends ``.gz``, as the
    logs committed under ``benchmarks/data`` are)."""
    path = Path(path)
    text = gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read_json(path: Path) -> object:
    """A JSON file's value, gzipped or not (told by its first bytes: the files committed under
    ``benchmarks/data`` are often gzipped, a reader's own output not)."""
    raw = Path(path).read_bytes()
    return json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)


def truth_by_name(path: Path) -> dict[str, dict]:
    """The ``truth.json`` of a zoo folder (``foreign_zoo.py``, ``outside_zoo.py``, …; or its
    committed ``.json.gz``): each model's entry by its name."""
    return {m["name"]: m for m in read_json(path)["models"]}


def judged(rows: Iterable[dict], verdict: Callable[[dict], str]) -> dict[str, dict]:
    """Each case's last run (by ``id``), its verdict judged again by ``verdict`` (a script's
    lists of valid values may be edited after a run)."""
    return {r["id"]: {**r, "verdict": verdict(r)} for r in rows}


def tally(values: Iterable[str]) -> str:
    """``"clean 738, valid value 111, …"``: how often each value occurs, most first."""
    counts = Counter(values)
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def line(*parts: str) -> list[str]:
    """A command line written as strings of space-separated arguments (none holds a space)."""
    return " ".join(parts).split()


def wait_child(
    pid: int, start: float, timeout: float, *, group: bool = False, poll: float = 0.02
) -> int | None:
    """Wait for the forked child ``pid`` (started at ``time.perf_counter()`` ``start``); at
    ``timeout`` seconds kill it (its whole process group with ``group``). Its exit code, or
    None when it was killed."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.perf_counter() - start > timeout:
            (os.killpg if group else os.kill)(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(poll)


def ordered(order: list[dict], names: str, flag: str = "--order") -> list[dict]:
    """The planned models ``names`` names (model names, comma-separated), in that order; an
    unknown or repeated name is an error naming ``flag`` (the fourth and the outside makers'
    exact build order)."""
    by_name = {m["name"]: m for m in order}
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    bad = [n for n in wanted if n not in by_name]
    twice = sorted({n for n in wanted if wanted.count(n) > 1})
    if bad or twice or not wanted:
        fail(f"{flag} {names!r}: " + (f"unknown {', '.join(bad)} (a planned model name, e.g. "
             f"{order[0]['name']}; rounds from --per-family)" if bad else
             f"named twice: {', '.join(twice)}" if twice else "empty list"))
    return [by_name[n] for n in wanted]


def parse_targets(text: str, backdoored: set[str]) -> dict[str, int]:
    """``--targets NAME=CLASS,…`` as a dict (stop 67: backdoored models aimed at a class, the
    fourth and the outside makers); a name that is no planned backdoored model or a class not
    in 0-9 is refused (one line, exit 2)."""
    out = {}
    for part in text.split(","):
        name, sep, cls = part.partition("=")
        if not sep or name not in backdoored or cls not in [str(c) for c in range(10)]:
            fail(f"--targets {part!r}: give NAME=CLASS, NAME a planned backdoored model and "
                 "CLASS 0-9")
        out[name] = int(cls)
    return out


def fail(message: str) -> NoReturn:
    """Bad input or a failed child: one ``error:`` line on stderr, exit 2 (stop 60: one helper
    for the copies fifteen scripts held)."""
    import sys

    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def run_main(main: Callable[[], object]) -> None:
    """Run a script's ``main``; bad input (a missing file, a wrong value or key) ends in one
    ``error:`` line and exit 2 instead of a traceback."""
    import sys

    try:
        main()
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def print_json(out: dict, path: Path | None) -> None:
    """Print ``out`` as indented JSON, and write the same text to ``path`` when one is given."""
    text = json.dumps(out, indent=2)
    print(text)
    if path is not None:
        path.write_text(text + "\n")
