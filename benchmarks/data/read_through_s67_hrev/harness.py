"""The early checks (before torch) against the late path (load, read the data, the model's
first call) for pairs of (model, data): a refusal early where the late path takes the pair is a
valid input refused (hrev, stop 67). One JSON line a pair."""

from __future__ import annotations

import json
import sys
import time

import torch

from trojanscope.cli.common import refuse_early
from trojanscope.cli.early_model import check_model_data
from trojanscope.errors import UserInputError


def early(model: str, data: str, label: str | None) -> str:
    try:
        refuse_early(model, "detector", "auto", data={"--data": data})
        check_model_data(model, {"--data": data}, label_column=label)
    except UserInputError as exc:
        return "refused: " + str(exc)[:160]
    return "ok"


def late(model: str, data: str, label: str | None) -> str:
    from trojanscope import registry
    from trojanscope.detect.base import prepare_target
    from trojanscope.detect.input_level.text_inputs import text_method
    from trojanscope.detect.inputs import choose_clean_data
    from trojanscope.io.models import load_model

    try:
        loaded = load_model(model)
        detector = registry.create("detector", text_method(loaded, "auto"))
        chosen = choose_clean_data(loaded, detector, data, None, label_column=label)
        prepare_target(loaded.module, chosen.dataset, loaded.input_shape, loaded.num_classes,
                       detector)
    except UserInputError as exc:
        return "refused: " + str(exc)[:160]
    except Exception as exc:  # what the project must never show: counted, not hidden
        return f"TRACEBACK {type(exc).__name__}: {str(exc)[:160]}"
    return "ok"


def main() -> None:
    torch.set_num_threads(1)
    with open(sys.argv[1]) as fh:
        cases = [line.split() for line in fh if line.strip() and not line.startswith("#")]
    for case in cases:
        model, data = case[0], case[1]
        label = case[2] if len(case) > 2 else None
        start = time.time()
        said_early, said_late = early(model, data, label), late(model, data, label)
        flag = "MISMATCH" if (said_early == "ok") != (said_late == "ok") else ""
        print(json.dumps({"model": model, "data": data, "label": label, "early": said_early,
                          "late": said_late, "flag": flag,
                          "s": round(time.time() - start, 1)}), flush=True)


if __name__ == "__main__":
    main()
