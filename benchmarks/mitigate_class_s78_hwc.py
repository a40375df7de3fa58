"""Where ``gated``'s detector reading on its share and on the whole clean file disagree
(issue 12, stop 78: hwc). Spent runs only.

For each ``NAME=MODEL@CLEAN`` (a run folder and a clean ``.npz``), the calibrated ``auto``
verdict ``gated`` gates on, read on the method's share at ``--holdout`` 0.5 (today's) and on the
samples ``read_least=200`` gives it (the share topped up with held-out ones:
:func:`trojanscope.mitigate.read_least.reading_set`; on a 200-image file, all of them), and,
with ``--other OTHER.npz``, on the share topped up with as many images of OTHER (images the
figures never read) instead: the reading without the held-out images, to tell what reading
them adds. One JSON line per reading (``mitigate_class_s77_hwc.reading``'s fields)::

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_class_s78_hwc.py OUT.jsonl \\
        239=/tmp/hcmd77/user/runs/my-data@/tmp/hcmd77/user/clean.npz ... [--other OTHER.npz]
"""

from __future__ import annotations

import argparse
import json
import resource
from pathlib import Path
from types import SimpleNamespace

from mitigate_class_s77_hwc import reading
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.inputs import default_split
from trojanscope.errors import TooFewPerClass
from trojanscope.io.models import images_for_flat_input, load_model
from trojanscope.mitigate.read_least import reading_set
from trojanscope.mitigate.run import DEFAULT_HOLDOUT, split_clean

READ = 200  # the candidate's read_least


def clean_file(path: str, loaded):  # type: ignore[no-untyped-def]
    """A clean ``.npz`` as ``mitigate`` loads it, shaped for ``loaded``'s input."""
    data = load_dataset(path, default_split(path, None))
    images_for_flat_input(loaded, data)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("runs", nargs="+", help="NAME=MODEL_FOLDER@CLEAN.npz")
    parser.add_argument("--other", help="images the figures never read, for the top-up")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as out:
        for item in args.runs:
            name, rest = item.split("=", 1)
            folder, path = rest.split("@", 1)
            loaded = load_model(Path(folder))
            spec = loaded.manifest.attack if loaded.manifest is not None else None
            target = int(spec.target) if spec is not None and spec.target is not None else -1
            clean = clean_file(path, loaded)
            fit, held = split_clean(clean, DEFAULT_HOLDOUT, 0, needs_data=True)
            tops = [("share", fit), ("read200", reading_set(
                SimpleNamespace(read_least=READ, held_offered_=held), fit, 0)[0])]
            if args.other:
                other = clean_file(args.other, loaded)
                tops.append(("other200", reading_set(
                    SimpleNamespace(read_least=READ, held_offered_=other), fit, 0)[0]))
            for share, data in tops:
                try:
                    row = reading(name, share, DEFAULT_HOLDOUT, loaded.module, data, target)
                except TooFewPerClass as exc:  # mitigate then lowers --holdout (stop 74)
                    row = {"seed": name, "share": share, "samples": len(data),
                           "target": target, "error": str(exc).split(";")[-1].strip()}
                row["cpu_user"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_utime, 1)
                out.write(json.dumps(row) + "\n")
                out.flush()
                print(json.dumps({k: v for k, v in row.items() if k != "mmbd_scores"}),
                      flush=True)


if __name__ == "__main__":
    main()
