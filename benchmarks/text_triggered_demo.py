"""A small labelled clean CSV for ``detect-inputs RUN --triggered RUN --data CSV`` on a text run
(issue 15, stop 62, h15): the first ``--n`` / classes sentences of each class of the test split
of the data the run's manifest names (never its training rows; in file order, which holds one
class first), columns ``text`` and ``label``, so that the two counts
the command reports (fired / turned) can be shown by one real run in the docs.

    python benchmarks/text_triggered_demo.py RUN OUT.csv [--n 80]
"""

from __future__ import annotations

import csv
from pathlib import Path

from _common import LineParser, fail
from trojanscope.data.resolve import load_dataset
from trojanscope.errors import UserInputError
from trojanscope.io.manifest import read_manifest


def main(argv: list[str] | None = None) -> None:
    """Write OUT.csv; a bad argument (no run manifest, data that is not text, ``--n`` under
    the class count, no folder for OUT) is one ``error:`` line and exit 2, nothing written."""
    parser = LineParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=80)
    opts = parser.parse_args(argv)
    if not opts.out.parent.is_dir() or opts.out.is_dir():
        parser.error(f"{opts.out}: not a file in an existing folder")
    try:
        test = load_dataset(read_manifest(opts.run).dataset["name"], "test")
    except (UserInputError, KeyError, TypeError) as exc:
        fail(f"{opts.run}: no test split of a named data set ({exc})")
    names = getattr(test, "class_names", None)
    if getattr(test, "texts", None) is None or not names:
        fail(f"{opts.run}: its data set is not text")
    if opts.n < len(names):
        parser.error(f"--n must be at least the {len(names)} classes, got {opts.n}")
    with opts.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        labels = test.labels.tolist()
        for c, name in enumerate(names):
            rows = [t for t, y in zip(test.texts, labels, strict=True) if y == c]
            writer.writerows([t, name] for t in rows[:opts.n // len(names)])


if __name__ == "__main__":
    main()
