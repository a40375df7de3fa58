"""The user files for stop 78's fresh user runs (issue 12, hwc): for each seed, the first-contact
makers' draw (``first_contact_s74.held_out_draw``: 250 images of the bundled ``mnist`` test
split, none of them trained on by the user's models or by a run on ``mnist``'s training split)
written under the README's names by ``first_contact_s52.image_files`` (``clean.npz``,
``my_data.npz`` … the first 200). The runs themselves are ``trojanscope attack`` / ``train``
lines (``benchmarks/data/mitigate_s78_hwc/build-fresh.sh``).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_class_s78_hwc_make.py WORK SEED...
"""

from __future__ import annotations

import argparse
from pathlib import Path

from first_contact_s52 import image_files
from first_contact_s74 import held_out_draw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("seeds", type=int, nargs="+")
    args = parser.parse_args()
    for seed in args.seeds:
        folder = args.work / f"s{seed}"
        folder.mkdir(parents=True, exist_ok=True)
        _, images, labels = held_out_draw(seed)
        image_files(folder, images, labels)


if __name__ == "__main__":
    main()
