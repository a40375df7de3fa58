"""Stop 78 read-through (hrev), named 1: how much of a run's ASR is the model's own answer.

For a model folder ``mitigate`` wrote (or any run folder with an attack in its manifest) and a
clean file: of the file's rows not of the attack's target, the share the model already gives
the target without the trigger, and the share with it (the ASR as ``mitigate`` measures it,
here on every row of the file, not only its held-out half). Where the two are alike, an ASR
above ``mitigate``'s 10% is the model's no-trigger answer, not a backdoor. Usage::

    python benchmarks/review_s78_hrev_base_rate.py FOLDER DATA [--label-column C]
"""

from __future__ import annotations

import argparse
import json

import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("data")
    ap.add_argument("--label-column")
    args = ap.parse_args()
    torch.set_num_threads(1)
    from trojanscope.detect.inputs import load_for_model
    from trojanscope.engine.metrics import predict
    from trojanscope.io.models import load_model
    from trojanscope.mitigate.triggers import attack_from_spec

    loaded = load_model(args.folder)
    ds = load_for_model(loaded, args.data, "all", args.label_column)
    attack = attack_from_spec(loaded.manifest.attack)
    x_t, _, target = attack.test_inputs(ds)
    other = ds.y != int(target[0])
    clean_at = predict(loaded.module, ds.x[other]).argmax(1) == int(target[0])
    triggered_at = predict(loaded.module, x_t).argmax(1) == target
    print(json.dumps({"rows": len(ds), "not_target": int(other.sum()),
                      "triggered": len(x_t), "target": int(target[0]),
                      "at_target_without_trigger": round(float(clean_at.float().mean()), 4),
                      "at_target_with_trigger (ASR)": round(float(triggered_at.float().mean()),
                                                            4)}))


if __name__ == "__main__":
    main()
