"""Write what stop 63's folds of benchmark code compute, for a byte-for-byte comparison of two
trees (hfc: repeated logic folded into one helper must compute exactly what the copies did).

Into ``OUT`` it writes, from the tree it runs in (its ``benchmarks/`` first on the path):

* ``rule_s40.txt`` .. ``rule_s45.txt``: issue 14's rule scripts (``inputs_rule_stop40.py`` for
  the s40, s41 and s42 populations, ``inputs_rule_stop44.py``, ``inputs_rule_stop45.py``) on
  their committed per-model outputs, as printed;
* ``starts.json``: every gap-start fit of the frame/pixel LOSO scripts (``fit_starts``,
  ``starts_of`` with and without the ReLU-CNN skip, ``fit_pixel_starts``) for each held-out
  development seed's fold;
* ``cal_F9.json``, ``cal_H10.json`` and ``candidates.txt``: the two frame candidates
  ``frame_start_loso.write_candidate`` and ``frame_group_loso.write_candidate`` write.

    PYTHONPATH=src python benchmarks/fold_check_s63.py OUT
    (cd OTHER_TREE && PYTHONPATH=src python /path/to/fold_check_s63.py OUT2) && diff -r OUT OUT2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

RULES = {  # output name -> (script, committed outputs, extra arguments)
    "rule_s40.txt": ("inputs_rule_stop40.py", "inputs_s40/fresh", []),
    "rule_s41.txt": ("inputs_rule_stop40.py", "inputs_s41/fresh", ["--population", "s41"]),
    "rule_s42.txt": ("inputs_rule_stop40.py", "inputs_s42/fresh", ["--population", "s42"]),
    "rule_s44.txt": ("inputs_rule_stop44.py", "inputs_s44/fresh", []),
    "rule_s45.txt": ("inputs_rule_stop45.py", "inputs_s45/fresh", []),
}


def rules(bench: Path, out: Path) -> None:
    """Each rule script's printout on its committed outputs (a child process each: the scripts
    set module state)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(bench), str(bench.parent / "src"), os.environ.get("PYTHONPATH", "")]))
    for name, (script, folder, extra) in RULES.items():
        proc = subprocess.run([sys.executable, str(bench / script), str(bench / "data" / folder),
                               *extra], capture_output=True, text=True, env=env, check=True)
        (out / name).write_text(proc.stdout)


def loso(out: Path) -> None:
    """The LOSO scripts' start fits per held-out seed and their two candidate files."""
    import frame_group_loso as fg
    import frame_start_loso as fs
    import pixel_group_loso as pg
    from ooc_refit_loso import SEEDS, load_seed
    from pixel_gate_loso import PIXEL
    from trojanscope.detect.calibration import load_calibrators

    for seed, files in fg.SEEDS10.items():
        SEEDS.setdefault(seed, files)
    gk, shipped = load_calibrators(fs.GK8), load_calibrators()
    with tempfile.TemporaryDirectory() as t:
        data = {s: load_seed(s, Path(t)) for s in fg.SEEDS10}
        fits = {}
        for held in data:
            rows = [r for s in data if s != held for r in data[s][1]]
            fits[held] = {"f9": fs.fit_starts(gk[fs.FRAME], rows),
                          "h": fg.starts_of(gk[fs.FRAME], rows),
                          "h_relu": fg.starts_of(gk[fs.FRAME], rows, skip=()),
                          "pixel": pg.fit_pixel_starts(shipped[PIXEL], rows)}
        (out / "starts.json").write_text(json.dumps(fits, indent=1, sort_keys=True) + "\n")
        lines = [fs.write_candidate(shipped, {s: data[s] for s in fs.SEEDS9}, out),
                 fg.write_candidate(shipped, data, out)]
    (out / "candidates.txt").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder to write into (made if missing)")
    args = ap.parse_args()
    bench = Path.cwd() / "benchmarks"
    if not (bench / "inputs_rule_stop40.py").is_file():
        print(f"error: run from a trojanscope tree (no {bench / 'inputs_rule_stop40.py'})",
              file=sys.stderr)
        sys.exit(2)
    args.out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(bench))
    rules(bench, args.out)
    loso(args.out)
    print(f"written: {', '.join(sorted(p.name for p in args.out.iterdir()))}")


if __name__ == "__main__":
    main()
