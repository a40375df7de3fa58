"""What reading the held-out images adds to ``read_least=200`` (issue 12, stop 78: hwc).

``read_least`` tops the detector's reading up with held-out images, whose triggered copies then
give the ASR: the class treated and the reversed triggers are chosen with the images the
figures read. For each spent ``NAME=RUN@CLEAN``, this runs ``mitigate`` as the CLI does
(``--holdout`` 0.5 by default with its shrink, the run's own trigger) twice under
``read_least=200``: topped up from the held-out images (the candidate), and topped up from
OTHER instead (images the figures never read), and prints both rows' figures::

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_class_s78_hwc_other.py OUT.jsonl \\
        OTHER.npz 239=/tmp/hcmd77/user/runs/my-data@/tmp/hcmd77/user/clean.npz ...
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mitigate_class_s78_hwc import clean_file
from trojanscope import registry
from trojanscope.io.models import load_model
from trojanscope.mitigate import read_least
from trojanscope.mitigate import run as mrun
from trojanscope.mitigate.triggers import attack_from_spec


def one(folder: str, path: str, other: str | None) -> dict:
    """One ``mitigate`` under ``read_least=200``; with ``other``, its top-up from that file."""
    loaded = load_model(Path(folder))
    clean = clean_file(path, loaded)
    offered = clean_file(other, loaded) if other else None
    if offered is not None:  # the held-out images replaced by OTHER's, for the detector only
        mrun.offer_held = lambda method, _held: read_least.offer_held(method, offered)
    else:
        mrun.offer_held = read_least.offer_held
    method = registry.create("mitigation", "gated", read_least=200)
    start = time.process_time()
    result = mrun.mitigate(loaded.module, method, clean, shrink_holdout=True,
                           trigger_of=mrun.attack_triggered(
                               attack_from_spec(loaded.manifest.attack)),
                           input_shape=loaded.input_shape, num_classes=loaded.num_classes)
    return {"top_up": "other" if other else "held", "before": result.before,
            "after": result.after, "suspect": (result.decided or {}).get("suspect"),
            "cpu_s": round(time.process_time() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("other")
    parser.add_argument("runs", nargs="+", help="NAME=RUN_FOLDER@CLEAN.npz")
    args = parser.parse_args()
    with args.out.open("a") as fh:
        for item in args.runs:
            name, _, rest = item.partition("=")
            folder, _, path = rest.partition("@")
            for other in (None, args.other):
                row = {"name": name, **one(folder, path, other)}
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
