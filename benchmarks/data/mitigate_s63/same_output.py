"""Issue 12, stop 63 (h12): the fingerprint of `gated`'s output on one model, to show that a
refactor changed no figure: run it once with the old source first on PYTHONPATH and once with the
new, and compare the two lines (sha256 of the output's state dict, CA and ASR on the 800 scored
images, the run's notes).

    PYTHONPATH=SRC:benchmarks python .../same_output.py ZOO/NAME [OPTION=VALUE ...]
"""
import hashlib
import json
import sys
from pathlib import Path

import torch

import trojanscope
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, mitigate
from trojanscope.mitigate.triggers import attack_from_spec


def untimed(value):
    """``value`` with every entry named ``seconds`` or ``*_s`` left out (they vary run to run)."""
    if isinstance(value, dict):
        return {k: untimed(v) for k, v in value.items()
                if k != "seconds" and not str(k).endswith("_s")}
    if isinstance(value, list | tuple):
        return [untimed(v) for v in value]
    return value


def main() -> None:
    torch.set_num_threads(1)
    path = Path(sys.argv[1])
    params = {k: float(v) for k, v in (a.split("=") for a in sys.argv[2:])}
    clean = load_dataset("mnist", "test")
    loaded = load_model(path)
    spec = loaded.manifest.attack
    res = mitigate(loaded.module, (method := Gated(**params)), clean, holdout=0.8, seed=0,
                   trigger_of=attack_triggered(attack_from_spec(spec)),
                   input_shape=loaded.input_shape, num_classes=loaded.num_classes)
    digest = hashlib.sha256()
    for key, value in res.model.state_dict().items():
        digest.update(key.encode())
        digest.update(value.detach().contiguous().numpy().tobytes())
    notes = untimed(method.report_)
    print(json.dumps({"source": str(Path(trojanscope.__file__).parent), "sha256":
                      digest.hexdigest(), "after": res.after, "notes": str(notes)}))


if __name__ == "__main__":
    main()
