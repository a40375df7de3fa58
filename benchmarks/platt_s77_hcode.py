"""``label_deficit.platt`` with ``damped`` against the two fits it replaced (issue 9, stop 77:
hcode): ``label_deficit.platt`` (full Newton steps) and ``label_leans.damped_platt`` (steps
halved until the log-loss falls), as they stood at a git revision.

``dump BASE OUT.npz SEED...|all`` scores the data-level sets of ``bench_tabular_detect.py``'s base
BASE (the sets of the seeds given, or ``all``: every set, the two clean tables too) with
``label-groups``' default and records every Platt fit's inputs and whether it was damped.
``compare OUT.npz REV`` refits each with this tree's ``platt`` and with REV's two functions
(the files' text at REV, loaded under other names) and counts the fits whose ``(a, b)`` are
bitwise equal.

    PYTHONPATH=src:benchmarks python benchmarks/platt_s77_hcode.py dump 15100 OUT.npz 15110
    PYTHONPATH=src:benchmarks python benchmarks/platt_s77_hcode.py compare OUT.npz 6f608e3a
"""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import numpy as np

from _common import fail, run_main

DEFICIT = "src/trojanscope/detect/data/label_deficit.py"
LEANS = "src/trojanscope/detect/data/label_leans.py"


def dump(base: int, out: Path, seeds: set[int] | None) -> None:
    import torch

    from bench_tabular_detect import benchmark_sets, materialize, poisoned_set
    from trojanscope.detect.data import label_deficit, label_leans
    from trojanscope.detect.data.run import detect_data

    torch.set_num_threads(1)
    fits: list[tuple[np.ndarray, np.ndarray, bool, str]] = []
    fit = label_deficit.platt

    def recorded(x: np.ndarray, y: np.ndarray, damped: bool = False) -> tuple[float, float]:
        fits.append((np.array(x, copy=True), np.array(y, copy=True), damped, here))
        return fit(x, y, damped)

    label_deficit.platt = recorded  # the deficit screen's global
    label_leans.platt = recorded  # the leans screen's name for it
    here = ""
    for ds, train, name, target, seed in benchmark_sets(base):
        if seeds is not None and seed not in seeds:
            continue
        here = f"{ds}/{name}/{seed}"
        before = len(fits)
        data = materialize(train) if seed is None else poisoned_set(name, train, target, seed)[0]
        detect_data(data, method="label-groups")
        print(f"{here}: {len(fits) - before} fits", flush=True)
    np.savez_compressed(out, **{f"x{i}": f[0] for i, f in enumerate(fits)},
                        **{f"y{i}": f[1] for i, f in enumerate(fits)},
                        damped=np.array([f[2] for f in fits]),
                        where=np.array([f[3] for f in fits]))


def at_rev(rev: str, path: str, name: str) -> types.ModuleType:
    """The module file ``path`` as it stood at ``rev``, loaded as ``name``."""
    text = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, text=True,
                          check=True).stdout
    module = types.ModuleType(name)
    exec(compile(text, f"{rev}:{path}", "exec"), module.__dict__)  # our own file, at a rev
    return module


def compare(npz: Path, rev: str) -> None:
    from trojanscope.detect.data.label_deficit import platt

    old_deficit = at_rev(rev, DEFICIT, "old_label_deficit")
    old_leans = at_rev(rev, LEANS, "old_label_leans")
    data = np.load(npz)
    damped, where = data["damped"], data["where"]
    same = {False: 0, True: 0}
    total = {False: 0, True: 0}
    for i, d in enumerate(damped.tolist()):
        x, y = data[f"x{i}"], data[f"y{i}"]
        new = platt(x, y, damped=d)
        old = old_leans.damped_platt(x, y) if d else old_deficit.platt(x, y)
        total[d] += 1
        if np.array_equal(np.array(new), np.array(old), equal_nan=True):
            same[d] += 1
        else:
            print(f"  {where[i]} fit {i} ({'damped' if d else 'full'}): {old} -> {new}")
    for d in (False, True):
        print(f"{'damped' if d else 'full steps'}: {same[d]} of {total[d]} fits bitwise equal "
              f"({len(set(where[damped == d].tolist()))} sets)")


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["dump"] and args[3:] == ["all"] and args[1].isdigit():
        dump(int(args[1]), Path(args[2]), None)
    elif args[:1] == ["dump"] and len(args) >= 4 and all(a.isdigit() for a in args[1:2] + args[3:]):
        dump(int(args[1]), Path(args[2]), {int(a) for a in args[3:]})
    elif args[:1] == ["compare"] and len(args) == 3 and Path(args[1]).is_file():
        compare(Path(args[1]), args[2])
    else:
        fail("usage: dump BASE OUT.npz SEED...|all | compare OUT.npz REV")


if __name__ == "__main__":
    run_main(main)
