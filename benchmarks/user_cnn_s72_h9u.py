"""Issue 9, stop 72 (h9u): the first-contact maker's models built first, read later under a rule.

Stop 71 (``user_cnn_s71_h9u.py``) built and read each model in one pass. A rule must be
committed before a fresh model is scored, so this script splits the two:

- ``build WORK --seeds ... --kinds ...``: trains and saves each model (``user_cnn_s71_h9u.
  build``: the model, its seed's ``clean.npz``, clean accuracy and, for a backdoor, the
  attack's success) and prints one row a model. No detector runs.
- ``read WORK BUILT.jsonl``: each built model read as a user reads it (``user_cnn_s71_h9u.
  read``: ``detect model.pt --data clean.npz --format json``), one row a model with the
  verdict, the logit shares, the top class's stand and the whole report (``report``), which
  ``excess_ungated_s72_h9u.py`` re-scores with a candidate calibration file.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \
        benchmarks/user_cnn_s72_h9u.py build WORK --seeds 90 91 --kinds clean patch > built.jsonl
    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \
        benchmarks/user_cnn_s72_h9u.py read WORK built.jsonl > rows.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from user_cnn_s71_h9u import KINDS, build, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    make = sub.add_parser("build", help="train and save, no detector")
    make.add_argument("work", type=Path)
    make.add_argument("--seeds", type=int, nargs="+", required=True)
    make.add_argument("--kinds", nargs="+", choices=KINDS, default=["clean"])
    make.add_argument("--target", type=int, choices=range(10),
                      help="backdoors aimed at this class instead of the drawn one")
    make.add_argument("--rate", type=float,
                      help="backdoors poisoning this share of the training images (default "
                           "0.10; stop 77: weak backdoors)")
    score = sub.add_parser("read", help="detect each built model as a user does")
    score.add_argument("work", type=Path)
    score.add_argument("built", type=Path)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    if args.step == "build":
        for seed in args.seeds:
            for kind in args.kinds:
                poisoned = kind in ("patch", "blend")
                aimed = args.target if poisoned else None
                rate = args.rate if poisoned else None
                print(json.dumps(build(args.work, seed, kind, aimed, rate)), flush=True)
        return
    for line in args.built.read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            row.update(read(args.work / f"{row['kind']}-{row['seed']}", keep_report=True))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
