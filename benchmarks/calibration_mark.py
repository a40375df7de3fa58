"""Whether each model given is read inside a calibration or outside every one (a score to
review), as ``detect`` and ``audit`` read it (:func:`trojanscope.io.models.outside_calibration`),
with the input shape the loader found: the check behind stop 70's purified-copy rows (hrev).

    PYTHONPATH=src .venv/bin/python benchmarks/calibration_mark.py SOURCE OUT/model.onnx ...
"""

from __future__ import annotations

import sys


def main(paths: list[str]) -> int:
    """One line a model; 2 where one cannot be loaded (its error line)."""
    import torch

    from trojanscope.errors import UserInputError
    from trojanscope.io.models import load_model, outside_calibration

    torch.set_num_threads(1)
    code = 0
    for path in paths:
        try:
            loaded = load_model(path)
        except UserInputError as exc:
            print(f"{path}: error: {exc}")
            code = 2
            continue
        said = outside_calibration(loaded.module)
        print(f"{path}: {'outside calibration' if said else 'calibrated'}; input "
              f"{getattr(loaded, 'input_shape', None)}")
    return code


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: calibration_mark.py MODEL [MODEL ...]", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
