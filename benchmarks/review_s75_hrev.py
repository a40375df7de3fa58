"""Stop 75's read-through (hrev): the lines stop 75's changed user docs show, run as a new user
would on the first contact's files, and the variants it did not try (``train --defence``
with ``spectral`` and ``knn-filter``, ``audit-registry --report`` naming a file, ``purify
--method all`` with and without a known trigger, the L75 opt-in file on a user's LightGBM
model, ``--method-param mask_black=200`` on a black-mask MLP, a ``label-groups`` parameter
given to the default method).

Files: a copy of the first-contact user folder USER (stop 75's hcmd: seed 169,
``benchmarks/first_contact_s75.py``), ``lgb/clean200.csv`` (the first 200 rows of its
``lgb/clean.csv``), the opt-in calibration files :data:`OPT_IN` (this checkout's, at
the paths the user pages give) and ``black-mlp/`` (BLACK: a flagged MLP with a
black pixel mask, e.g. fresh zoo 2514's ``sparse-002`` of
``benchmarks/data/mitigate_s75_h12b/build-fresh.sh``, spent at stop 75).

    PYTHONPATH=src:benchmarks python benchmarks/review_s75_hrev.py WORK --make USER \
        --black BLACK
    PYTHONPATH=src:benchmarks python benchmarks/review_s75_hrev.py WORK --lines LINES \
        --timeout 300 --keep DIR
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from first_contact_own import REPO, run_lines

# the opt-in calibration files stop 75's pages name (docs/tabular.md: h16's L75;
# docs/detection.md: h9s's cap of 3, h9's file before the blend-sink term)
OPT_IN = (Path("benchmarks/data/tabular_s75_h16/calibration_l75.json"),
          Path("benchmarks/data/excess_most_s75_h9s/cal_most3.json"),
          Path("benchmarks/data/outside_s75_h9/cal_C9_before.json"))


def make(work: Path, user: Path, black: Path) -> None:
    """The files the module docstring names, in ``work``."""
    shutil.copytree(user, work, dirs_exist_ok=True)
    shutil.copytree(black, work / "black-mlp", dirs_exist_ok=True)
    rows = (work / "lgb" / "clean.csv").read_text().splitlines(keepends=True)
    (work / "lgb" / "clean200.csv").write_text("".join(rows[:201]))  # the header and 200 rows
    for opt_in in OPT_IN:  # at the paths the user pages give
        (work / opt_in).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / opt_in, work / opt_in)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--make", type=Path, metavar="USER")
    parser.add_argument("--black", type=Path)
    parser.add_argument("--lines", type=Path)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    if args.make is not None:
        if args.black is None or not (args.black / "manifest.json").is_file():
            parser.error("--make needs --black DIR (a run folder of a black-mask MLP)")
        make(args.work, args.make, args.black)
    if args.lines is not None:
        run_lines(args.work, args.lines, args.timeout, args.keep)


if __name__ == "__main__":
    main()
