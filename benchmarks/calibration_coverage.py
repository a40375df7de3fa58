"""Record in calibration.json which architecture traits the calibration zoos covered.

Builds (untrained) the architecture of every model of the given zoos, as ``draw_entries`` drew
them, lists its traits (activations, pooling, normalisation: ``detect/coverage.py``) and writes
the counts into ``fitted_on["coverage"]`` of every calibrator fitted on those zoos, so verdicts
on models outside that coverage say so. The zoos are named by their ``zoo make`` arguments.

    python benchmarks/calibration_coverage.py --seeds 100,300,400 \
        --attacks badnets,blended,sig,wanet --calibration src/trojanscope/detect/calibration.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from trojanscope.detect.calibration import load_calibrators, save_calibrators
from trojanscope.detect.coverage import architecture_traits, count_traits
from trojanscope.models import create_model
from trojanscope.zoo import draw_entries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--attacks", default=None)
    ap.add_argument("--clean", type=int, default=20)
    ap.add_argument("--backdoored", type=int, default=20)
    ap.add_argument("--arch-variants", action="store_true")
    ap.add_argument("--calibration", type=Path, required=True)
    args = ap.parse_args()
    attacks = args.attacks.split(",") if args.attacks else None
    traits = []
    for seed in map(int, args.seeds.split(",")):
        for e in draw_entries(args.clean, args.backdoored, 10, seed, attacks=attacks,
                              arch_variants=args.arch_variants):
            traits.append(architecture_traits(create_model(e.arch, (1, 28, 28), 10,
                                                           **e.arch_params)))
    coverage = count_traits(traits)
    print(json.dumps(coverage))
    cals = load_calibrators(args.calibration)
    for cal in cals.values():
        cal.fitted_on["coverage"] = coverage
    save_calibrators(cals, args.calibration)


if __name__ == "__main__":
    main()
