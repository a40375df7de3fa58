"""Issue 12, stop 74 (h12): where ``gated:mixed_held=R`` set its share apart and what
``mixed_last``'s keep-or-undo read on it, from the notes ``mitigate_held_s74_check.py`` wrote.

One line per model whose share was set apart: the share's size, ``mixed_last``'s action, and
the share's readings before -> after the fit (accuracy, the true class's mean log-probability,
the reversed trigger's share) where it fitted; then the counts kept and undone.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_held_s74_notes.py OUT.json:N ...

A missing file or a file without the candidate's notes is one error line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import fail, run_main


def note_line(name: str, note: dict) -> tuple[str, str | None]:
    """The printed line for one model's notes, and "kept"/"undone"/None (no fit read)."""
    share = note["mixed_held"]
    step = note.get("mixed_last") or {}
    held = step.get("held")
    line = f"{name:18s} share {share['held']} (rest {share['rest']}): " \
           f"{str(step.get('action', 'no mixed_last note'))[:60]}"
    if held is None:
        return line, None
    b, a = held["before"], held["after"]
    line += (f" | acc {b['acc']:.3f}->{a['acc']:.3f} logp {b['logp']:.3f}->{a['logp']:.3f} "
             f"flip {b['flip']:.3f}->{a['flip']:.3f}")
    return line, "kept" if held["kept"] else "undone"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="+", help="OUT.json:N from mitigate_held_s74_check.py")
    args = ap.parse_args()
    counts = {"kept": 0, "undone": 0, "set apart": 0}
    for part in args.parts:
        file, _, number = part.rpartition(":")
        if not Path(file).is_file():
            fail(f"{file}: no such file")
        data = json.loads(Path(file).read_text())
        cand = next((v for k, v in data.items() if k.startswith("gated:mixed_held")), None)
        if cand is None:
            fail(f"{file}: no gated:mixed_held rows")
        for name, note in cand["notes"].items():
            if "mixed_held" not in note:
                continue
            line, what = note_line(f"{number}/{name}", note)
            counts["set apart"] += 1
            if what:
                counts[what] += 1
            print(line)
    print(f"share set apart on {counts['set apart']}; mixed_last's fit kept on "
          f"{counts['kept']}, undone on {counts['undone']}")


if __name__ == "__main__":
    run_main(main)
