"""The leaves a 200-row file's most-missed ranking picks against the whole split's, for one
tree of a zoo (issue 16 stop 67, h16): per leaf its tree, training share, the whole split's
clean rows against those its training share expects, the file's clean rows and deficit, its
strength and number of bounds.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s67_h16_leaves.py ZOO SEED NAME...
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from tabular_small_clean import draw
from trojanscope.data import load_dataset
from trojanscope.detect.tree_boxes import most_missed
from trojanscope.detect.tree_mass import deficit
from trojanscope.io.models import load_model
from trojanscope.zoo import read_truth


def main() -> None:
    torch.set_num_threads(1)
    zoo, seed, names = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    dataset, listed = read_truth(zoo)
    test = load_dataset(dataset, "test")
    x_all, y_all = test.x.numpy(), test.y.numpy()
    x_file = x_all[draw(len(y_all), y_all, 200, seed, 0)]
    key = lambda r: (r.tree, tuple(sorted(r.box.items())))  # noqa: E731
    for e in (e for e in listed if e.name in names):
        model = load_model(zoo / e.name).module
        rec_file = [r for r in model.leaf_records(x_file, 10**9) if r.strength > 0]
        rec_all = [r for r in model.leaf_records(x_all, 10**9) if r.strength > 0]
        of_file, of_all = {key(r): r for r in rec_file}, {key(r): r for r in rec_all}
        c = e.target if e.backdoored else 0
        print(f"{e.name} {e.arch} target {e.target}: class {c}'s ten most missed leaves")
        for title, leaves in (("by the whole split", most_missed(rec_all, c, len(x_all), 10)),
                              ("by the 200-row file", most_missed(rec_file, c, 200, 10))):
            print(f"  {title}")
            for r in leaves:
                a, f = of_all[key(r)], of_file[key(r)]
                print(f"    tree {r.tree:3d} train {r.train:.4f} whole {a.clean * len(x_all):.0f} "
                      f"of {a.train * len(x_all):.1f} expected; file {f.clean * 200:.0f} of "
                      f"{f.train * 200:.1f}, deficit {deficit(f.train, f.clean, 200):.2f}; "
                      f"strength {r.strength:.2f}, {len(r.box)} bounds")


if __name__ == "__main__":
    main()
