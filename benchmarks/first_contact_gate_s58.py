"""Why ``mitigate``'s adaptive gate and ``detect`` disagree on a model (issue 9, stop 58).

At stop 57, ``mitigate other-cnn.onnx --data clean.npz`` (a clean BatchNorm CNN made by plain
torch) had its adaptive step read probabilities 0.82 / 0.74 and run every unlearning round,
where ``detect other-cnn.onnx --data clean.npz`` read 0.12. The two readings differ in two ways:
the gate reads ``trigger_search`` and ``mmbd``, each with its own calibrator, where ``detect``
reads ``auto`` (routed to the wider calibration for models the default one lacks); and the gate
sees the method's half of the clean file (``mitigate``'s stratified split, seed 0), ``detect``
all of it. This script reads every combination on one model, so the cause can be named: per
(method, data) one JSON line with the calibrated probability, the top class, the coverage notes
and the seconds.

    python benchmarks/first_contact_gate_s58.py MODEL DATA [--methods mmbd,trigger_search,auto]
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("data")
    ap.add_argument("--methods", default="mmbd,trigger_search,auto")
    ap.add_argument("--parts", default="half,all", help="half: mitigate's method split; all")
    ap.add_argument("--seed", type=int, default=0, help="the split's and the detectors' seed")
    args = ap.parse_args()

    from trojanscope.cli.commands.mitigate import editable_module
    from trojanscope.data.resolve import load_dataset
    from trojanscope.detect.inputs import default_split
    from trojanscope.io.models import load_model
    from trojanscope.mitigate.gated import detector_verdict
    from trojanscope.mitigate.run import split_clean

    loaded = load_model(args.model)
    clean = load_dataset(args.data, default_split(args.data, None))
    module, _ = editable_module(loaded, clean)
    fit, _ = split_clean(clean, 0.5, args.seed, needs_data=True)
    parts = {"half": fit, "all": clean}
    for part in args.parts.split(","):
        data = parts[part]
        for method in args.methods.split(","):
            start = time.perf_counter()
            verdict = detector_verdict(method, module, data, args.seed)
            print(json.dumps({
                "model": args.model, "data": part, "samples": len(data), "method": method,
                "probability": round(float(verdict.probability or 0.0), 4),
                "top": verdict.target_classes[0] if verdict.target_classes else None,
                "traits": verdict.traits, "notes": verdict.coverage_notes,
                "s": round(time.perf_counter() - start, 1)}), flush=True)


if __name__ == "__main__":
    main()
