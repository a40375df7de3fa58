"""`gated:mixed_held=R` beside today's default `gated` on every model of a zoo (issue 12, stop
74: h12).

``mixed_held`` sets its share apart only on a model the stages treat (after the detector's gate,
and not where ``dense_mask`` replaced the stages), and the note ``mixed_held`` says so. So each
model is run with the candidate; where the share was set apart, today's default is run on the
same model too and gives today's row; elsewhere the candidate's run *is* today's computation and
its row stands for both (``today_run`` in the notes says which). Stop 72's loop
(:func:`mitigate_sure_s71_check.check_pairs`), rows in ``bench_mitigate.py``'s format, the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_held_s74_check.py ZOO OUT.json [R]

A bad argument (no zoo, no output folder, a share out of range) ends in one ``error:`` line and
exit 2 before any model is read. OUT.json is written after each model, under ``gated`` and
``gated:mixed_held=R``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch

from _common import LineParser, run_main
from mitigate_sure_s71_check import check_pairs
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.gated import Gated

SHARE = 0.1  # the rule's candidate (benchmarks/data/mitigate_s74_h12/rule.md)
NOTE_KEYS = ("detector", "suspect", "mixed_held", "mixed_last", "teach_last", "blend_last")


def set_apart(report: dict) -> bool:
    """Whether the candidate's run set the share apart (its one change to today's run)."""
    return "mixed_held" in report


def main(argv: list[str] | None = None) -> None:
    """The candidate and today's default for every model of ZOO, written to OUT.json."""
    check_main(argv, __doc__, "mixed_held", float, SHARE, set_apart, NOTE_KEYS,
               "mixed_held's share")


def check_main(argv: list[str] | None, doc: str | None, option: str, kind: type,
               default: float, fired: Callable[[dict], bool], note_keys: tuple[str, ...],
               what: str, extra: dict[str, float] | None = None) -> None:
    """A one-option zoo check's command line (``ZOO OUT.json [VALUE]``): the candidate
    ``gated:option=VALUE`` beside today's default on every model of ZOO (stop 72's loop), each
    note marked ``fired`` by ``fired``. A bad zoo, output or value: one ``error:`` line, exit 2,
    before any model is read (stop 74's h12 and h12g checks share it). ``extra``: options the
    candidate sets beside it, fixed (stop 76's ``aug_mean``), named in its label too."""
    fixed = dict(extra or {})
    parser = LineParser(description=(doc or "").split("\n")[0])
    parser.add_argument("zoo", type=Path, help="a zoo folder (with its truth.json)")
    parser.add_argument("out", type=Path, help="the JSON file both rows are written to")
    parser.add_argument("value", type=kind, nargs="?", default=default,
                        help=f"{what} (default {default})")
    args = parser.parse_args(argv)
    if not (args.zoo / "truth.json").is_file():
        parser.error(f"{args.zoo}: not a zoo (no truth.json)")
    if not args.out.parent.is_dir() or args.out.is_dir():
        parser.error(f"{args.out}: not a file in an existing folder")
    try:
        Gated(**{option: args.value}, **fixed)
    except ValueError as exc:
        parser.error(str(exc))
    torch.set_num_threads(1)
    label = f"gated:{option}={args.value:g}" + "".join(f",{k}={v:g}" for k, v in fixed.items())
    check_pairs(args.zoo, args.out, label, lambda: Gated(**{option: args.value}, **fixed),
                fired, note_keys, option)
    mark_fired(args.out, label, fired)


def mark_fired(out: Path, label: str, fired: Callable[[dict], bool] = set_apart) -> None:
    """Each of ``label``'s notes in ``out`` gets ``fired`` (by default: the share was set
    apart), the key the stop-72 rule reader prints."""
    data = json.loads(out.read_text())
    for note in data[label]["notes"].values():
        note["fired"] = fired(note)
    write_text_atomic(out, json.dumps(data, indent=1))


if __name__ == "__main__":
    run_main(main)
